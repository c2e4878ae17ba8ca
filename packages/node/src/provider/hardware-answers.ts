import { IdlegridError, type NetworkDomain, signMessage } from '@idlegrid/protocol';
import type { LocalAccount } from 'viem';
import { answerHash } from '../integrity/hardware/cpu-challenge.js';
import { runLanes } from '../integrity/hardware/cpu-lanes.js';
import type { GpuChallengeRunner } from '../integrity/hardware/gpu-runner.js';
import {
  HARDWARE_CHALLENGE,
  type HardwareReply,
  hardwareChallengeSchema,
} from '../integrity/hardware/wire.js';
import type { MessageChannel, RemotePeer } from '../p2p/api.js';

export interface HardwareAnswerDeps {
  channel: MessageChannel;
  account: LocalAccount;
  domain: NetworkDomain;
  nextNonce: () => bigint;
  /** Only the coordinator this provider joined may challenge it (a challenge costs a lane per core). */
  trusted: (from: RemotePeer) => boolean;
  /** Runs GPU challenges: present when the provider claims GPUs. */
  gpu?: GpuChallengeRunner | undefined;
  onAnswered?: (challengeId: string, ms: number) => void;
}

/**
 * The provider's side of proof of hardware: it runs a CPU challenge's lanes, one thread each, or
 * a GPU challenge's products on its cards, and signs its answer. Nothing here can make it pass
 * faster than its hardware allows.
 */
export function answerHardwareChallenges(deps: HardwareAnswerDeps): void {
  deps.channel.handle(HARDWARE_CHALLENGE, async ({ from, body }): Promise<HardwareReply> => {
    if (!deps.trusted(from))
      throw new IdlegridError('MESSAGE_INVALID', 'challenges come from our coordinator only');
    const parsed = hardwareChallengeSchema.safeParse(body);
    if (!parsed.success) throw new IdlegridError('MESSAGE_INVALID', 'expected { challenge }');
    const { challenge } = parsed.data;
    const started = performance.now();
    let answer: HardwareReply['answer'];
    if (challenge.kind === 'cpu') {
      answer = { digests: await runLanes(challenge.seed, challenge.lanes, challenge) };
    } else if (deps.gpu) {
      answer = await deps.gpu.answer(challenge);
    } else {
      throw new IdlegridError('MESSAGE_INVALID', 'this provider claims no GPU');
    }
    const signed = await signMessage(deps.account, deps.domain, 'HardwareAnswer', {
      provider: deps.account.address,
      challengeId: challenge.challengeId as `0x${string}`,
      answerHash: answerHash(challenge.challengeId, answer),
      nonce: deps.nextNonce(),
      expiry: BigInt(Math.floor(Date.now() / 1000) + 3_600),
    });
    deps.onAnswered?.(challenge.challengeId, performance.now() - started);
    return { answer, signed };
  });
}
