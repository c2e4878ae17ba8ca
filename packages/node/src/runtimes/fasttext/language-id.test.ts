import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunOptions } from '../api.js';
import { failure } from '../testing.js';
import type { ClassifyAnswer, ClassifyRequestInput } from './api.js';
import { fastTextPaths } from './fasttext-loader.js';
import { createLanguageIdTask, type LanguageIdTask } from './language-id.js';
import { LANGUAGE_ID_MODEL_NAME, languageIdModelCid, languageIdModelPath } from './language-id-model.js';

const SENTENCES: Record<string, string> = {
  en: 'The weather is lovely today, so we are going for a walk in the park.',
  fr: "Il fait très beau aujourd'hui, alors nous allons nous promener dans le parc.",
  de: 'Das Wetter ist heute herrlich, deshalb gehen wir im Park spazieren.',
  ja: '今日はとても良い天気なので、公園を散歩します。',
  ru: 'Сегодня прекрасная погода, поэтому мы идём гулять в парк.',
};

let task: LanguageIdTask;

beforeAll(async () => {
  task = await createLanguageIdTask();
});

afterAll(async () => {
  await task?.dispose();
});

const classify = (request: Omit<ClassifyRequestInput, 'kind'>, options?: RunOptions) =>
  task.answer({ kind: 'classify', ...request }, options);
const stdin = (request: unknown) => new TextEncoder().encode(JSON.stringify(request));

