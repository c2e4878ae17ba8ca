import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { isIdlegridError } from '@idlegrid/protocol';
import { unavailable } from './errors.js';

/** Where fasttext.wasm.js keeps the files it ships (all inside the npm package, nothing downloaded). */
export interface FastTextPaths {
  /** The package's folder (the one holding its package.json). */
  packageDir: string;
  /** The Emscripten build for Node: `dist/core/fastText.node.wasm`. */
  wasm: string;
  /** The language identification model, 176 languages: `dist/models/language-identification/assets/lid.176.ftz`. */
  languageIdModel: string;
}

/** An Emscripten `std::vector` handed to JavaScript: its memory is the module's until `delete`. */
export interface NativeVector<T> {
  size(): number;
  get(index: number): T;
  delete(): void;
}

/** fastText's `FastText` class as the module binds it (the part this runtime uses). */
export interface NativeFastText {
  /** Loads a model from the module's in-memory file system; throws a native exception (a number) on a bad file. */
  loadModel(path: string): void;
  /** The `k` most probable labels of one line of text, as [probability, label] pairs. */
  predict(text: string, k: number, threshold: number): NativeVector<[number, string]>;
  readonly isQuant: boolean;
  /** Frees the object and the model it holds. */
  delete(): void;
}

/** One instance of the WebAssembly module: its own memory, file system and models. */
export interface FastTextModule {
  FS: {
    writeFile(path: string, data: Uint8Array): void;
    unlink(path: string): void;
  };
  FastText: new () => NativeFastText;
}

export interface FastTextRuntime {
  version: string;
  paths: FastTextPaths;
  /**
   * A fresh module instance. The wasm bytes are handed to Emscripten, so it neither reads nor
   * fetches anything; its console output goes to `onOutput` rather than the process's.
   */
  instantiate(onOutput?: (line: string) => void): Promise<FastTextModule>;
}

/** The Emscripten module options this runtime passes (the library's own types name only `wasmPath`). */
interface ModuleOptions {
  wasmBinary: Uint8Array;
  print: (line: string) => void;
  printErr: (line: string) => void;
  /** Called on `exit()`; the default sets `process.exitCode`, which is not the module's to set. */
  quit: (status: number, toThrow: unknown) => never;
}

let paths: FastTextPaths | undefined;

/** The package's files, found through Node's module resolution; fails with RUNTIME_UNAVAILABLE when it is missing. */
export function fastTextPaths(): FastTextPaths {
  if (paths) return paths;
  let packageJson: string;
  try {
    packageJson = createRequire(import.meta.url).resolve('fasttext.wasm.js/package.json');
  } catch (cause) {
    throw unavailable('the fasttext runtime (fasttext.wasm.js) is not installed', { cause });
  }
  const packageDir = dirname(packageJson);
  paths = {
    packageDir,
    wasm: join(packageDir, 'dist', 'core', 'fastText.node.wasm'),
    languageIdModel: join(packageDir, 'dist', 'models', 'language-identification', 'assets', 'lid.176.ftz'),
  };
  return paths;
}

let loaded: Promise<FastTextRuntime> | undefined;

/**
 * fasttext.wasm.js, imported on first use so that a node without it still starts, and its wasm
 * read once per process. Each `instantiate` makes an independent module instance from those bytes:
 * a model that fails to load (a native exception leaves the instance unusable) spoils only its own.
 *
 * Only the library's module factory is used, never its model loaders: those take a URL and, for
 * anything but `file://` (or anywhere `window` exists), fetch it over the network.
 */
export function loadFastText(): Promise<FastTextRuntime> {
  loaded ??= (async () => {
    const found = fastTextPaths();
    const library = await import('fasttext.wasm.js');
    const factory = library.getFastTextModule as unknown as (
      options: ModuleOptions,
    ) => Promise<FastTextModule>;
    const [wasmBinary, manifest] = await Promise.all([
      readFile(found.wasm),
      readFile(join(found.packageDir, 'package.json'), 'utf8'),
    ]);
    const version = (JSON.parse(manifest) as { version?: unknown }).version;
    return {
      version: typeof version === 'string' ? version : 'unknown',
      paths: found,
      instantiate: (onOutput = () => {}) =>
        factory({
          wasmBinary,
          print: onOutput,
          printErr: onOutput,
          quit: (_status, toThrow) => {
            throw toThrow;
          },
        }),
    } satisfies FastTextRuntime;
  })().catch((cause: unknown) => {
    loaded = undefined;
    if (isIdlegridError(cause)) throw cause;
    throw unavailable('the fasttext runtime (fasttext.wasm.js) is not installed or cannot load here', {
      cause,
    });
  });
  return loaded;
}

/** True when fasttext.wasm.js is installed and loads here. */
export async function fastTextAvailable(): Promise<boolean> {
  return loadFastText().then(
    () => true,
    () => false,
  );
}
