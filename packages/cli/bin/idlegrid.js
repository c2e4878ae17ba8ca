#!/usr/bin/env node
// Thin launcher kept out of dist/ so the bin link exists before the first build.
import { main } from '../dist/main.js';

// Started by `idlegrid localnet`: stop cleanly (as on Ctrl-C) when the parent goes away,
// however it goes: its end of our stdin closes.
const watchParent = process.env.IDLEGRID_EXIT_WITH_PARENT === '1';
if (watchParent) {
  process.stdin.on('close', () => process.kill(process.pid, 'SIGTERM'));
  process.stdin.resume();
}

process.exitCode = await main(process.argv);
// The open stdin would keep this process alive after its work is done.
if (watchParent) process.stdin.destroy();