describe('language identification (fastText lid.176)', () => {
  it('identifies English, French, German, Japanese and Russian', async () => {
    const languages = Object.keys(SENTENCES);
    const { kind, predictions } = await classify({ texts: Object.values(SENTENCES) });
    expect(kind).toBe('classify');
    expect(predictions).toHaveLength(languages.length);
    predictions.forEach((labels, i) => {
      expect(labels).toHaveLength(1);
      expect(labels[0]!.label).toBe(languages[i]);
      expect(labels[0]!.probability).toBeGreaterThan(0.5);
      expect(labels[0]!.probability).toBeLessThanOrEqual(1);
    });
  });

  it('gives k labels per text, most probable first', async () => {
    const { predictions } = await classify({ texts: [SENTENCES.fr!, SENTENCES.de!], k: 3 });
    for (const labels of predictions) {
      expect(labels).toHaveLength(3);
      expect(new Set(labels.map((l) => l.label)).size).toBe(3);
      const probabilities = labels.map((l) => l.probability);
      expect(probabilities).toEqual([...probabilities].sort((a, b) => b - a));
      for (const { label } of labels) expect(label).toMatch(/^[a-z]{2,3}$/);
    }
    expect(predictions[0]![0]!.label).toBe('fr');
  });

  it('leaves out labels under the threshold', async () => {
    const { predictions } = await classify({ texts: [SENTENCES.en!], k: 10, threshold: 0.5 });
    expect(predictions[0]!.map((l) => l.label)).toEqual(['en']);
  });

  it('reads a text over several lines as a whole, not only its first line', async () => {
    const text = `Hi\n${SENTENCES.de}\r\n${SENTENCES.de}\n`;
    const { predictions } = await classify({ texts: [text] });
    expect(predictions[0]![0]!.label).toBe('de');
    // The same words on one line give the same answer.
    const { predictions: oneLine } = await classify({ texts: [text.replace(/\r?\n/g, ' ')] });
    expect(predictions[0]![0]!.probability).toBeCloseTo(oneLine[0]![0]!.probability, 6);
  });

  it('gives a text without words no labels', async () => {
    const { predictions } = await classify({ texts: ['', '  \n\t ', SENTENCES.ru!], k: 2 });
    expect(predictions[0]).toEqual([]);
    expect(predictions[1]).toEqual([]);
    expect(predictions[2]![0]!.label).toBe('ru');
  });

  it('answers a JSON request on stdin with a JSON answer on stdout', async () => {
    const result = await task.run({ stdin: stdin({ kind: 'classify', texts: [SENTENCES.ja], k: 2 }) });
    expect(result.exitCode).toBe(0);
    expect(result.stdoutTruncated).toBe(false);
    const answer = JSON.parse(new TextDecoder().decode(result.stdout)) as ClassifyAnswer;
    expect(answer.kind).toBe('classify');
    expect(answer.predictions[0]).toHaveLength(2);
    expect(answer.predictions[0]![0]!.label).toBe('ja');
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('rejects bad requests with a code', async () => {
    const bad: unknown[] = [
      { kind: 'classify', texts: [] },
      { kind: 'classify', texts: ['x'.repeat(100_001)] },
      { kind: 'classify', texts: Array.from({ length: 1025 }, () => 'a') },
      { kind: 'classify', texts: ['hello'], k: 0 },
      { kind: 'classify', texts: ['hello'], k: 11 },
      { kind: 'classify', texts: ['hello'], k: 1.5 },
      { kind: 'classify', texts: ['hello'], threshold: 1.5 },
      { kind: 'classify', texts: [42] },
      { kind: 'classify', texts: ['hello'], extra: true },
      { kind: 'translate', texts: ['hello'] },
      { texts: ['hello'] },
    ];
    for (const request of bad) {
      expect(await failure(task.run({ stdin: stdin(request) }))).toMatchObject({
        code: 'FASTTEXT_REQUEST_INVALID',
      });
    }
    expect(await failure(task.run({}))).toMatchObject({ code: 'FASTTEXT_REQUEST_INVALID' });
    expect(await failure(task.run({ stdin: new TextEncoder().encode('{not json') }))).toMatchObject({
      code: 'FASTTEXT_REQUEST_INVALID',
      message: 'the fasttext request is not JSON',
    });
    expect(await failure(classify({ texts: ['hello'], k: 20 }))).toMatchObject({
      code: 'FASTTEXT_REQUEST_INVALID',
    });
  });

  it('refuses to start once the signal has aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const options = { signal: controller.signal };
    expect(await failure(classify({ texts: ['hello'] }, options))).toMatchObject({ code: 'ABORTED' });
    const request = { stdin: stdin({ kind: 'classify', texts: ['hello'] }) };
    expect(await failure(task.run(request, options))).toMatchObject({ code: 'ABORTED' });
    expect(await failure(createLanguageIdTask(options))).toMatchObject({ code: 'ABORTED' });
  });

  it('stops a run at its wall-time limit and when its signal aborts midway', async () => {
    // About 200 ms of work: the run yields every 10 ms, and checks its deadline and signal then.
    const texts = Array.from({ length: 400 }, (_, i) => `${i} ${SENTENCES.en!.repeat(40)}`);
    expect(await failure(classify({ texts }, { limits: { wallTimeMs: 20 } }))).toMatchObject({
      code: 'FASTTEXT_TIMEOUT',
      message: 'the fasttext run went past its 20 ms limit',
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 5);
    expect(await failure(classify({ texts }, { signal: controller.signal }))).toMatchObject({
      code: 'ABORTED',
      message: 'fasttext run aborted',
    });
    // The task is still good afterwards.
    const { predictions } = await classify({ texts: [SENTENCES.fr!] });
    expect(predictions[0]![0]!.label).toBe('fr');
  });

  it('fails an answer larger than the output limit rather than cutting it', async () => {
    const request = { stdin: stdin({ kind: 'classify', texts: [SENTENCES.en], k: 10 }) };
    expect(await failure(task.run(request, { limits: { outputBytes: 64 } }))).toMatchObject({
      code: 'FASTTEXT_OUTPUT_TOO_LARGE',
    });
  });

  it('loads with no network access: the wasm and the model come from the package', async () => {
    const fetch = vi.spyOn(globalThis, 'fetch').mockRejectedValue(new Error('no network in this test'));
    try {
      const other = await createLanguageIdTask();
      const { predictions } = await other.answer({ kind: 'classify', texts: [SENTENCES.en!] });
      expect(predictions[0]![0]!.label).toBe('en');
      await other.dispose();
      expect(fetch).not.toHaveBeenCalled();
    } finally {
      fetch.mockRestore();
    }
  });

  it('refuses runs once disposed', async () => {
    const other = await createLanguageIdTask();
    await other.dispose();
    await other.dispose();
    expect(await failure(other.answer({ kind: 'classify', texts: ['hello'] }))).toMatchObject({
      code: 'FASTTEXT_RUN_FAILED',
      message: 'the fasttext task was disposed',
    });
  });

  it('refuses a file that is not a fastText model', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'idlegrid-fasttext-'));
    try {
      const modelPath = join(dir, 'junk.ftz');
      await writeFile(modelPath, new Uint8Array(64).fill(7));
      expect(await failure(createLanguageIdTask({ modelPath }))).toMatchObject({
        code: 'FASTTEXT_MODEL_INVALID',
      });
      expect(await failure(createLanguageIdTask({ modelPath: join(dir, 'missing.ftz') }))).toMatchObject({
        code: 'FASTTEXT_MODEL_INVALID',
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the lid.176 model file', () => {
  it('is the one inside the fasttext.wasm.js package', () => {
    expect(LANGUAGE_ID_MODEL_NAME).toBe('lid.176');
    expect(task.model).toBe('lid.176');
    const path = languageIdModelPath();
    expect(path.startsWith(fastTextPaths().packageDir)).toBe(true);
    expect(path.endsWith('lid.176.ftz')).toBe(true);
  });

  it('has a CID that is stable across calls', async () => {
    const first = await languageIdModelCid();
    expect(first).toMatch(/^b[a-z2-7]+$/);
    expect(await languageIdModelCid()).toBe(first);
    expect(languageIdModelCid()).toBe(languageIdModelCid());
  });
});
