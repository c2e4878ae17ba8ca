import type { PeerScoreParams, TopicScoreParams } from '@libp2p/gossipsub/score';
import { GOSSIP_TOPICS } from './topics.js';

/**
 * Gossipsub peer scoring for idlegrid's topics, where every message is signed by its author and
 * checked before it is delivered or forwarded. An honest peer checks before it forwards too, so
 * it never sends an invalid one: a single invalid message (a forgery, or an honest author's
 * message altered on the way) costs its sender more than the graylist threshold (-80), and
 * what it sends is ignored until the penalty decays (halved every decay interval).
 * Low traffic is no fault here (a coordinator announces itself every few seconds): the mesh
 * delivery penalties gossipsub applies by default are off.
 * Loopback peers are exempt from the same-IP penalty: they are this machine's own nodes (a
 * localnet, tests), which would otherwise be graylisted past ten.
 */
export function gossipScoreParams(): Partial<PeerScoreParams> {
  const topic: Partial<TopicScoreParams> = {
    topicWeight: 1,
    timeInMeshWeight: 0.01,
    timeInMeshQuantum: 1_000,
    timeInMeshCap: 100,
    firstMessageDeliveriesWeight: 1,
    firstMessageDeliveriesDecay: 0.5,
    firstMessageDeliveriesCap: 10,
    meshMessageDeliveriesWeight: 0,
    meshFailurePenaltyWeight: 0,
    invalidMessageDeliveriesWeight: -100,
    invalidMessageDeliveriesDecay: 0.5,
  };
  return {
    topics: Object.fromEntries(Object.keys(GOSSIP_TOPICS).map((name) => [name, topic as TopicScoreParams])),
    IPColocationFactorWhitelist: new Set(['127.0.0.1', '::1']),
  };
}
