import { toWireJson } from '@idlegrid/protocol';
import type { ChainContext } from '@idlegrid/sdk';
import type { FastifyInstance } from 'fastify';
import type { Address } from 'viem';
import { readLedger } from '../../chain/ledger-view.js';
import type { ProviderRegistry } from '../../coordinator/provider-registry.js';
import type { JobStore } from '../../jobs/api.js';
import type { CoordinatorMesh } from '../../mesh/coordinator-mesh.js';
import type { PaymentLedger } from '../../store/payment-ledger.js';

/** Clients of this many latest jobs are listed in the ledger besides the providers. */
const RECENT_JOBS = 500;

export interface LedgerRouteDeps {
  chain: ChainContext;
  /** The coordinator's own address: it signs assignments and, as verifier, slashes. */
  coordinator: Address;
  /** Whether the coordinator reads the chain; without it `/v1/ledger` is not served. */
  readsChain: boolean;
  registry?: ProviderRegistry;
  store: JobStore;
  /** The vouchers the coordinator forwarded, shown beside what was redeemed on-chain. */
  payments?: PaymentLedger;
  /** The mesh of coordinators this one belongs to. */
  mesh?: CoordinatorMesh;
}

/**
 * `/v1/network`: the chain and contracts the network settles on, public facts a browser
 * wallet needs to sign for it, and the mesh: the other coordinators (where clients and providers
 * fail over to) and the providers joined to them. `/v1/ledger`: what the chain holds for the
 * network's accounts.
 */
export function ledgerRoutes(app: FastifyInstance, deps: LedgerRouteDeps): void {
  const { network } = deps.chain;
  app.get('/v1/network', async (_request, reply) =>
    reply.type('application/json').send(
      toWireJson({
        chainId: network.chainId,
        token: network.token,
        coordinatorRegistry: network.coordinatorRegistry,
        staking: network.staking,
        paymentChannels: network.paymentChannels,
        coordinator: deps.coordinator,
        readsChain: deps.readsChain,
        mesh: {
          coordinators: deps.mesh?.coordinators() ?? [],
          punished: deps.mesh?.punishments() ?? [],
          providers: (deps.mesh?.providers() ?? []).map(({ offer, seenAt }) => ({
            address: offer.provider,
            region: offer.region,
            seenAt,
          })),
        },
      }),
    ),
  );
  if (!deps.readsChain) return;
  app.get('/v1/ledger', async (_request, reply) => {
    const known = new Set<Address>([deps.coordinator]);
    for (const entry of deps.registry?.list() ?? []) known.add(entry.address);
    for (const job of await deps.store.list({ limit: RECENT_JOBS })) known.add(job.client);
    const ledger = await readLedger(deps.chain, [...known], (await deps.payments?.all()) ?? []);
    return reply.type('application/json').send(toWireJson({ ledger }));
  });
}
