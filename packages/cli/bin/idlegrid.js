#!/usr/bin/env node
// Thin launcher kept out of dist/ so the bin link exists before the first build. It runs the
// bundle (dist/bundle, made by `npm run build`): see scripts/bundle.mjs for why.
import { main } from '../dist/bundle/main.js';

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
