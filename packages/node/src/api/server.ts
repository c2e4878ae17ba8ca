import { IdlegridError } from '@idlegrid/protocol';
import type { ChainContext } from '@idlegrid/sdk';
import Fastify, { type FastifyInstance, type RouteOptions } from 'fastify';
import type { Registry } from 'prom-client';
import type { Address } from 'viem';
import type { ArtifactAccess } from '../coordinator/artifact-access.js';
import type { ErasureRelay } from '../coordinator/erasures.js';
import type { InferenceGateway } from '../coordinator/inference/inference-gateway.js';
import type { JobEventBus } from '../coordinator/job-event-bus.js';
import type { JobIntake } from '../coordinator/job-intake.js';
import type { LeaseKeyRelay } from '../coordinator/lease-keys.js';
import type { PaymentForwarder } from '../coordinator/payment-forwarder.js';
import type { ProviderRegistry } from '../coordinator/provider-registry.js';
import type { SybilSnapshot } from '../coordinator/sybil-watch.js';
import type { FeedRewards } from '../feeds/feed-rewards.js';
import type { FeedIngest } from '../feeds/ingest.js';
import type { FlRunner } from '../fl/coordinator/fl-runner.js';
import type { JobStore } from '../jobs/api.js';
import type { CoordinatorMesh } from '../mesh/coordinator-mesh.js';
import type { ArtifactStore } from '../storage/artifact-store.js';
import type { FeedStore } from '../store/feed-store.js';
import type { PaymentLedger } from '../store/payment-ledger.js';
import type { ReadingScoreStore } from '../store/reading-score-store.js';
import { clientErrorReply } from './client-errors.js';
import { errorReply } from './error-reply.js';
import { applyLimits } from './limits/limits-hooks.js';
import { registerLimitMetrics } from './limits/limits-metrics.js';
import { type ApiLimitsSettings, resolveApiLimits } from './limits/limits-settings.js';
import { RequestLimits } from './limits/request-limits.js';
import { utf8JsonParser } from './media-type.js';
import { openAiRoutes } from './openai/openai-routes.js';
import { enforceContracts } from './openapi/contract-hooks.js';
import { artifactGrantRoutes } from './routes/artifact-grants.js';
import { type ArtifactRouteDeps, artifactRoutes } from './routes/artifacts.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { eventRoutes } from './routes/events.js';
import { feedRoutes } from './routes/feeds.js';
import { flRoutes } from './routes/fl.js';
import { governanceRoutes } from './routes/governance.js';
import { integrityRoutes } from './routes/integrity.js';
import { jobRoutes } from './routes/jobs.js';
import { ledgerRoutes } from './routes/ledger.js';
import { networkRoutes } from './routes/network.js';
import { openApiRoutes } from './routes/openapi.js';
import { paymentRoutes } from './routes/payments.js';
import { ThroughputMeter } from './throughput-meter.js';

export interface ApiComponents {
  intake: JobIntake;
  store: JobStore;
  artifacts: ArtifactStore;
  bus: JobEventBus;
  /** Who may read and use owned artifacts (grants, leases); without it owned artifacts read like any. */
  access?: ArtifactAccess;
  /** Devices and their signed readings (feeds); without them the feed routes are absent. */
  feeds?: { ingest: FeedIngest; store: FeedStore; scores: ReadingScoreStore; rewards: FeedRewards };
  /** Carries erasures to providers' copies, and keeps their receipts (`GET /v1/artifacts/:cid/erasure`). */
  erasures?: ErasureRelay;
  /** Relays private jobs' lease keys (`keys` events, `POST /v1/jobs/:id/keys`); without it private jobs cannot run. */
  leaseKeys?: LeaseKeyRelay;
  metrics: Registry;
  /** With a provider registry the API also lists providers and network stats. */
  registry?: ProviderRegistry;
  /** The sybil detector's latest pass (`/v1/integrity/sybil`). */
  sybil?: () => SybilSnapshot | undefined;
  /** With a forwarder and ledger the API also settles jobs by voucher. */
  payments?: { forwarder: PaymentForwarder; ledger: PaymentLedger };
  /** The chain the network settles on: `/v1/network`, and `/v1/ledger` when the coordinator reads it. */
  chain?: { context: ChainContext; coordinator: Address; readsChain: boolean };
  /** Federated runs; without it the `/v1/fl` routes are absent. */
  fl?: FlRunner;
  /** The mesh of coordinators, listed in `/v1/network`. */
  mesh?: CoordinatorMesh;
  /** The dashboard's built files, served at `/`. */
  dashboardDir?: string;
  /** With an inference gateway (and a registry) the API also speaks OpenAI's. */
  inference?: InferenceGateway;
  /** Owned artifacts (signed uploads, erasure, wrapped keys); without them uploads are anonymous. */
  owners?: ArtifactRouteDeps['owners'] | undefined;
  /** The per-key limits and load shedder, built by a test with its clock and load signal; else from ApiOptions.limits. */
  limits?: RequestLimits;
}

