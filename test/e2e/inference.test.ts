import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ONE_TOKEN } from '@idlegrid/contracts';
import { PROVIDER_PRESETS } from '@idlegrid/node';
import {
  denseModel,
  denseReference,
  drawText,
  encodePng,
  SUCCESSOR_REPLY,
  writeSuccessorModel,
} from '@idlegrid/node/testing';
import { fetchResult, listModels, loadApiKey, payForJob, submitWasmJob, waitForJob } from '@idlegrid/sdk';
import OpenAI from 'openai';
import { parseUnits } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-harness.js';
import { killPid, paymentState, pidOf, startNet, type TestNet } from './localnet-harness.js';

/** The `idlegrid` fields every answer carries besides OpenAI's. */
interface NetworkRun {
  idlegrid: { job_id: string; provider: string; charge: string };
}

let net: TestNet;
let openai: OpenAI;
let apiKey: string;
const MODEL = 'successor';

/** What a provider charges for `tokens`, by its localnet preset: the price per 1k tokens, rounded up. */
function priceOf(provider: string, tokens: number): bigint {
  const index = net.providers.findIndex((p) => p.address === provider);
  const per1k = parseUnits(PROVIDER_PRESETS[index]!.price1kTokens, 18);
  return (BigInt(tokens) * per1k + 999n) / 1000n;
}

const paid = async (provider: string) =>
  BigInt((await paymentState(net.coordinatorUrl, net.ctx.signer.address, provider)).cumulativeAmount);

beforeAll(async () => {
  net = await startNet(2, [], async (dataDir) => {
    await writeSuccessorModel(join(dataDir, 'successor.gguf'));
    const added = await runCli([
      '--data-dir',
      dataDir,
      '--json',
      'model',
      'add',
      join(dataDir, 'successor.gguf'),
      '--name',
      MODEL,
    ]);
    expect(added.json).toMatchObject({ name: MODEL, runtime: 'llm' });
  });
  apiKey = await loadApiKey(net.dataDir, 'client');
  openai = new OpenAI({ apiKey, baseURL: `${net.coordinatorUrl}/v1`, maxRetries: 0, timeout: 60_000 });
}, 240_000);

afterAll(async () => {
  await net?.stop();
}, 60_000);

