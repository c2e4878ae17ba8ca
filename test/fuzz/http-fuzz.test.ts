import { connect } from 'node:net';
import { ERROR_CODES } from '@idlegrid/protocol';
import { loadApiKey, randomJobId } from '@idlegrid/sdk';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, pidOf, startNet, type TestNet } from '../e2e/localnet-harness.js';
import { fuzzCount, fuzzParameters, fuzzTimeout } from './fuzz-budget.js';
import { badPercentEncoding, hostileString, percentEncode } from './hostile-values.js';
import {
  type FuzzRequest,
  type OpenApiDocument,
  type Operation,
  operationsOf,
  requestOf,
} from './http-operations.js';
import { MiB, settledMemory } from './process-memory.js';
import { type RawRequest, type RawResponse, rawRequest } from './raw-http.js';
import { type ErrorShape, replyProblem } from './reply-checks.js';
import { corruption, mustBeRefused, spoiledCancelOrVoucher, spoiledJobSpec } from './signed-messages.js';

// Property-based fuzzing of the coordinator's HTTP API, driven by its own OpenAPI document,
// against a real local network (chain, coordinator, one provider as processes). Budget and
// replay: see fuzz-budget.ts (FUZZ_RUNS, FUZZ_SECONDS, FUZZ_SEED).

let net: TestNet;
let url: string;
let document: OpenApiDocument;
let operations: Operation[];
let apiKey: string;
let coordinatorPid: number;

beforeAll(async () => {
  net = await startNet(1);
  url = net.coordinatorUrl;
  document = (await (await fetch(new URL('/v1/openapi.json', url))).json()) as OpenApiDocument;
  operations = operationsOf(document);
  apiKey = await loadApiKey(net.dataDir, 'client');
  coordinatorPid = await pidOf(net.dataDir, 'coordinator start');
}, 240_000);

afterAll(() => net?.stop(), 60_000);

/** Sends a request and fails with what was sent when the answer breaks the API's promises. */
async function send(request: RawRequest, shape: ErrorShape): Promise<RawResponse> {
  const response = await rawRequest(url, request);
  const problem = replyProblem(response, shape, String(request.method));
  if (problem) {
    const target = String(request.target).slice(0, 300);
    const body =
      request.body === undefined ? '' : ` body ${Buffer.from(request.body).toString('utf8').slice(0, 300)}`;
    throw new Error(`${request.method} ${target}${body}: ${problem}`);
  }
  return response;
}

const shapeOf = (request: FuzzRequest): ErrorShape => (request.operation.openAi ? 'openai' : 'idlegrid');

async function sendFuzzed(request: FuzzRequest): Promise<RawResponse> {
  const response = await send(request, shapeOf(request));
  if (request.wellFormed) {
    // A request the document calls valid is never refused for its form, size or media type.
    expect([413, 414, 415]).not.toContain(response.status);
  }
  if (response.status < 300) expect(request.operation.statuses).toContain(response.status);
  return response;
}

async function healthy(): Promise<void> {
  expect(isAlive(coordinatorPid)).toBe(true);
  const response = await fetch(new URL('/healthz', url));
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ ok: true });
}

