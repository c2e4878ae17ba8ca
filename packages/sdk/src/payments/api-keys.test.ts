import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { apiKeyAccount, formatApiKey, parseApiKey } from './api-keys.js';

describe('API keys', () => {
  it('carry the client and the session key, and parse back', () => {
    const client = privateKeyToAddress(generatePrivateKey());
    const sessionKey = generatePrivateKey();
    const text = formatApiKey({ client, sessionKey });
    expect(text).toMatch(/^sk-idg-[0-9a-f]{104}$/);
    expect(parseApiKey(text)).toEqual({ client, sessionKey });
    expect(apiKeyAccount(parseApiKey(text)).address).toBe(privateKeyToAddress(sessionKey));
  });

  it('refuses anything else with API_KEY_INVALID', () => {
    for (const text of ['', 'sk-proj-abc', `sk-idg-${'0'.repeat(103)}`, `sk-idg-${'g'.repeat(104)}`]) {
      expect(() => parseApiKey(text)).toThrow(expect.objectContaining({ code: 'API_KEY_INVALID' }));
    }
    // well-formed, but the session key is 0 or beyond the curve order: no private key
    for (const session of ['0'.repeat(64), 'f'.repeat(64)]) {
      const text = `sk-idg-${'ab'.repeat(20)}${session}`;
      expect(() => parseApiKey(text)).toThrow(expect.objectContaining({ code: 'API_KEY_INVALID' }));
    }
  });
});
