import {
  canonicalJson,
  IdlegridError,
  type NetworkDomain,
  type SignedMessage,
  toWireJson,
  verifySignedMessage,
} from '@idlegrid/protocol';
import { type Hex, isAddressEqual, keccak256, toBytes } from 'viem';
import { decodeUpdate } from '../bundle-weights.js';
import { updateHash } from '../provider-trainer.js';
import { l2Norm, type Update } from '../vector-math.js';
import { flTrainAnswerSchema } from '../wire.js';

/** An update taken into a round. */
export interface CheckedUpdate {
  provider: string;
  update: Update;
  /** As claimed, capped at the record count the provider's offer lists for the dataset. */
  examples: number;
  loss: number | null;
  receipt: SignedMessage<'FlUpdate'>;
}

/**
 * Evidence that a provider broke a run's rules: its signed receipt of an update whose norm is
 * above the clip the client's signed run set. Anyone can check it from these bytes alone.
 */
export interface FlUpdateEvidence {
  kind: 'fl-update-above-clip';
  run: unknown;
  receipt: unknown;
  update: string;
  norm: number;
  clipNorm: number;
}

export function flEvidenceBytes(evidence: FlUpdateEvidence): Uint8Array {
  return toBytes(canonicalJson(JSON.parse(toWireJson(evidence)) as unknown));
}

export function flEvidenceHash(evidence: FlUpdateEvidence): Hex {
  return keccak256(flEvidenceBytes(evidence));
}

/** Rounding room for a clipped float32 vector's norm. */
const CLIP_TOLERANCE = 1e-3;

/**
 * Checks a provider's answer to a round: its update has the model's length, its receipt is the
 * provider's own signature over that update for this run and round, and its norm is within the
 * clip. FL_UPDATE_INVALID otherwise; for a norm above the clip, `details.evidence` convicts it.
 */
export async function checkUpdate(
  domain: NetworkDomain,
  args: {
    run: { signed: unknown; runId: string; clipNorm: number };
    round: number;
    provider: string;
    answer: unknown;
    length: number;
    maxExamples: number;
  },
): Promise<CheckedUpdate> {
  const parsed = flTrainAnswerSchema.safeParse(args.answer);
  if (!parsed.success) throw invalid('the answer is not { update, signed, loss }');
  const update = decodeUpdate(parsed.data.update, args.length);
  if (update.some((value) => !Number.isFinite(value)))
    throw invalid('the update holds a value that is not finite');
  const { message } = await verifySignedMessage(domain, parsed.data.signed, { kind: 'FlUpdate' });
  if (!isAddressEqual(message.provider, args.provider as Hex))
    throw invalid(`the receipt is signed by ${message.provider}, not by the provider asked`);
  if (message.runId.toLowerCase() !== args.run.runId.toLowerCase() || message.round !== args.round)
    throw invalid('the receipt is for another run or round');
  if (message.updateHash !== updateHash(update))
    throw invalid('the receipt is for other bytes than the update');
  const norm = l2Norm(update);
  if (norm > args.run.clipNorm * (1 + CLIP_TOLERANCE)) {
    const evidence: FlUpdateEvidence = {
      kind: 'fl-update-above-clip',
      run: args.run.signed,
      receipt: parsed.data.signed,
      update: parsed.data.update,
      norm,
      clipNorm: args.run.clipNorm,
    };
    throw new IdlegridError('FL_UPDATE_INVALID', `the update's norm ${norm.toFixed(3)} is above the clip`, {
      details: { norm, clipNorm: args.run.clipNorm, evidence },
    });
  }
  return {
    provider: args.provider,
    update,
    examples: Math.min(message.examples, args.maxExamples),
    loss: parsed.data.loss,
    receipt: parsed.data.signed as unknown as SignedMessage<'FlUpdate'>,
  };
}

function invalid(why: string): IdlegridError {
  return new IdlegridError('FL_UPDATE_INVALID', why);
}