export interface ApiOptions {
  /** Largest artifact upload, in bytes (256 MiB by default); every other route has a limit of its own. */
  bodyLimit?: number;
  logger?: boolean;
  /** Per-key rate limits, quotas and load shedding (api/limits/api.ts; DEFAULT_API_LIMITS for what is left out). */
  limits?: ApiLimitsSettings;
  /** Sees each route as it is registered (the test that the OpenAPI document lists them all). */
  onRoute?: (route: RouteOptions) => void;
}

/** The body limit of routes whose contract names none. */
const DEFAULT_BODY_LIMIT = 64 * 1024;

/** The coordinator's HTTP API: REST for jobs and artifacts, SSE events, OpenAI-compatible /v1, /metrics, /healthz. */
export function createApiServer(components: ApiComponents, options: ApiOptions = {}): FastifyInstance {
  const artifactBodyLimit = options.bodyLimit ?? 256 * 2 ** 20;
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: DEFAULT_BODY_LIMIT,
    // Event-stream clients stay connected forever; closing must not wait for them.
    forceCloseConnections: true,
    // A URL that is not UTF-8, or a parameter too long for the router: our error shape too.
    frameworkErrors: errorReply,
    // Requests the HTTP parser refuses (bad request line or headers, headers too large): ours too.
    clientErrorHandler: clientErrorReply,
  });
  if (options.onRoute) app.addHook('onRoute', options.onRoute);
  const limits = components.limits ?? new RequestLimits(resolveApiLimits(options.limits));
  applyLimits(app, limits);
  registerLimitMetrics(components.metrics, limits);
  enforceContracts(app, { artifactBodyLimit });
  utf8JsonParser(app);
  app.setErrorHandler(errorReply);
  app.setNotFoundHandler((request, reply) =>
    errorReply(
      new IdlegridError('ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.slice(0, 200)}`),
      request,
      reply,
    ),
  );
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/metrics', async (_request, reply) =>
    reply.type(components.metrics.contentType).send(await components.metrics.metrics()),
  );
  openApiRoutes(app, { artifactBodyLimit });
  jobRoutes(app, { ...components, limits });
  artifactRoutes(app, components);
  if (components.feeds) feedRoutes(app, components.feeds);
  if (components.fl) flRoutes(app, components.fl);
  artifactGrantRoutes(app, {
    artifacts: components.artifacts,
    store: components.store,
    owners: components.owners,
    access: components.access,
    erasures: components.erasures,
    payments: components.payments?.ledger,
  });
  eventRoutes(app, { ...components, limits });
  if (components.registry)
    networkRoutes(app, {
      registry: components.registry,
      store: components.store,
      throughput: new ThroughputMeter(components.bus),
      ...(components.payments ? { payments: components.payments.ledger } : {}),
    });
  if (components.registry) integrityRoutes(app, { registry: components.registry, sybil: components.sybil });
  if (components.chain)
    ledgerRoutes(app, {
      chain: components.chain.context,
      coordinator: components.chain.coordinator,
      readsChain: components.chain.readsChain,
      store: components.store,
      ...(components.mesh ? { mesh: components.mesh } : {}),
      ...(components.registry ? { registry: components.registry } : {}),
      ...(components.payments ? { payments: components.payments.ledger } : {}),
    });
  if (components.chain?.readsChain) governanceRoutes(app, { chain: components.chain.context });
  if (components.inference && components.registry)
    openAiRoutes(app, { gateway: components.inference, registry: components.registry, limits });
  if (components.dashboardDir) dashboardRoutes(app, { dashboardDir: components.dashboardDir });
  if (components.payments)
    paymentRoutes(app, {
      forwarder: components.payments.forwarder,
      payments: components.payments.ledger,
      limits,
    });
  return app;
}