describe('the OpenAI-compatible API on a local network (the official openai client)', () => {
  it('lists the model both providers serve', async () => {
    const models = await openai.models.list();
    const model = models.data.find((m) => m.id === MODEL) as
      | (OpenAI.Model & { providers: number; runtime: string })
      | undefined;
    expect(model).toMatchObject({ object: 'model', runtime: 'llm', providers: 2 });
  });

  it("answers a chat completion and pays the provider by voucher exactly the metered tokens' price", async () => {
    const before = await Promise.all(net.providers.map((p) => paid(p.address)));
    const completion = await openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Recite the alphabet.' }],
    });
    const run = (completion as unknown as NetworkRun).idlegrid;
    expect(completion.choices[0]?.message.content).toBe(SUCCESSOR_REPLY);
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage?.completion_tokens).toBe(26);
    const expected = priceOf(run.provider, completion.usage!.total_tokens);
    expect(BigInt(run.charge)).toBe(expected);
    const after = await Promise.all(net.providers.map((p) => paid(p.address)));
    for (const [i, provider] of net.providers.entries()) {
      expect(after[i]! - before[i]!).toBe(provider.address === run.provider ? expected : 0n);
    }
  });

  it('streams a chat completion chunk by chunk, with usage at the end', async () => {
    const stream = await openai.chat.completions.create({
      model: MODEL,
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Go.' },
      ],
      stream: true,
      stream_options: { include_usage: true },
    });
    const pieces: string[] = [];
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        if (choice.delta.content) pieces.push(choice.delta.content);
        finish = choice.finish_reason ?? finish;
      }
      usage = chunk.usage ?? usage;
    }
    expect(pieces.join('')).toBe(SUCCESSOR_REPLY);
    expect(pieces.length).toBeGreaterThan(1);
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBe(26);
  });

  it("chats from the CLI with the client's API key file", async () => {
    const answer = await runCli([
      '--data-dir',
      net.dataDir,
      '--json',
      'chat',
      '--model',
      MODEL,
      '--message',
      'Hi!',
    ]);
    expect(answer.code, answer.stderr).toBe(0);
    expect(answer.json).toMatchObject({
      text: SUCCESSOR_REPLY,
      finishReason: 'stop',
      usage: { completion_tokens: 26 },
    });
    const listed = await runCli(['--data-dir', net.dataDir, '--json', 'model', 'list']);
    expect(listed.json).toMatchObject([{ name: MODEL, runtime: 'llm' }]);
  });

  it('completes text and embeds it', async () => {
    const completion = await openai.completions.create({ model: MODEL, prompt: 'uvw', max_tokens: 8 });
    expect(completion.choices[0]?.text).toBe('xyz');
    const embeddings = await openai.embeddings.create({ model: MODEL, input: ['abc', 'abd'] });
    expect(embeddings.data).toHaveLength(2);
    expect(embeddings.data[0]?.embedding).toHaveLength(384);
    expect(embeddings.data[0]?.embedding).not.toEqual(embeddings.data[1]?.embedding);
    expect(embeddings.usage.prompt_tokens).toBeGreaterThan(0);
  });

  it('reports errors in OpenAI form with stable codes: unknown model, bad key, malformed request, spent cap', async () => {
    const failure = (promise: Promise<unknown>) =>
      promise.then(
        () => {
          throw new Error('expected an error');
        },
        (error: unknown) => error as InstanceType<typeof OpenAI.APIError>,
      );
    const unknown = await failure(
      openai.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect(unknown).toMatchObject({ status: 404, code: 'MODEL_NOT_FOUND', type: 'not_found_error' });

    const stranger = new OpenAI({
      apiKey: 'sk-proj-not-ours',
      baseURL: `${net.coordinatorUrl}/v1`,
      maxRetries: 0,
    });
    const badKey = await failure(
      stranger.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(badKey).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(badKey).toMatchObject({ status: 401, code: 'API_KEY_INVALID' });

    const malformed = await failure(
      openai.chat.completions.create({
        model: MODEL,
        messages: [{ role: 'wizard', content: 'hi' }],
      } as never),
    );
    expect(malformed).toBeInstanceOf(OpenAI.BadRequestError);
    expect(malformed).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT', param: 'messages.0.role' });

    const tiny = await runCli([
      '--data-dir',
      net.dataDir,
      '--json',
      'apikey',
      'create',
      '--as',
      'tiny-api',
      '--cap',
      '0.000001',
    ]);
    expect(tiny.code).toBe(0);
    const capped = new OpenAI({
      apiKey: tiny.json.apiKey,
      baseURL: `${net.coordinatorUrl}/v1`,
      maxRetries: 0,
    });
    const overCap = await failure(
      capped.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(overCap).toMatchObject({
      status: 402,
      code: 'SESSION_KEY_CAP_EXCEEDED',
      type: 'insufficient_quota',
    });
    expect(BigInt(tiny.json.cap)).toBe(ONE_TOKEN / 1_000_000n);
  });

  it('retries on another provider when the chosen one dies before its first token, and pays only the one that answered', async () => {
    const first = (await openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Who answers?' }],
    })) as unknown as NetworkRun;
    const chosen = first.idlegrid.provider;
    const victim = net.providers.find((p) => p.address === chosen)!;
    const other = net.providers.find((p) => p.address !== chosen)!;
    const paidBefore = await Promise.all([paid(victim.address), paid(other.address)]);
    // Frozen, the provider keeps its connection open but never answers: it is lost before its first token.
    const pid = await pidOf(net.dataDir, `--name ${victim.name}`);
    process.kill(pid, 'SIGSTOP');
    try {
      const stream = await openai.chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: 'Anyone there?' }],
        stream: true,
      });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      expect(text).toBe(SUCCESSOR_REPLY);
    } finally {
      killPid(pid, 'SIGKILL');
    }
    expect(await paid(victim.address)).toBe(paidBefore[0]);
    expect(await paid(other.address)).toBeGreaterThan(paidBefore[1]!);
  });
});