/** Runs `tasks` with at most `width` in flight. */
async function pool<T>(
  items: readonly T[],
  width: number,
  task: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

const requestContext = () => ({ components: document.components.schemas, apiKey });

describe('every operation of the OpenAPI document', () => {
  it('covers the routes the coordinator serves', () => {
    expect(operations.length).toBeGreaterThanOrEqual(25);
    expect(operations.map((o) => o.operationId)).toEqual(
      expect.arrayContaining(['submitJob', 'streamEvents', 'putArtifact', 'payJob', 'createChatCompletion']),
    );
  });

  it(
    'answers well-formed and malformed requests without a 5xx, each error in the documented shape',
    async () => {
      for (const operation of operations) {
        await fc.assert(
          fc.asyncProperty(requestOf(operation, requestContext()), async (request) => {
            await sendFuzzed(request);
          }),
          fuzzParameters(40),
        );
      }
      await healthy();
    },
    fuzzTimeout(240_000),
  );
});

describe('signed messages, made valid by the protocol, then spoiled', () => {
  const parties = () => ({ domain: net.ctx.domain, signer: net.ctx.signer });

  it(
    'refuses every forged or corrupted JobSpec, alone, waiting for its stream, or in a batch',
    async () => {
      await fc.assert(
        fc.asyncProperty(corruption, fc.nat(), fc.boolean(), async (spoil, at, stream) => {
          const body = await spoiledJobSpec(parties(), spoil, at);
          const response = await send(
            {
              method: 'POST',
              target: '/v1/jobs',
              headers: [
                ['content-type', 'application/json'],
                ...(stream ? ([['accept', 'text/event-stream']] as [string, string][]) : []),
              ],
              body,
            },
            'idlegrid',
          );
          if (mustBeRefused(spoil)) expect(response.status, `${spoil} was taken`).toBeGreaterThanOrEqual(400);
        }),
        fuzzParameters(60),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(corruption, fc.nat()), { minLength: 1, maxLength: 8 }),
          async (spoils) => {
            const specs = await Promise.all(
              spoils.map(([spoil, at]) => spoiledJobSpec(parties(), spoil, at)),
            );
            const response = await send(
              {
                method: 'POST',
                target: '/v1/jobs/batch',
                headers: [['content-type', 'application/json']],
                body: `{"jobs":[${specs.join(',')}]}`,
              },
              'idlegrid',
            );
            expect(response.status).toBe(200);
            const { results } = JSON.parse(response.body.toString()) as {
              results: { job?: unknown; error?: { code: string } }[];
            };
            expect(results).toHaveLength(spoils.length);
            results.forEach((result, index) => {
              if (result.error) expect(ERROR_CODES).toContain(result.error.code);
              if (mustBeRefused(spoils[index]![0]))
                expect(result.error, `${spoils[index]![0]} was taken`).toBeDefined();
            });
          },
        ),
        fuzzParameters(15),
      );
    },
    fuzzTimeout(120_000),
  );

  it(
    'answers spoiled JobCancels and vouchers in the documented shape',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          corruption,
          fc.nat({ max: 1_000_000 }),
          fc.constantFrom('JobCancel', 'Voucher'),
          async (spoil, at, kind) => {
            const jobId = randomJobId();
            const body = await spoiledCancelOrVoucher(parties(), kind, jobId, spoil, at);
            const path = kind === 'JobCancel' ? 'cancel' : 'payment';
            const response = await send(
              {
                method: 'POST',
                target: `/v1/jobs/${jobId}/${path}`,
                headers: [['content-type', 'application/json']],
                body,
              },
              'idlegrid',
            );
            expect(response.status).toBeGreaterThanOrEqual(400); // no such job, whatever the signature
          },
        ),
        fuzzParameters(30),
      );
    },
    fuzzTimeout(60_000),
  );
});

