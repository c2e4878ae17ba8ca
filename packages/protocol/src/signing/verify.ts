import { type Address, type Hex, isAddressEqual } from 'viem';
import type { NetworkDomain } from '../eip712/domain.js';
import { type FlatTypedData, typedDataDigest } from '../eip712/typed-data-hash.js';
import { AUTHOR_FIELD, type MessageKind } from '../eip712/types.js';
import { IdlegridError } from '../errors/idlegrid-error.js';
import { isMessageKind, parseMessage } from '../messages/parse.js';
import type { MessageOf } from '../messages/schemas.js';
import type { ReplayGuard } from './replay-guard.js';
import { recoverDigestSigner } from './secp256k1.js';
import { type SignedMessage, typedDataOf } from './sign.js';

/** Messages may not live longer than this unless the caller allows it: bounds replay memory. */
export const DEFAULT_MAX_LIFETIME_SECONDS = 24 * 60 * 60;

export interface VerifyOptions<K extends MessageKind> {
  /** Only accept this kind. */
  kind?: K;
  /** Clock in unix seconds; defaults to the system clock. */
  nowSeconds?: bigint;
  maxLifetimeSeconds?: number;
  /** Records nonces; without it the caller is responsible for replay protection. */
  replayGuard?: ReplayGuard;
  /** Accepts a signer other than the author, e.g. a session key the client authorized. */
  acceptDelegate?: (signer: Address, message: MessageOf<K>) => boolean | Promise<boolean>;
}

export interface VerifiedMessage<K extends MessageKind = MessageKind> extends SignedMessage<K> {
  signer: Address;
  author: Address;
}

export function authorOf<K extends MessageKind>(kind: K, message: MessageOf<K>): Address {
  return (message as Record<string, unknown>)[AUTHOR_FIELD[kind]] as Address;
}

/**
 * Verifies an untrusted signed message: shape, lifetime, signature, author, replay.
 * The replay check runs last so that invalid messages cannot burn honest nonces.
 */
export async function verifySignedMessage<K extends MessageKind = MessageKind>(
  domain: NetworkDomain,
  input: unknown,
  options: VerifyOptions<K> = {},
): Promise<VerifiedMessage<K>> {
  const envelope = parseEnvelope(input);
  if (options.kind !== undefined && envelope.kind !== options.kind) {
    throw new IdlegridError('MESSAGE_INVALID', `expected a ${options.kind}, got a ${envelope.kind}`);
  }
  const kind = envelope.kind as K;
  const message = parseMessage(kind, envelope.message);
  const now = options.nowSeconds ?? BigInt(Math.floor(Date.now() / 1000));
  checkLifetime(kind, message, now, options.maxLifetimeSeconds ?? DEFAULT_MAX_LIFETIME_SECONDS);

  let signer: Address;
  try {
    // viem's generic typed-data inference cannot follow a kind chosen at run time.
    const digest = typedDataDigest(typedDataOf(domain, kind, message) as FlatTypedData);
    signer = recoverDigestSigner(digest, envelope.signature);
  } catch (cause) {
    throw new IdlegridError('SIGNATURE_INVALID', `${kind} signature is malformed`, { cause });
  }
  const author = authorOf(kind, message);
  if (!isAddressEqual(signer, author) && !(await options.acceptDelegate?.(signer, message))) {
    throw new IdlegridError(
      'SIGNER_MISMATCH',
      `${kind} is signed by ${signer}, not by its author ${author}`,
      {
        details: { kind, signer, author },
      },
    );
  }
  options.replayGuard?.accept(kind, author, message.nonce, message.expiry, now);
  return { kind, message, signature: envelope.signature, signer, author };
}

function parseEnvelope(input: unknown): { kind: MessageKind; message: unknown; signature: Hex } {
  if (typeof input !== 'object' || input === null) {
    throw new IdlegridError('MESSAGE_INVALID', 'a signed message must be an object');
  }
  const { kind, message, signature } = input as Record<string, unknown>;
  if (!isMessageKind(kind))
    throw new IdlegridError('MESSAGE_UNKNOWN_KIND', `unknown message kind: ${String(kind)}`);
  if (typeof signature !== 'string' || !/^0x[0-9a-fA-F]{130}$/.test(signature)) {
    throw new IdlegridError('SIGNATURE_INVALID', `${kind} signature must be 65 bytes of hex`);
  }
  return { kind, message, signature: signature as Hex };
}

function checkLifetime(
  kind: MessageKind,
  message: { expiry: bigint },
  now: bigint,
  maxLifetime: number,
): void {
  if (message.expiry < now) {
    throw new IdlegridError('MESSAGE_EXPIRED', `${kind} expired at ${message.expiry} (now ${now})`, {
      details: { kind, expiry: message.expiry.toString(), now: now.toString() },
    });
  }
  if (message.expiry > now + BigInt(maxLifetime)) {
    throw new IdlegridError('MESSAGE_EXPIRY_TOO_FAR', `${kind} expiry is more than ${maxLifetime} s ahead`, {
      details: { kind, expiry: message.expiry.toString(), maxLifetimeSeconds: maxLifetime },
    });
  }
}
