import type { WasmModule } from './webassembly.js';

/** The WASI preopen under which a task sees its private scratch directory. */
export const SCRATCH_MOUNT = '/scratch';

/** Data the runner posts to each worker (see `run-in-worker.ts`). */
export interface WorkerInput {
  module: WasmModule;
  args: string[];
  env: Record<string, string>;
  stdinFd: number;
  nullFd: number;
  scratchDir: string;
  outputBytes: number;
}

/** What a worker posts back once the module has finished. */
export type WorkerOutput =
  | {
      kind: 'exit';
      exitCode: number;
      stdout: Uint8Array;
      stderr: Uint8Array;
      stdoutTruncated: boolean;
      stderrTruncated: boolean;
      memoryBytes: number;
    }
  | { kind: 'trap'; name: string; message: string; memoryBytes: number };

/**
 * The worker's code, a CommonJS script run with `eval: true`: the same text works from the
 * TypeScript sources (tests) and from dist/, with no build step for a separate worker file.
 * stdout/stderr never reach a host descriptor: fd_write on 1 and 2 is answered here and copied
 * into capped buffers (the WASI fds 1 and 2 point at the null device). proc_raise is disabled,
 * because uvwasi would deliver the signal to the whole host process.
 */
export const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { WASI } = require('node:wasi');
const { module, args, env, stdinFd, nullFd, scratchDir, outputBytes } = workerData;
const ERRNO_SUCCESS = 0, ERRNO_FAULT = 21, ERRNO_NOSYS = 52;

function capture() {
  return { chunks: [], size: 0, truncated: false };
}
const streams = { 1: capture(), 2: capture() };
let memory;

const wasi = new WASI({
  version: 'preview1',
  args,
  env,
  preopens: { ${JSON.stringify(SCRATCH_MOUNT)}: scratchDir },
  stdin: stdinFd,
  stdout: nullFd,
  stderr: nullFd,
  returnOnExit: true,
});
const host = wasi.wasiImport;
const imports = {
  ...host,
  fd_write(fd, iovs, iovsLen, nwrittenPtr) {
    const stream = streams[fd];
    if (stream === undefined) return host.fd_write(fd, iovs, iovsLen, nwrittenPtr);
    const size = memory.buffer.byteLength;
    const view = new DataView(memory.buffer);
    if (iovs + iovsLen * 8 > size || nwrittenPtr + 4 > size) return ERRNO_FAULT;
    let written = 0;
    for (let i = 0; i < iovsLen; i++) {
      const ptr = view.getUint32(iovs + i * 8, true);
      const len = view.getUint32(iovs + i * 8 + 4, true);
      if (ptr + len > size) return ERRNO_FAULT;
      const room = outputBytes - stream.size;
      if (len > room) stream.truncated = true;
      const kept = Math.min(len, room);
      if (kept > 0) {
        stream.chunks.push(new Uint8Array(memory.buffer, ptr, kept).slice());
        stream.size += kept;
      }
      written += len;
    }
    view.setUint32(nwrittenPtr, written, true);
    return ERRNO_SUCCESS;
  },
  proc_raise() {
    return ERRNO_NOSYS;
  },
};

function concat(stream) {
  const out = new Uint8Array(stream.size);
  let offset = 0;
  for (const chunk of stream.chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

let message;
try {
  const instance = new WebAssembly.Instance(module, { wasi_snapshot_preview1: imports });
  memory = instance.exports.memory;
  const exitCode = wasi.start(instance);
  const stdout = concat(streams[1]);
  const stderr = concat(streams[2]);
  message = {
    kind: 'exit',
    exitCode,
    stdout,
    stderr,
    stdoutTruncated: streams[1].truncated,
    stderrTruncated: streams[2].truncated,
    memoryBytes: memory.buffer.byteLength,
  };
} catch (error) {
  message = {
    kind: 'trap',
    name: error && error.name ? String(error.name) : 'Error',
    message: error && error.message ? String(error.message) : String(error),
    memoryBytes: memory ? memory.buffer.byteLength : 0,
  };
}
// uvwasi keeps its descriptors (the preopen, files the module left open) until the WASI object is
// collected, which a worker's exit does not do: close them now. Fds 0-2 belong to the runner.
for (let fd = 3; fd < 1024; fd++) host.fd_close(fd);
parentPort.postMessage(message);
`;
