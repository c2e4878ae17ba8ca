import { multiaddr } from '@multiformats/multiaddr';
import type { CoordinatorMesh, MeshProvider } from '../mesh/coordinator-mesh.js';
import type { P2PHost } from '../p2p/host.js';
import { parsePeerId } from '../p2p/identity.js';
import type { ProviderRegistry } from './provider-registry.js';
import type { StakeLookup } from './stake-lookup.js';

export interface MeshProviderDeps {
  mesh: CoordinatorMesh;
  registry: ProviderRegistry;
  host: Pick<P2PHost, 'libp2p'>;
  stakeOf?: StakeLookup;
}

/**
 * Makes the providers joined to other coordinators of the mesh candidates for this
 * coordinator's jobs: each relayed offer enters the registry with the coordinator it came
 * through (`via`), the peer store learns the relayed addresses that reach the provider, and
 * the relayed heartbeats keep it online. A provider joined here is never replaced by its
 * relayed copy. Returns the unsubscribe function.
 */
export function adoptMeshProviders(deps: MeshProviderDeps): () => void {
  const adopt = async (provider: MeshProvider) => {
    const routes = deps.mesh.routesTo(provider);
    if (!provider.via || routes.length === 0) return;
    const stake = await deps.stakeOf?.(provider.offer.provider);
    const entry = deps.registry.upsertOffer(provider.peer, provider.offer, Date.now(), stake, provider.via);
    if (!entry) return;
    await deps.host.libp2p.peerStore.merge(parsePeerId(provider.peer), {
      multiaddrs: routes.map((route) => multiaddr(route)),
    });
  };
  const offers = deps.mesh.onProvider((provider) => void adopt(provider).catch(() => {}));
  const beats = deps.mesh.onHeartbeat((heartbeat) => {
    deps.registry.recordHeartbeat(heartbeat, Date.now(), true);
    // Its offer came before the coordinator it came through was heard of (no route then): try
    // again at each heartbeat rather than wait minutes for the next offer.
    if (deps.registry.get(heartbeat.provider)) return;
    const known = deps.mesh.providers().find((p) => p.offer.provider === heartbeat.provider);
    if (known) void adopt(known).catch(() => {});
  });
  return () => {
    offers();
    beats();
  };
}
