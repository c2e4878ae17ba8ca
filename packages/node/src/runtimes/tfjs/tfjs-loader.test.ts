import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { saveBundle } from './model-bundle.js';
import { denseModel } from './testing/tiny-models.js';
import { createTfjsExecutor } from './tfjs-executor.js';
import { loadTfjs, packagedWasmFiles, type WasmFiles } from './tfjs-loader.js';

// The backend is per process, and Vitest runs each test file in a process of its own: this file
// starts TF.js with broken wasm binaries, the executor's tests with the packaged ones.
let dir: string | undefined;

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('tfjs loader', () => {
  it('finds the wasm binaries in the installed package', () => {
    const files = packagedWasmFiles();
    expect(Object.keys(files)).toHaveLength(3);
    for (const path of Object.values(files))
      expect(path).toMatch(/@tensorflow\/tfjs-backend-wasm\/dist\/tfjs-backend-wasm[-a-z]*\.wasm$/);
  });

  it('falls back to the cpu backend when wasm cannot start, says why, and computes the same', async () => {
    dir = await mkdtemp(join(tmpdir(), 'idlegrid-tfjs-loader-'));
    const broken = join(dir, 'broken.wasm');
    await writeFile(broken, 'not wasm');
    const wasmFiles = Object.fromEntries(
      Object.keys(packagedWasmFiles()).map((name) => [name, broken]),
    ) as WasmFiles;
    const runtime = await loadTfjs({ wasmFiles });
    expect(runtime.backend).toBe('cpu');
    expect(runtime.wasmError).toMatch(/wasm backend failed to start: .*CompileError.*magic word/);
    expect(runtime.tf.getBackend()).toBe('cpu');
    // Later callers get the same runtime, whatever their options.
    expect(await loadTfjs()).toBe(runtime);

    const executor = createTfjsExecutor();
    expect(await executor.backend()).toBe('cpu');
    const model = denseModel(runtime.tf);
    await writeFile(join(dir, 'dense.json'), await saveBundle(model));
    model.dispose();
    const task = await executor.prepare(join(dir, 'dense.json'));
    expect(task.backend).toBe('cpu');
    const result = await task.run({
      stdin: new TextEncoder().encode(
        JSON.stringify({ kind: 'predict', inputs: { dims: [1, 3], data: [1, 1, 1] } }),
      ),
    });
    expect(JSON.parse(new TextDecoder().decode(result.stdout)).outputs[0].data).toEqual([9.5, 11]);
    await task.dispose();
  });
});