/** Requests that are not what an HTTP client would send: raw request lines, targets, framing. */
const rawAbuse: fc.Arbitrary<RawRequest> = fc.oneof(
  fc
    .integer({ min: 2_000, max: 200_000 })
    .map((n) => ({ method: 'GET', target: `/v1/jobs/${'a'.repeat(n)}` })),
  fc.integer({ min: 100, max: 5_000 }).map((n) => ({ method: 'GET', target: `/v1${'/x'.repeat(n)}` })),
  fc
    .array(fc.oneof(badPercentEncoding, hostileString.map(percentEncode)), { minLength: 1, maxLength: 4 })
    .map((parts) => ({ method: 'GET', target: `/v1/${parts.join('/')}` })),
  badPercentEncoding.map((part) => ({ method: 'GET', target: `/v1/jobs?state=${part}&limit=${part}` })),
  hostileString.map((text) => ({ method: 'GET', target: Buffer.from(`/v1/providers/${text}`, 'utf8') })),
  fc.constantFrom<RawRequest>(
    { method: 'GET', target: '*' },
    { method: 'GET', target: 'http://evil.example/v1/jobs' },
    { method: 'GET', target: '//v1//jobs' },
    { method: 'GET', target: '/v1/jobs/../../healthz' },
    { method: 'GET', target: '/v1/jobs?limit=1&limit=2' },
    { method: 'GET', target: '/v1/jobs?limit=1e3' },
    { method: 'GET', target: '/v1/jobs?limit=0x10' },
    { method: 'GET', target: '/v1/jobs?__proto__[x]=1' },
    { method: 'DELETE', target: '/v1/jobs' },
    { method: 'OPTIONS', target: '/v1/jobs' },
    { method: 'TRACE', target: '/' },
    { method: 'PATCH', target: '/v1/artifacts' },
    { method: 'BREW', target: '/v1/jobs' },
    { method: 'HEAD', target: '/v1/events' },
    { method: 'HEAD', target: '/v1/events?results=inline' },
    { method: 'HEAD', target: '/v1/jobs' },
    { method: 'HEAD', target: '/healthz' },
    { method: 'HEAD', target: '/v1/artifacts/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy' },
    { method: 'GET', target: '/v1/jobs', headers: [['content-type', 'application/json']], body: '{' },
    { method: 'POST', target: '/v1/jobs', headers: [['content-type', 'application/json']], body: '' },
    { method: 'POST', target: '/v1/jobs', headers: [['content-type', 'application/json']] },
    {
      method: 'POST',
      target: '/v1/jobs',
      headers: [
        ['content-type', 'application/json'],
        ['transfer-encoding', 'chunked'],
      ],
      body: 'zz\r\n{}\r\n0\r\n\r\n',
      noContentLength: true,
    },
    {
      method: 'POST',
      target: '/v1/jobs',
      headers: [
        ['content-type', 'application/json'],
        ['transfer-encoding', 'chunked'],
      ],
      body: '5\r\n{"a":\r\n0\r\n\r\n',
      noContentLength: true,
    },
    {
      method: 'POST',
      target: '/v1/jobs',
      headers: [
        ['content-type', 'application/json'],
        ['content-length', '2'],
        ['content-length', '3'],
      ],
      body: '{}',
      noContentLength: true,
    },
    {
      method: 'POST',
      target: '/v1/jobs',
      headers: [
        ['content-type', 'application/json'],
        ['content-length', '-1'],
      ],
      body: '{}',
      noContentLength: true,
    },
    { method: 'GET', target: '/healthz', headers: [['x-huge', 'h'.repeat(40_000)]] },
    { method: 'GET', target: '/healthz', headers: [['bad header', 'x']] },
    { method: 'GET', target: '/healthz', headers: [['x-nul', Buffer.from([0x61, 0x00, 0x62])]] },
    { method: 'GET', target: Buffer.from([0x2f, 0x76, 0x31, 0x2f, 0xff, 0xfe]) },
    { method: 'GET', target: '/v1/events?client=%00' },
    { method: 'GET', target: `/v1/events?job=${randomJobId()}&states=bogus` },
    { method: 'GET', target: '/v1/artifacts/bafkreiaaaa', headers: [['range', 'bytes=9-1']] },
    { method: 'GET', target: '/v1/openapi.json', headers: [['accept', '\u202E']] },
  ),
);

describe('raw HTTP abuse', () => {
  it(
    'over-long paths, bad percent-encoding, odd methods and framing: a documented error or an answer',
    async () => {
      await fc.assert(
        fc.asyncProperty(rawAbuse, async (request) => {
          await send(request, 'idlegrid');
        }),
        fuzzParameters(150),
      );
      await healthy();
    },
    fuzzTimeout(120_000),
  );

  it(
    'survives floods of event streams opened and dropped, before and after their headers',
    async () => {
      const streams = [
        '/v1/events',
        '/v1/events?results=inline',
        `/v1/events?client=${net.ctx.signer.address}`,
        '/v1/events?states=accepted,failed',
      ];
      for (let round = 0; round < fuzzCount(3); round++) {
        // 200 streams at once, each dropped once its headers came
        const answers = await Promise.all(
          Array.from({ length: 200 }, (_, i) =>
            send({ method: 'GET', target: streams[i % streams.length]! }, 'idlegrid'),
          ),
        );
        expect(answers.every((answer) => answer.status === 200 && answer.streamed)).toBe(true);
        // 200 more dropped before any answer: the request is written and the socket destroyed at once
        await Promise.all(
          Array.from(
            { length: 200 },
            () =>
              new Promise<void>((resolve) => {
                const { hostname, port } = new URL(url);
                const socket = connect({ host: hostname, port: Number(port) }, () => {
                  socket.write(`GET ${streams[round % streams.length]} HTTP/1.1\r\nhost: x\r\n\r\n`);
                  socket.destroy();
                  resolve();
                });
                socket.on('error', () => resolve());
              }),
          ),
        );
        await healthy();
      }
    },
    fuzzTimeout(60_000),
  );
});

