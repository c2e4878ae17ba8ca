import { formatAmount, IdlegridError, isIdlegridError, parseAmount } from '@idlegrid/protocol';
import {
  type ChainContext,
  chat,
  getBalances,
  getJob,
  type Job,
  type JobsContext,
  listModels,
  payForJob,
  readText,
  runWasmJob,
} from '@idlegrid/sdk';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Address } from 'viem';
import { z } from 'zod';
import type { SpendingLedger } from './spending-policy.js';

/** What the agent's tools act with: its wallet (a session key of its client's channel), the network, its policy. */
export interface AgentContext {
  coordinatorUrl: string;
  /** Signs as the client, with the session key: jobs and vouchers it signs count against the key's on-chain cap. */
  jobs: JobsContext;
  chain: ChainContext;
  /** The same session key, as an API key of the OpenAI-compatible API (chat). */
  apiKey: string;
  client: Address;
  ledger: SpendingLedger;
}

const grid = z.string().regex(/^\d+(\.\d{1,18})?$/, 'an amount of GRID, like 0.5');

type ToolResult = { content: { type: 'text'; text: string }[]; isError?: boolean };

/** A tool's answer as JSON text; an idlegrid error as an error result with its code, for the agent to read. */
async function answer(run: () => Promise<unknown>): Promise<ToolResult> {
  try {
    const value = await run();
    const text = JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v), 2);
    return { content: [{ type: 'text', text }] };
  } catch (error) {
    const code = isIdlegridError(error) ? error.code : 'INTERNAL';
    const message = error instanceof Error ? error.message : String(error);
    return { isError: true, content: [{ type: 'text', text: `${code}: ${message}` }] };
  }
}

const fromBase64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));
const decoded = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Pays an accepted job by voucher (signed with the session key); returns what it cost. */
async function pay(agent: AgentContext, job: Job): Promise<bigint> {
  if (job.state !== 'accepted') return 0n;
  await payForJob(agent.jobs, job);
  return BigInt(job.price ?? '0');
}

/**
 * Runs a paying call under the policy: authorized at its most before anything is signed, then
 * settled at what it cost (nothing when it failed before paying).
 */
async function spending<T>(
  agent: AgentContext,
  most: bigint,
  use: { runtime: string; model?: string },
  run: () => Promise<{ value: T; cost: bigint }>,
): Promise<T> {
  await agent.ledger.authorize(most, use);
  let cost = 0n;
  try {
    const { value, cost: spent } = await run();
    cost = spent;
    return value;
  } finally {
    await agent.ledger.settle(most, cost);
  }
}

/** The network's offers: the cheapest online price per CPU-second, and how many providers are online. */
async function cheapestCpuSecond(agent: AgentContext): Promise<{ price: bigint; providers: number }> {
  const answer = (await agent.jobs.coordinator.getJson('/v1/providers')) as {
    providers: { online: boolean; offer: { pricePerCpuSecond: string } }[];
  };
  const online = answer.providers.filter((p) => p.online);
  if (online.length === 0) throw new IdlegridError('JOB_UNMATCHED', 'no provider is online');
  // Prices are bigints: Math.min does not take them.
  const [price] = online
    .map((p) => BigInt(p.offer.pricePerCpuSecond))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { price: price!, providers: online.length };
}

