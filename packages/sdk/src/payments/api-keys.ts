import { IdlegridError, localAccount } from '@idlegrid/protocol';
import { type Address, getAddress, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts';
import type { SignerContext } from '../network/connect.js';
import { authorizeSessionKey } from './session-keys.js';

const PREFIX = 'sk-idg-';
const KEY_PATTERN = /^sk-idg-([0-9a-f]{40})([0-9a-f]{64})$/;
/** The secp256k1 group order: a private key is a number in 1..n-1. */
const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** An API key of the OpenAI-compatible API: a session key of `client`'s payment channel. */
export interface ApiKey {
  /** Whose deposit pays. */
  client: Address;
  /** The session key's private key: it signs the jobs and vouchers of the requests it makes. */
  sessionKey: Hex;
}

/**
 * `sk-idg-` + the client's address + the session key (hex, no 0x). Whoever holds it can spend,
 * through any coordinator, at most the cap the client granted on-chain, until it expires or is
 * revoked: the contract refuses a session key's vouchers beyond that.
 */
export function formatApiKey(key: ApiKey): string {
  return `${PREFIX}${key.client.slice(2).toLowerCase()}${key.sessionKey.slice(2).toLowerCase()}`;
}

export function parseApiKey(text: string): ApiKey {
  const match = KEY_PATTERN.exec(text.trim().toLowerCase());
  if (!match) {
    throw new IdlegridError('API_KEY_INVALID', `an API key is ${PREFIX} followed by 104 hex digits`);
  }
  const sessionKey = BigInt(`0x${match[2]}`);
  if (sessionKey === 0n || sessionKey >= CURVE_ORDER) {
    throw new IdlegridError('API_KEY_INVALID', 'the session key of this API key is not a valid private key');
  }
  return { client: getAddress(`0x${match[1]}`), sessionKey: `0x${match[2]}` };
}

/** The session key's account (its address is what the chain knows it by). */
export function apiKeyAccount(key: ApiKey) {
  return localAccount(key.sessionKey);
}

export interface CreateApiKeyOptions {
  /** Most the key may ever spend, token base units. */
  cap: bigint;
  /** Unix seconds. */
  expiry: bigint;
  /** The session key to authorize; a new random one by default. */
  sessionKey?: Hex;
}

/** Authorizes a session key on-chain for the signer's channel and returns it as an API key. */
export async function createApiKey(
  ctx: SignerContext,
  options: CreateApiKeyOptions,
): Promise<{ apiKey: string; sessionAddress: Address; transactionHash: Hex }> {
  const sessionKey = options.sessionKey ?? generatePrivateKey();
  const sessionAddress = privateKeyToAddress(sessionKey);
  const sent = await authorizeSessionKey(ctx, sessionAddress, options.cap, options.expiry);
  return {
    apiKey: formatApiKey({ client: ctx.wallet.account.address, sessionKey }),
    sessionAddress,
    transactionHash: sent.hash,
  };
}
