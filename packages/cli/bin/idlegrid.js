#!/usr/bin/env node
// Thin launcher kept out of dist/ so the bin link exists before the first build.
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv);