describe('ONNX models and OCR on the same network (the CLI)', () => {
  it('reads the text of generated images with the built-in PP-OCRv4 models, and pays for it', async () => {
    const models = await openai.models.list();
    // Every provider serves the built-in OCR models (one was killed above: its lease may not have run out yet).
    const ocr = models.data.find((m) => m.id === 'pp-ocrv4') as unknown as {
      runtime: string;
      providers: number;
    };
    expect(ocr.runtime).toBe('onnx');
    expect(ocr.providers).toBeGreaterThanOrEqual(1);
    const first = join(net.dataDir, 'hello.png');
    const second = join(net.dataDir, 'digits.png');
    await writeFile(first, encodePng(drawText(['HELLO  WORLD'])));
    await writeFile(second, encodePng(drawText(['IDLEGRID  42'])));
    const read = await runCli(['--data-dir', net.dataDir, '--json', 'ocr', first, second]);
    expect(read.code, read.stderr).toBe(0);
    expect(read.json.pages.map((page: { text: string }) => page.text)).toEqual([
      'HELLO WORLD',
      'IDLEGRID 42',
    ]);
    expect(read.json.job.state).toBe('settled');
  });

  it('identifies languages with the built-in fastText model (the SDK)', async () => {
    const model = (await listModels(net.ctx)).find((m) => m.id === 'lid.176');
    expect(model?.runtime).toBe('fasttext');
    const texts = [
      'The network pays for every job.',
      'Le réseau paie chaque tâche.',
      'Das Netz bezahlt jede Aufgabe.',
    ];
    const submitted = await submitWasmJob(net.ctx, {
      runtime: 'fasttext',
      module: model!.cid,
      stdin: new TextEncoder().encode(JSON.stringify({ kind: 'classify', texts, k: 2 })),
      maxPrice: 10n ** 18n,
      deadlineSeconds: 120,
      memoryMb: 64,
      cpuCores: 1,
    });
    const job = await waitForJob(net.ctx, submitted.id, { timeoutMs: 120_000 });
    expect(job.state).toBe('accepted');
    const { predictions } = JSON.parse(
      new TextDecoder().decode((await fetchResult(net.ctx, job)).stdout),
    ) as {
      predictions: { label: string; probability: number }[][];
    };
    expect(predictions.map((labels) => labels[0]!.label)).toEqual(['en', 'fr', 'de']);
    expect(
      predictions.every((labels) => labels.length === 2 && labels[0]!.probability >= labels[1]!.probability),
    ).toBe(true);
    expect((await payForJob(net.ctx, job)).job.state).toBe('settled');
  });

  it('runs an ONNX model the client ships with its job', async () => {
    await writeFile(join(net.dataDir, 'dense.onnx'), denseModel());
    const x = [[1, 2, 3]];
    const request = { kind: 'tensors', inputs: { X: { type: 'float32', dims: [1, 3], data: x.flat() } } };
    await writeFile(join(net.dataDir, 'request.json'), JSON.stringify(request));
    const ran = await runCli([
      '--data-dir',
      net.dataDir,
      '--json',
      'job',
      'run',
      '--onnx',
      join(net.dataDir, 'dense.onnx'),
      '--input',
      join(net.dataDir, 'request.json'),
    ]);
    expect(ran.code, ran.stderr).toBe(0);
    const answer = JSON.parse(ran.json.result.stdout) as { outputs: Record<string, { data: number[] }> };
    const [output] = Object.values(answer.outputs);
    const expected = denseReference(x).flat();
    expect(output!.data).toHaveLength(expected.length);
    for (const [i, value] of output!.data.entries()) expect(value).toBeCloseTo(expected[i]!, 5);
  });
});
