import type { WasmModule } from './webassembly.js';

/** The WASI preopen under which a task sees its private scratch directory. */
export const SCRATCH_MOUNT = '/scratch';

/** One task the runner posts to a pooled worker (see `worker-pool.ts`). */
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
 * A worker runs many tasks, one at a time, each with a fresh WASI object and a fresh instance: the
 * module only sees its imports, never this script's state, so tasks cannot observe each other.
 * stdout/stderr never reach a host descriptor: fd_write on 1 and 2 is answered here and copied
 * into capped buffers (the WASI fds 1 and 2 point at the null device). proc_raise is disabled,
 * because uvwasi would deliver the signal to the whole host process.
 */
export const WORKER_SOURCE = `
'use strict';
const { parentPort } = require('node:worker_threads');
const { WASI } = require('node:wasi');
const ERRNO_SUCCESS = 0, ERRNO_BADF = 8, ERRNO_FAULT = 21, ERRNO_NOSYS = 52;
// WASI fds below this are the runner's stdin and null device; from it on, the task's own.
const FIRST_TASK_FD = 3;

function capture() {
  return { chunks: [], size: 0, truncated: false };
}

function concat(stream) {
  const out = new Uint8Array(stream.size);
  let offset = 0;
  for (const chunk of stream.chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

function runTask({ module, args, env, stdinFd, nullFd, scratchDir, outputBytes }) {
  const streams = { 1: capture(), 2: capture() };
  let memory;
  let lastFd = FIRST_TASK_FD; // the preopen
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
    // path_open is the only call that makes a new fd (no sockets are ever given): remember the
    // highest, so that every fd the task got is closed afterwards, even past 1023.
    path_open(...call) {
      const errno = host.path_open(...call);
      if (errno === ERRNO_SUCCESS) lastFd = Math.max(lastFd, new DataView(memory.buffer).getUint32(call[8], true));
      return errno;
    },
    // uvwasi would close the runner's host descriptors behind 0-2, which the runner closes again
    // later, when the number may already belong to something else in this long-lived process.
    fd_close(fd) {
      return fd < FIRST_TASK_FD ? ERRNO_BADF : host.fd_close(fd);
    },
    fd_renumber(from, to) {
      return from < FIRST_TASK_FD || to < FIRST_TASK_FD ? ERRNO_BADF : host.fd_renumber(from, to);
    },
    proc_raise() {
      return ERRNO_NOSYS;
    },
  };
  try {
    const instance = new WebAssembly.Instance(module, { wasi_snapshot_preview1: imports });
    memory = instance.exports.memory;
    const exitCode = wasi.start(instance);
    return {
      kind: 'exit',
      exitCode,
      stdout: concat(streams[1]),
      stderr: concat(streams[2]),
      stdoutTruncated: streams[1].truncated,
      stderrTruncated: streams[2].truncated,
      memoryBytes: memory.buffer.byteLength,
    };
  } catch (error) {
    return {
      kind: 'trap',
      name: error && error.name ? String(error.name) : 'Error',
      message: error && error.message ? String(error.message) : String(error),
      memoryBytes: memory ? memory.buffer.byteLength : 0,
    };
  } finally {
    // uvwasi keeps its descriptors (the preopen, files the task left open) until the WASI object
    // is collected, which may be much later in a long-lived worker: close them now.
    for (let fd = FIRST_TASK_FD; fd <= lastFd; fd++) host.fd_close(fd);
  }
}

parentPort.on('message', (input) => {
  const output = runTask(input);
  // Hand the output buffers over rather than copy them.
  parentPort.postMessage(output, output.kind === 'exit' ? [output.stdout.buffer, output.stderr.buffer] : []);
});
`;
