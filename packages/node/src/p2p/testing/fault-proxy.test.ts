import { once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultProxy } from './fault-proxy.js';

let echo: Server;
let proxy: FaultProxy | undefined;

async function startEcho(): Promise<number> {
  echo = createServer((socket) => socket.pipe(socket));
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  return (echo.address() as { port: number }).port;
}

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await new Promise((resolve) => echo?.close(resolve));
});

async function connect(port: number): Promise<Socket> {
  const socket = createConnection({ port, host: '127.0.0.1' });
  await once(socket, 'connect');
  return socket;
}

/** Sends `bytes` and resolves with the ms until all of them came back. */
async function roundTrip(socket: Socket, bytes: number): Promise<number> {
  const started = performance.now();
  let received = 0;
  const done = new Promise<void>((resolve) => {
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received >= bytes) {
        socket.off('data', onData);
        resolve();
      }
    };
    socket.on('data', onData);
  });
  socket.write(Buffer.alloc(bytes, 7));
  await done;
  return performance.now() - started;
}

describe('FaultProxy (a test double for link faults)', () => {
  it('carries bytes unchanged, delayed each way, at the capacity it is given', async () => {
    proxy = await FaultProxy.start({ target: { port: await startEcho() }, delayMs: 40 });
    const socket = await connect(proxy.port);
    // Two one-way delays at least, each way through the proxy.
    expect(await roundTrip(socket, 10)).toBeGreaterThanOrEqual(80);
    proxy.faults = { delayMs: 0, bytesPerSecond: 1_000_000, dropRate: 0 };
    // 200 kB at 1 MB/s takes 200 ms to cross each way, at least.
    expect(await roundTrip(socket, 200_000)).toBeGreaterThanOrEqual(200);
    socket.destroy();
  });

  it('drops the share of connections it is told to', async () => {
    proxy = await FaultProxy.start({ target: { port: await startEcho() }, dropRate: 1 });
    const socket = await connect(proxy.port);
    socket.on('error', () => {});
    socket.write('hello');
    await once(socket, 'close');
  });

  it('partitions: nothing crosses until it heals, then new connections work', async () => {
    proxy = await FaultProxy.start({ target: { port: await startEcho() } });
    const before = await connect(proxy.port);
    before.on('error', () => {});
    expect(await roundTrip(before, 5)).toBeGreaterThanOrEqual(0);
    proxy.partition();
    let arrived = 0;
    before.on('data', (chunk: Buffer) => {
      arrived += chunk.length;
    });
    before.write('lost');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(arrived).toBe(0);
    proxy.heal();
    await once(before, 'close'); // it went silent: closed on healing
    const after = await connect(proxy.port);
    expect(await roundTrip(after, 5)).toBeGreaterThanOrEqual(0);
    after.destroy();
  });
});
