import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createP2PHost, JOBS_PROTOCOL, type P2PHost, protocolId } from '@idlegrid/node';
import { runWasmJob } from '@idlegrid/sdk';
import fc from 'fast-check';
import { generatePrivateKey } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, pidOf, startNet, type TestNet } from '../e2e/localnet-harness.js';
import { fuzzCount, fuzzParameters, fuzzTimeout } from './fuzz-budget.js';
import { concat, decodeFrames, frameProblem, hostileBytes, varint } from './p2p-frames.js';
import { MiB, settledMemory } from './process-memory.js';

// Fuzzing of the coordinator's peer protocol (/idlegrid/jobs/1: length-prefixed JSON frames over
// libp2p streams) by real libp2p nodes dialling a real local network's coordinator process,
// while its real provider keeps running jobs. Budget: see fuzz-budget.ts.

const PROTOCOL = protocolId(JOBS_PROTOCOL);
let net: TestNet;
let coordinatorPid: number;
let hashChain: Uint8Array;
const hosts: P2PHost[] = [];

beforeAll(async () => {
  net = await startNet(1);
  coordinatorPid = await pidOf(net.dataDir, 'coordinator start');
  hashChain = await readFile(
    fileURLToPath(new URL('../../packages/node/examples/wasm/build/hash-chain.wasm', import.meta.url)),
  );
}, 240_000);

afterAll(async () => {
  await Promise.all(hosts.map((host) => host.stop().catch(() => undefined)));
  await net?.stop();
}, 60_000);

/** A fresh libp2p node (its own secp256k1 key, as every idlegrid peer has) connected to the coordinator. */
async function fuzzPeer(): Promise<P2PHost> {
  const host = await createP2PHost({ privateKey: generatePrivateKey() });
  await host.start();
  hosts.push(host);
  await host.dial(net.coordinatorP2p);
  return host;
}

async function openStream(host: P2PHost) {
  let connection = host.libp2p.getConnections().find((c) => c.status === 'open');
  if (!connection) {
    await host.dial(net.coordinatorP2p);
    connection = host.libp2p.getConnections().find((c) => c.status === 'open')!;
  }
  return connection.newStream(PROTOCOL, { signal: AbortSignal.timeout(5_000) });
}

/** Writes `bytes` on a new jobs stream and collects what comes back for up to `waitMs`. */
async function exchange(host: P2PHost, bytes: Uint8Array, waitMs: number): Promise<unknown[]> {
  const stream = await openStream(host);
  const chunks: Uint8Array[] = [];
  let closed = false;
  stream.addEventListener('message', (event) => {
    chunks.push(event.data instanceof Uint8Array ? event.data : event.data.subarray());
  });
  stream.addEventListener('close', () => {
    closed = true;
  });
  stream.addEventListener('remoteCloseWrite', () => {
    closed = true;
  });
  try {
    if (!stream.send(bytes)) await stream.onDrain({ signal: AbortSignal.timeout(5_000) }).catch(() => {});
  } catch {
    closed = true; // the coordinator reset the stream already
  }
  const until = Date.now() + waitMs;
  while (!closed && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!closed) stream.abort(new Error('the fuzzer moves on'));
  return decodeFrames(concat(chunks));
}

function reference(rounds: number, input: string): string {
  let current: Buffer = Buffer.from(input, 'utf8');
  for (let i = 0; i < rounds; i++) current = createHash('sha256').update(current).digest();
  return current.toString('hex');
}

/** The real provider still gets a job from the coordinator, runs it and has its result accepted. */
async function providerStillWorks(input: string): Promise<void> {
  const { job, result } = await runWasmJob(
    net.ctx,
    {
      module: hashChain,
      args: ['50', input],
      maxPrice: 10n ** 17n,
      deadlineSeconds: 120,
      memoryMb: 64,
      cpuCores: 1,
    },
    { timeoutMs: 90_000 },
  );
  expect(job.state).toBe('accepted');
  expect(job.provider).toBe(net.providers[0]!.address);
  expect(new TextDecoder().decode(result!.stdout).trim()).toBe(reference(50, input));
}

async function healthy(): Promise<void> {
  expect(isAlive(coordinatorPid)).toBe(true);
  expect((await fetch(new URL('/healthz', net.coordinatorUrl))).status).toBe(200);
}

