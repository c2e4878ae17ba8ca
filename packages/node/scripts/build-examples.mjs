// Compiles the AssemblyScript example modules in examples/wasm/*.ts to WASI preview1 binaries
// in examples/wasm/build/*.wasm. Skips a module when its source and the compiler are unchanged.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = join(root, 'examples', 'wasm');
const outDir = join(sourceDir, 'build');
// asc resolves the shim's `lib` folder against the working directory, so pass a relative path.
const shimConfig = relative(process.cwd(), require.resolve('@assemblyscript/wasi-shim/asconfig.json'));
const OPTIONS = ['--config', shimConfig, '-O3', '--noAssert', '--runtime', 'incremental'];

const toolchain = createHash('sha256')
  .update(readFileSync(require.resolve('assemblyscript/package.json')))
  .update(readFileSync(require.resolve('@assemblyscript/wasi-shim/package.json')))
  .update(JSON.stringify(OPTIONS.filter((option) => option !== shimConfig)))
  .digest('hex');

const stale = readdirSync(sourceDir)
  .filter((file) => file.endsWith('.ts'))
  .sort()
  .map((file) => {
    const name = file.slice(0, -3);
    const fingerprint = createHash('sha256')
      .update(toolchain)
      .update(readFileSync(join(sourceDir, file)))
      .digest('hex');
    return { file, name, fingerprint, stamp: join(outDir, `${name}.fingerprint`) };
  })
  .filter(
    ({ name, fingerprint, stamp }) =>
      !existsSync(join(outDir, `${name}.wasm`)) ||
      !existsSync(stamp) ||
      readFileSync(stamp, 'utf8') !== fingerprint,
  );

if (stale.length === 0) {
  console.log('examples: up to date');
  process.exit(0);
}

const started = Date.now();
const { default: asc } = await import('assemblyscript/asc');
mkdirSync(outDir, { recursive: true });
for (const { file, name, fingerprint, stamp } of stale) {
  const { error, stderr } = await asc.main(
    [join(sourceDir, file), ...OPTIONS, '--outFile', join(outDir, `${name}.wasm`)],
    {},
  );
  if (error) {
    console.error(stderr.toString());
    console.error(`examples: ${file} failed: ${error.message}`);
    process.exit(1);
  }
  writeFileSync(stamp, fingerprint);
}
const names = stale.map(({ name }) => name).join(', ');
console.log(`examples: compiled ${names} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
