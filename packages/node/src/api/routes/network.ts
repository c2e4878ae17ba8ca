import { IdlegridError, toWireJson } from '@idlegrid/protocol';
import type { FastifyInstance } from 'fastify';
import { type Address, getAddress, isAddress } from 'viem';
import type { ProviderEntry, ProviderRegistry } from '../../coordinator/provider-registry.js';
import type { JobStore } from '../../jobs/api.js';
import { JOB_STATES } from '../../jobs/job-states.js';
import { peerIdToAddress } from '../../p2p/identity.js';
import type { PaymentLedger } from '../../store/payment-ledger.js';
import type { ThroughputMeter } from '../throughput-meter.js';

export interface NetworkRouteDeps {
  registry: ProviderRegistry;
  store: JobStore;
  throughput: ThroughputMeter;
  /** With the voucher ledger, providers show their earnings and stats the tokens paid. */
  payments?: PaymentLedger;
}

export function networkRoutes(app: FastifyInstance, deps: NetworkRouteDeps): void {
  const { registry } = deps;
  const paidByProvider = async () => (deps.payments ? await deps.payments.paidByProvider() : new Map());
  const view = (entry: ProviderEntry, now: number, paid: Map<Address, bigint>) => ({
    address: entry.address,
    online: registry.isOnline(entry.address, now),
    offer: entry.offer,
    lastSeen: entry.lastSeen,
    heartbeat: entry.heartbeat,
    activeJobs: registry.activeJobs(entry.address),
    reputation: registry.reputation.score(entry.address),
    // Suspected of collusion or wash trading (docs/integrity.md): placement sees reputation x (1 - suspicion).
    suspicion: registry.collusion.suspicion(entry.address),
    suspendedUntil: registry.scheduler.suspendedUntil(entry.address),
    jobsCompleted: entry.jobsCompleted,
    jobsFailed: entry.jobsFailed,
    stake: entry.stake ?? null,
    rttMs: entry.rttMs ?? null,
    /** The coordinator it is joined to, when another one of the mesh (jobs reach it through that one's relay). */
    joinedVia: entry.via ? peerIdToAddress(entry.via) : null,
    earned: paid.get(entry.address) ?? 0n,
    /** Its drop-out risk, against its usual level, and why (predictive maintenance). */
    risk: registry.scheduler.failures.riskOf(entry.address),
    /** Its hardware claims, each `unverified`, `verified` (with when) or `failed`, by proof-of-hardware challenges. */
    claims: registry.claims.of(entry.address).map(({ recent, ...claim }) => ({
      ...claim,
      last: recent.at(-1) ? { ...recent.at(-1)!, answer: undefined } : null,
    })),
  });

  app.get('/v1/providers', async (_request, reply) => {
    const now = Date.now();
    const paid = await paidByProvider();
    const providers = registry.list().map((entry) => view(entry, now, paid));
    return reply.type('application/json').send(toWireJson({ providers }));
  });

  app.get<{ Params: { address: string } }>('/v1/providers/:address', async (request, reply) => {
    const { address } = request.params;
    if (!isAddress(address)) throw new IdlegridError('INVALID_ARGUMENT', `${address} is not an address`);
    const entry = registry.get(getAddress(address));
    if (!entry)
      throw new IdlegridError('PROVIDER_NOT_FOUND', `no provider ${address} has made an offer here`);
    const provider = {
      ...view(entry, Date.now(), await paidByProvider()),
      telemetry: registry.telemetry(entry.address),
    };
    return reply.type('application/json').send(toWireJson({ provider }));
  });

  app.get('/v1/stats', async (_request, reply) => {
    const now = Date.now();
    const counts = await deps.store.countByState();
    const jobs = Object.fromEntries(JOB_STATES.map((state) => [state, counts[state] ?? 0]));
    const providers = registry.list();
    let tokensPaid = 0n;
    for (const amount of (await paidByProvider()).values()) tokensPaid += amount;
    return reply.type('application/json').send(
      toWireJson({
        providers: {
          known: providers.length,
          online: providers.filter((p) => registry.isOnline(p.address, now)).length,
        },
        jobs,
        jobsPerSecond: deps.throughput.rate(now),
        /** Jobs accepted in each of the last 300 seconds, oldest first. */
        acceptedPerSecond: deps.throughput.series(now),
        tokensPaid,
      }),
    );
  });
}