describe('the coordinator’s jobs protocol under hostile peers', () => {
  it(
    'answers malformed frames, oversize lengths, garbage and invalid messages with protocol errors only',
    async () => {
      const peers = await Promise.all(Array.from({ length: 3 }, () => fuzzPeer()));
      let turn = 0;
      const before = await settledMemory(coordinatorPid, net.coordinatorUrl, 3);
      await fc.assert(
        fc.asyncProperty(hostileBytes, async ({ what, bytes }) => {
          const frames = await exchange(peers[turn++ % peers.length]!, bytes, 150);
          for (const frame of frames) {
            const problem = frameProblem(frame);
            if (problem) throw new Error(`after ${what}: ${problem}`);
          }
        }),
        fuzzParameters(250),
      );
      await healthy();
      await providerStillWorks('after-frames');
      const after = await settledMemory(coordinatorPid, net.coordinatorUrl, 3);
      console.log(
        `coordinator memory through the frame fuzzing: RSS ${(before.rss / MiB).toFixed(0)} -> ${(after.rss / MiB).toFixed(0)} MiB, ` +
          `heap ${(before.heapUsed / MiB).toFixed(0)} -> ${(after.heapUsed / MiB).toFixed(0)} MiB`,
      );
      expect((after.heapUsed - before.heapUsed) / MiB).toBeLessThan(64);
      expect((after.rss - before.rss) / MiB).toBeLessThan(160);
    },
    fuzzTimeout(180_000),
  );

  it(
    'keeps serving its provider while slow-loris peers trickle frames and half-open connections stall',
    async () => {
      const peers = await Promise.all(Array.from({ length: 4 }, () => fuzzPeer()));
      const streams = await Promise.all(peers.flatMap((peer) => [0, 1, 2].map(() => openStream(peer))));
      // each announces a 512 KiB frame, then sends it a byte at a time
      for (const stream of streams) stream.send(varint(512n * 1024n));
      const port = Number(/\/tcp\/(\d+)\//.exec(net.coordinatorP2p)?.[1]);
      const stalled: Socket[] = Array.from({ length: fuzzCount(40) }, (_, i) => {
        const socket = connect({ host: '127.0.0.1', port });
        socket.on('error', () => {});
        // the start of multistream-select's header, or nothing at all
        if (i % 2 === 0) socket.write(Buffer.from([0x13, 0x2f, 0x6d]));
        return socket;
      });
      const trickle = setInterval(() => {
        for (const stream of streams) {
          if (stream.status !== 'open') continue;
          try {
            stream.send(Uint8Array.of(0x20));
          } catch {
            // closed meanwhile
          }
        }
      }, 50);
      try {
        await providerStillWorks('under-slow-loris');
        await healthy();
      } finally {
        clearInterval(trickle);
        for (const stream of streams) stream.abort(new Error('done'));
        for (const socket of stalled) socket.destroy();
      }
      // once the stalled connections are gone, new peers get in again
      await fuzzPeer();
    },
    fuzzTimeout(120_000),
  );

  it(
    'survives peers that connect, open streams and vanish',
    async () => {
      const before = await settledMemory(coordinatorPid, net.coordinatorUrl, 3);
      for (let round = 0; round < fuzzCount(3); round++) {
        // waves of 5: libp2p resets inbound connections beyond 10 handshakes pending at once
        const peers: P2PHost[] = [];
        for (let wave = 0; wave < 3; wave++)
          peers.push(...(await Promise.all([0, 1, 2, 3, 4].map(() => fuzzPeer()))));
        await Promise.all(
          peers.map(async (peer) => {
            const stream = await openStream(peer);
            stream.send(Uint8Array.of(0x05, 0x7b));
          }),
        );
        await Promise.all(peers.map((peer) => peer.stop()));
        hosts.splice(0, hosts.length, ...hosts.filter((host) => !peers.includes(host)));
      }
      await healthy();
      await providerStillWorks('after-vanishing-peers');
      const after = await settledMemory(coordinatorPid, net.coordinatorUrl, 3);
      expect((after.heapUsed - before.heapUsed) / MiB).toBeLessThan(64);
    },
    fuzzTimeout(120_000),
  );
});
