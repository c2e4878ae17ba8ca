import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { networkDomain } from '@idlegrid/protocol';
import type { ChainContext, NetworkConfig } from '@idlegrid/sdk';
import type { FastifyInstance } from 'fastify';
import type { SessionGrant } from '../chain/session-keys.js';
import { InferenceGateway, type InferenceGatewayDeps } from '../coordinator/inference/inference-gateway.js';
import { SessionSpending } from '../coordinator/inference/session-spending.js';
import { JobEventBus } from '../coordinator/job-event-bus.js';
import { JobIntake } from '../coordinator/job-intake.js';
import type { PaymentForwarder } from '../coordinator/payment-forwarder.js';
import { ProviderRegistry } from '../coordinator/provider-registry.js';
import { FeedRewards } from '../feeds/feed-rewards.js';
import { FeedIngest } from '../feeds/ingest.js';
import { FlRunner } from '../fl/coordinator/fl-runner.js';
import type { MessageChannel } from '../p2p/api.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { ArtifactStore } from '../storage/artifact-store.js';
import { openCoordinatorStore } from '../store/open-store.js';
import type { PaymentLedger } from '../store/payment-ledger.js';
import type { RequestLimits } from './limits/request-limits.js';
import { createMetrics } from './metrics.js';
import { type ApiOptions, createApiServer } from './server.js';

const TEST_CONTRACT = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

/** A network no chain backs (nothing answers at its RPC URL): for coordinators with `chainChecks: false`. */
export const offChainNetwork: NetworkConfig = {
  rpcUrl: 'http://127.0.0.1:1',
  chainId: 31337,
  token: TEST_CONTRACT,
  staking: TEST_CONTRACT,
  coordinatorRegistry: TEST_CONTRACT,
  paymentChannels: TEST_CONTRACT,
  governor: TEST_CONTRACT,
  timelock: TEST_CONTRACT,
  deployBlock: '0',
  embedded: true,
};

export const testDomain = networkDomain(offChainNetwork.chainId, offChainNetwork.paymentChannels);
const address = (n: number) => `0x${n.toString(16).padStart(40, '0')}` as const;

export interface EquippedApi {
  app: FastifyInstance;
  dataDir: string;
  /** What the session-key grants lookup answers (all zero: never authorized). */
  grant: SessionGrant;
  close(): Promise<void>;
}

/**
 * A coordinator API with every optional part present (registry, payments, chain, dashboard,
 * inference): parts a test does not reach are stand-ins, the job store and intake are real.
 */
export async function equippedApi(
  options: ApiOptions = {},
  parts: { limits?: RequestLimits } = {},
): Promise<EquippedApi> {
  const dataDir = await mkdtemp(join(tmpdir(), 'idlegrid-api-'));
  const opened = await openCoordinatorStore({ dataDir });
  const store = opened.jobs;
  const bus = new JobEventBus();
  const intake = new JobIntake({ domain: testDomain, store, bus });
  const artifacts = new ArtifactStore(join(dataDir, 'artifacts'), 1024);
  const registry = new ProviderRegistry(30_000, {} as Scheduler);
  const api: EquippedApi = {
    app: undefined as unknown as FastifyInstance,
    dataDir,
    grant: { cap: 0n, spent: 0n, expiry: 0n },
    close: async () => {
      await api.app.close();
      await opened.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  const inference = new InferenceGateway({
    domain: testDomain,
    intake,
    store,
    bus,
    registry,
    artifacts,
    spending: new SessionSpending(async () => api.grant),
  } as Partial<InferenceGatewayDeps> as InferenceGatewayDeps);
  const network = {
    chainId: 31337,
    token: address(1),
    staking: address(2),
    paymentChannels: address(3),
    coordinatorRegistry: address(5),
  };
  api.app = createApiServer(
    {
      intake,
      store,
      artifacts,
      bus,
      metrics: createMetrics(bus),
      registry,
      payments: { forwarder: {} as PaymentForwarder, ledger: {} as PaymentLedger },
      chain: { context: { network } as unknown as ChainContext, coordinator: address(4), readsChain: true },
      dashboardDir: join(dataDir, 'dashboard'),
      inference,
      feeds: {
        ingest: new FeedIngest({ store: opened.feeds, domain: testDomain }),
        store: opened.feeds,
        scores: opened.readingScores,
        rewards: new FeedRewards({
          fundings: opened.feedFundings,
          devices: opened.feeds,
          ledger: opened.payments,
          domain: testDomain,
        }),
      },
      fl: new FlRunner({
        store: opened.flRuns,
        artifacts,
        registry,
        channel: {} as MessageChannel,
        domain: testDomain,
        now: Date.now,
      }),
      ...parts,
    },
    options,
  );
  return api;
}