/** The tools of an agent's MCP server: paying ones check the spending policy before anything is signed. */
export function registerAgentTools(server: McpServer, agent: AgentContext): void {
  server.registerTool(
    'balance',
    {
      description:
        "The agent's wallet: the client's unspent deposit, tokens, and what the agent spent today against its caps",
      inputSchema: {},
    },
    () =>
      answer(async () => {
        const balances = await getBalances(agent.chain, agent.client);
        const { policy } = agent.ledger;
        return {
          client: agent.client,
          deposit: `${formatAmount(balances.deposit)} GRID`,
          tokens: `${formatAmount(balances.tokens)} GRID`,
          spentToday: `${formatAmount(await agent.ledger.spentToday())} GRID`,
          perCallCap: `${formatAmount(policy.perCall)} GRID`,
          perDayCap: `${formatAmount(policy.perDay)} GRID`,
        };
      }),
  );

  server.registerTool(
    'list_models',
    {
      description: 'The models online providers serve: name, runtime, providers, price per 1k tokens',
      inputSchema: {},
    },
    () => answer(() => listModels(agent.jobs)),
  );

  server.registerTool(
    'estimate_price',
    {
      description:
        'What a job would cost at the cheapest online provider: a WASM job of N CPU-seconds, or N tokens of a model',
      inputSchema: {
        seconds: z.number().positive().optional().describe('CPU-seconds of a WASM job'),
        model: z.string().optional().describe('a model, priced per 1k tokens'),
        tokens: z.number().int().positive().optional().describe('tokens, prompt and completion together'),
      },
    },
    ({ seconds, model, tokens }) =>
      answer(async () => {
        if (model !== undefined) {
          const listed = (await listModels(agent.jobs)).find((m) => m.id === model);
          if (!listed?.price_per_1k_tokens)
            throw new IdlegridError('MODEL_NOT_FOUND', `no provider serves ${model}`);
          const perThousand = parseAmount(listed.price_per_1k_tokens, 'price');
          return {
            model,
            tokens: tokens ?? 1000,
            price: `${formatAmount((perThousand * BigInt(tokens ?? 1000)) / 1000n)} GRID`,
          };
        }
        const { price, providers } = await cheapestCpuSecond(agent);
        const millis = BigInt(Math.ceil((seconds ?? 1) * 1000));
        return { seconds: seconds ?? 1, providers, price: `${formatAmount((price * millis) / 1000n)} GRID` };
      }),
  );

  server.registerTool(
    'run_wasm_job',
    {
      description:
        'Runs a WASI module on the network, waits for its checked result, pays for it, and returns its output',
      inputSchema: {
        module_base64: z.string().optional().describe('the wasm32-wasi module, base64'),
        module_cid: z.string().optional().describe('or the CID of one already uploaded'),
        args: z.array(z.string()).default([]),
        stdin_base64: z.string().optional(),
        max_price: grid.default('1').describe('most to pay, in GRID'),
        deadline_seconds: z.number().int().positive().max(3_600).default(120),
      },
    },
    (input) =>
      answer(async () => {
        const module = input.module_cid ?? (input.module_base64 && fromBase64(input.module_base64));
        if (!module) throw new IdlegridError('INVALID_ARGUMENT', 'give module_base64 or module_cid');
        const maxPrice = parseAmount(input.max_price, 'max_price');
        return spending(agent, maxPrice, { runtime: 'wasm' }, async () => {
          const { job, result } = await runWasmJob(
            agent.jobs,
            {
              module,
              args: input.args,
              ...(input.stdin_base64 === undefined ? {} : { stdin: fromBase64(input.stdin_base64) }),
              maxPrice,
              deadlineSeconds: input.deadline_seconds,
              memoryMb: 64,
              cpuCores: 1,
            },
            { timeoutMs: (input.deadline_seconds + 60) * 1000 },
          );
          const paid = await pay(agent, job);
          const value = {
            job_id: job.id,
            state: job.state,
            exit_code: result?.exitCode ?? null,
            stdout: result ? decoded(result.stdout) : null,
            stderr: result ? decoded(result.stderr) : null,
            paid: `${formatAmount(paid)} GRID`,
            ...(job.error ? { error: job.error } : {}),
          };
          return { value, cost: paid };
        });
      }),
  );

  server.registerTool(
    'chat',
    {
      description:
        "A chat completion from a model the network serves, paid per token from the agent's wallet",
      inputSchema: {
        model: z.string(),
        messages: z
          .array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() }))
          .min(1),
        max_tokens: z.number().int().positive().max(4_096).default(256),
      },
    },
    ({ model, messages, max_tokens }) =>
      answer(async () => {
        const listed = (await listModels(agent.jobs)).find((m) => m.id === model && m.runtime === 'llm');
        if (!listed?.price_per_1k_tokens)
          throw new IdlegridError('MODEL_NOT_FOUND', `no provider serves ${model}`);
        const perThousand = parseAmount(listed.price_per_1k_tokens, 'price');
        // At most, as the coordinator budgets a request: a token per byte of the prompt, 16 per
        // message and 16 more, and every token of the completion.
        const promptTokens = messages.reduce((sum, m) => sum + Buffer.byteLength(m.content) + 16, 0) + 16;
        const most = (perThousand * BigInt(promptTokens + max_tokens) + 999n) / 1000n;
        return spending(agent, most, { runtime: 'llm', model }, async () => {
          const reply = await chat({
            coordinatorUrl: agent.coordinatorUrl,
            apiKey: agent.apiKey,
            model,
            messages,
            maxTokens: max_tokens,
          });
          const tokens = BigInt(reply.usage?.total_tokens ?? promptTokens + max_tokens);
          const cost = (perThousand * tokens + 999n) / 1000n;
          const value = {
            text: reply.text,
            finish_reason: reply.finishReason,
            usage: reply.usage,
            cost: `${formatAmount(cost)} GRID`,
          };
          return { value, cost };
        });
      }),
  );

  server.registerTool(
    'ocr',
    {
      description:
        "Reads the text in PNG or JPEG images (PP-OCRv4 on a provider), paid from the agent's wallet",
      inputSchema: {
        images_base64: z.array(z.string()).min(1).max(16),
        max_price: grid.default('1').describe('most to pay, in GRID'),
      },
    },
    ({ images_base64, max_price }) =>
      answer(async () => {
        const maxPrice = parseAmount(max_price, 'max_price');
        return spending(agent, maxPrice, { runtime: 'onnx' }, async () => {
          const { job, pages } = await readText(agent.jobs, images_base64.map(fromBase64), { maxPrice });
          const paid = await pay(agent, job);
          return {
            value: {
              job_id: job.id,
              pages: pages.map((page) => page.text),
              paid: `${formatAmount(paid)} GRID`,
            },
            cost: paid,
          };
        });
      }),
  );

  server.registerTool(
    'job_status',
    {
      description: 'A job of the network: its state, provider, price and error',
      inputSchema: { job_id: z.string() },
    },
    ({ job_id }) =>
      answer(async () => {
        const job = await getJob(agent.jobs, job_id);
        return { id: job.id, state: job.state, provider: job.provider, price: job.price, error: job.error };
      }),
  );
}
