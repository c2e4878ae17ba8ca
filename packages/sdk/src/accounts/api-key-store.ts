import type { SignerContext } from '../network/connect.js';
import { type CreateApiKeyOptions, createApiKey, formatApiKey } from '../payments/api-keys.js';
import { loadPrivateKey } from './key-files.js';
import { createKey, loadKey } from './keystore.js';

/** The key file of a client's default API key: `DATA_DIR/keys/<client>-api.key`. */
export function apiKeyName(clientName: string): string {
  return `${clientName}-api`;
}

/**
 * The API key whose session key is the key file `keyName`, for the client of key file `clientName`.
 * The session key is kept like any key (mode 0600); the API key is derived from it when needed.
 */
export async function loadApiKey(
  dataDir: string,
  clientName: string,
  keyName = apiKeyName(clientName),
): Promise<string> {
  const client = await loadKey(dataDir, clientName);
  return formatApiKey({ client: client.address, sessionKey: await loadPrivateKey(dataDir, keyName) });
}

/** Creates the session key file `keyName`, authorizes it for the signer's channel, and returns the API key. */
export async function createStoredApiKey(
  ctx: SignerContext,
  dataDir: string,
  keyName: string,
  options: Omit<CreateApiKeyOptions, 'sessionKey'>,
) {
  await createKey(dataDir, keyName);
  return createApiKey(ctx, { ...options, sessionKey: await loadPrivateKey(dataDir, keyName) });
}
