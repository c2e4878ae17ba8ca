import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SUCCESSOR_REPLY, writeSuccessorModel } from '@idlegrid/node/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli, startCli } from './cli-harness.js';
import { paymentState, startNet, type TestNet } from './localnet-harness.js';

const MODEL = 'successor';
const PRIMES = fileURLToPath(new URL('../../packages/node/examples/wasm/build/primes.wasm', import.meta.url));

let net: TestNet;
let client: Client;

/** Calls a tool with the official MCP client: its JSON answer, or its error text. */
async function call(name: string, args: Record<string, unknown> = {}) {
  const result = (await client.callTool({ name, arguments: args })) as {
    content: { type: string; text: string }[];
    isError?: boolean;
  };
  const text = result.content[0]?.text ?? '';
  return result.isError ? { error: text } : (JSON.parse(text) as Record<string, unknown>);
}

beforeAll(async () => {
  net = await startNet(1, [], async (dataDir) => {
    await writeSuccessorModel(join(dataDir, 'successor.gguf'));
    await runCli(['--data-dir', dataDir, 'model', 'add', join(dataDir, 'successor.gguf'), '--name', MODEL]);
  });
  // The agent spends through the client's API key (a capped session key): 0.2 GRID a call, and a day.
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [
      BIN,
      '--data-dir',
      net.dataDir,
      'mcp',
      '--max-per-call',
      '0.2',
      '--max-per-day',
      '0.2',
      '--runtimes',
      'wasm,llm',
    ],
    // Not tied to this process by its stdin (IDLEGRID_EXIT_WITH_PARENT): stdin is the protocol here.
    env: process.env as Record<string, string>,
    stderr: 'pipe',
  });
  client = new Client({ name: 'idlegrid-test-agent', version: '1.0.0' });
  await client.connect(transport);
}, 240_000);

afterAll(async () => {
  await client?.close();
  await net?.stop();
}, 60_000);

describe('an AI agent through `idlegrid mcp` (the official MCP client, over stdio)', () => {
  it('lists the tools, checks its balance, runs a paid WASM job and a chat, and is refused past its caps', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(
      ['balance', 'chat', 'estimate_price', 'job_status', 'list_models', 'ocr', 'run_wasm_job'].sort(),
    );
    expect(await call('balance')).toMatchObject({
      client: net.ctx.signer.address,
      spentToday: '0 GRID',
      perCallCap: '0.2 GRID',
    });
    const estimate = await call('estimate_price', { seconds: 2 });
    expect(estimate).toMatchObject({ providers: 1, price: expect.stringMatching(/ GRID$/) });

    // A paid WASM job: its checked output, and a voucher signed by the session key pays the provider.
    const provider = net.providers[0]!.address;
    const before = BigInt(
      (await paymentState(net.coordinatorUrl, net.ctx.signer.address, provider)).cumulativeAmount,
    );
    const job = await call('run_wasm_job', {
      module_base64: (await readFile(PRIMES)).toString('base64'),
      args: ['1000'],
      max_price: '0.2',
    });
    expect(job).toMatchObject({ state: 'accepted', exit_code: 0 });
    expect(String(job.stdout).trim()).toBe('168');
    const after = BigInt(
      (await paymentState(net.coordinatorUrl, net.ctx.signer.address, provider)).cumulativeAmount,
    );
    expect(after).toBeGreaterThan(before);
    expect(await call('job_status', { job_id: job.job_id })).toMatchObject({ state: 'settled', provider });

    const models = (await call('list_models')) as unknown as { id: string }[];
    expect(models.map((m) => m.id)).toContain(MODEL);
    const reply = await call('chat', {
      model: MODEL,
      messages: [{ role: 'user', content: 'Recite.' }],
      max_tokens: 32,
    });
    expect(reply).toMatchObject({ text: SUCCESSOR_REPLY });

    // Past its caps, and outside its runtimes: refused before anything is signed.
    expect(await call('run_wasm_job', { module_base64: 'AA==', max_price: '0.5' })).toEqual({
      error: expect.stringMatching(/^SPENDING_REFUSED: .*more than 0.2 GRID a call/),
    });
    expect(await call('run_wasm_job', { module_base64: 'AA==', max_price: '0.2' })).toEqual({
      error: expect.stringMatching(/^SPENDING_REFUSED: .*over 0.2 GRID a day/),
    });
    expect(await call('ocr', { images_base64: ['AA=='], max_price: '0.01' })).toEqual({
      error: expect.stringMatching(
        /^SPENDING_REFUSED: runtime onnx is not allowed|^SPENDING_REFUSED: .*runtime onnx/,
      ),
    });
    const spent = (await call('balance')).spentToday as string;
    expect(spent).not.toBe('0 GRID');
  }, 180_000);

  it('serves the same tools over streamable HTTP', async () => {
    const server = await startCli(['--data-dir', net.dataDir, '--json', 'mcp', '--http', '0']);
    const overHttp = new Client({ name: 'idlegrid-test-agent-http', version: '1.0.0' });
    try {
      await overHttp.connect(
        new StreamableHTTPClientTransport(new URL((server.first as { url: string }).url)),
      );
      expect((await overHttp.listTools()).tools).toHaveLength(7);
      const balance = (await overHttp.callTool({ name: 'balance', arguments: {} })) as {
        content: { text: string }[];
      };
      expect(JSON.parse(balance.content[0]!.text)).toMatchObject({ client: net.ctx.signer.address });
    } finally {
      await overHttp.close();
      server.child.kill('SIGINT');
      await server.exited;
    }
  }, 60_000);
});
