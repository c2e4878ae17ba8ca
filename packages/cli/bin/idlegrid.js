#!/usr/bin/env node
// Thin launcher kept out of dist/ so the bin link exists before the first build. It runs the
// bundle (dist/bundle, made by `npm run build`): see scripts/bundle.mjs for why.
import module from 'node:module';

// Node 22+ keeps V8's compiled code of the bundle between runs (checked against the source), so
// a start skips most of its parsing; Node 20 has no such cache and goes on without it.
module.enableCompileCache?.();
const { main } = await import('../dist/bundle/main.js');

// Started by `idlegrid localnet`: stop cleanly (as on Ctrl-C) when the parent goes away,
// however it goes: its end of our stdin closes.
const watchParent = process.env.IDLEGRID_EXIT_WITH_PARENT === '1';
const onParentGone = () => process.kill(process.pid, 'SIGTERM');
if (watchParent) {
  process.stdin.on('close', onParentGone);
  process.stdin.resume();
}

process.exitCode = await main(process.argv);
// The open stdin would keep this process alive after its work is done; closing it ourselves
// is not the parent going away.
if (watchParent) {
  process.stdin.off('close', onParentGone);
  process.stdin.destroy();
}
