import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EquippedApi, equippedApi } from '../testing.js';

let api: EquippedApi;
beforeAll(async () => {
  api = await equippedApi();
});
afterAll(() => api.close());

const wellFormedKey = `sk-idg-${'ab'.repeat(20)}${'cd'.repeat(32)}`;
const chat = (
  headers: Record<string, string>,
  payload: unknown = { model: 'nope', messages: [{ role: 'user', content: 'hi' }] },
) => api.app.inject({ method: 'POST', url: '/v1/chat/completions', payload: payload as object, headers });

describe('OpenAI-compatible routes', () => {
  it('checks the API key before the model or the request', async () => {
    api.grant = { cap: 0n, spent: 0n, expiry: 0n };
    for (const headers of [
      {},
      { authorization: 'Bearer sk-proj-x' },
      { authorization: `Bearer ${wellFormedKey}` },
    ]) {
      const answer = await chat(headers);
      expect([answer.statusCode, answer.json().error.code, answer.json().error.type]).toEqual([
        401,
        'API_KEY_INVALID',
        'authentication_error',
      ]);
    }
    // Even a malformed request tells an unknown caller only that its key is not valid.
    expect((await chat({ authorization: `Bearer ${wellFormedKey}` }, { model: 1 })).statusCode).toBe(401);
  });

  it('looks the model up once the key is live', async () => {
    api.grant = { cap: 10n ** 18n, spent: 0n, expiry: BigInt(Math.floor(Date.now() / 1000) + 3600) };
    const answer = await chat({ authorization: `Bearer ${wellFormedKey}` });
    expect([answer.statusCode, answer.json().error.code]).toEqual([404, 'MODEL_NOT_FOUND']);
  });

  it("answers fastify's errors in OpenAI's shape with our codes", async () => {
    const utf16 = await api.app.inject({
      method: 'POST',
      url: '/v1/embeddings',
      payload: Buffer.from('{}', 'utf16le'),
      headers: {
        'content-type': 'application/json; charset=utf-16',
        authorization: `Bearer ${wellFormedKey}`,
      },
    });
    expect([utf16.statusCode, utf16.json().error.code, utf16.json().error.param]).toEqual([
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      null,
    ]);
    const big = await api.app.inject({
      method: 'POST',
      url: '/v1/completions',
      payload: JSON.stringify({ model: 'm', prompt: 'x'.repeat(5 * 2 ** 20) }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${wellFormedKey}` },
    });
    expect([big.statusCode, big.json().error.code]).toEqual([413, 'BODY_TOO_LARGE']);
  });
});
