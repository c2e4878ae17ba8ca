import type { MessageKind } from '@idlegrid/protocol';

/** Gossip topic of signed `Offer`s: providers announce capacity and prices. */
export const OFFERS_TOPIC = 'idlegrid/offers/1';
/** Gossip topic of signed `Heartbeat`s: providers report liveness and load. */
export const HEARTBEATS_TOPIC = 'idlegrid/heartbeats/1';

/** Gossip topic of signed `CoordinatorAnnounce`s: the coordinators of the mesh, and where they are. */
export const COORDINATORS_TOPIC = 'idlegrid/coordinators/1';

/** Gossip topic of signed `PunishmentNotice`s: providers a coordinator slashed, for all to avoid. */
export const PUNISHMENTS_TOPIC = 'idlegrid/punishments/1';

/** The one message kind each topic carries; anything else on it is dropped. */
export const GOSSIP_TOPICS = {
  [OFFERS_TOPIC]: 'Offer',
  [HEARTBEATS_TOPIC]: 'Heartbeat',
  [COORDINATORS_TOPIC]: 'CoordinatorAnnounce',
  [PUNISHMENTS_TOPIC]: 'PunishmentNotice',
} as const satisfies Record<string, MessageKind>;

/** The libp2p protocol id of a named idlegrid stream protocol. */
export function protocolId(name: string): string {
  return `/idlegrid/${name}/1`;
}