describe('the OpenAI-compatible routes', () => {
  const openAi = () => operations.filter((operation) => operation.openAi);

  it(
    'answers malformed OpenAI requests in OpenAI’s error shape, with and without a valid key',
    async () => {
      const chat = document.components.schemas.createChatCompletionBody!;
      expect(openAi().map((operation) => operation.path)).toEqual(
        expect.arrayContaining(['/v1/chat/completions', '/v1/completions', '/v1/embeddings', '/v1/models']),
      );
      const messages = fc.oneof(
        fc.constant([]),
        fc.array(
          fc.record({
            role: fc.oneof(fc.constantFrom('user', 'system', 'tool', 'function'), hostileString),
            content: fc.oneof(
              hostileString,
              fc.constant(null),
              fc.array(fc.record({ type: fc.constantFrom('text', 'image_url'), text: hostileString })),
            ),
          }),
          { maxLength: 3 },
        ),
      );
      const body = fc.record(
        {
          model: fc.oneof(fc.constantFrom('successor', 'gpt-4o', ''), hostileString),
          messages,
          stream: fc.oneof(fc.boolean(), fc.constant('yes')),
          max_tokens: fc.oneof(fc.integer(), fc.constant(2 ** 60)),
          temperature: fc.double(),
          n: fc.integer({ min: -1, max: 3 }),
          tools: fc.constantFrom([], [{ type: 'function', function: { name: 'x' } }]),
          response_format: fc.constantFrom(
            { type: 'json_schema' },
            { type: 'json_object' },
            { type: 'grammar' },
          ),
        },
        { requiredKeys: [] },
      );
      const headers = fc.constantFrom<[string, string][]>(
        [['authorization', `Bearer ${apiKey}`]],
        [
          ['authorization', `Bearer ${apiKey}`],
          ['x-idlegrid-verify', 'sample:2'],
        ],
        [],
        [['authorization', 'Bearer sk-idg-nope']],
      );
      expect(chat.required).toEqual(['model', 'messages']);
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('/v1/chat/completions', '/v1/completions', '/v1/embeddings'),
          body,
          headers,
          async (path, value, auth) => {
            const response = await send(
              {
                method: 'POST',
                target: path,
                headers: [['content-type', 'application/json'], ...auth],
                body: JSON.stringify(value),
              },
              'openai',
            );
            // no model is served on this network: nothing here can succeed
            expect(response.status).toBeGreaterThanOrEqual(400);
          },
        ),
        fuzzParameters(80),
      );
      await healthy();
    },
    fuzzTimeout(90_000),
  );
});

describe('memory of the coordinator process', () => {
  it(
    'stays bounded through a long burst of fuzzed requests and event-stream floods',
    async () => {
      const everything = fc.oneof(...operations.map((operation) => requestOf(operation, requestContext())));
      const burst = async (size: number) => {
        const requests = fc.sample(everything, size);
        await pool(requests, 16, (request) => sendFuzzed(request));
        await Promise.all(
          Array.from({ length: 200 }, () => send({ method: 'GET', target: '/v1/events' }, 'idlegrid')),
        );
      };
      await burst(300); // warm-up: caches, JIT, connection pools
      const before = await settledMemory(coordinatorPid, url);
      const started = Date.now();
      const rounds = fuzzCount(4);
      for (let round = 0; round < rounds; round++) await burst(500);
      const after = await settledMemory(coordinatorPid, url);
      const grown = {
        rss: (after.rss - before.rss) / MiB,
        heapUsed: (after.heapUsed - before.heapUsed) / MiB,
      };
      console.log(
        `coordinator memory after ${rounds * 500} requests and ${rounds * 200} streams in ${Date.now() - started} ms: ` +
          `RSS ${(before.rss / MiB).toFixed(0)} -> ${(after.rss / MiB).toFixed(0)} MiB, ` +
          `heap ${(before.heapUsed / MiB).toFixed(0)} -> ${(after.heapUsed / MiB).toFixed(0)} MiB`,
      );
      expect(grown.heapUsed).toBeLessThan(64);
      expect(grown.rss).toBeLessThan(160);
      await healthy();
    },
    fuzzTimeout(240_000),
  );
});
