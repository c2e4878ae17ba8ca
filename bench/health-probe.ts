import { request } from 'node:http';

/**
 * Probes a coordinator's /healthz as a monitor would, from a process of its own: a probe sent
 * from the benchmark's client would wait behind that client's own load (its event loop and its
 * connection pool), and blame the coordinator for it. One probe a second, each with its own
 * connection. Once its stdin closes it waits for the probes still out, prints what it saw as one
 * JSON line and exits.
 *   node health-probe.js <url> [timeoutMs]
 */

const [url = '', timeoutArg = '5000'] = process.argv.slice(2);
const timeoutMs = Number(timeoutArg);
/** `slowestConnectMs`: the longest wait for the TCP connection alone, to tell setting it up from answering. */
const seen = { probes: 0, failed: 0, slowestMs: 0, slowestConnectMs: 0, answeredMs: [] as number[] };

function probe(): Promise<void> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      const took = performance.now() - t0;
      seen.probes++;
      if (ok) seen.answeredMs.push(took);
      else seen.failed++;
      seen.slowestMs = Math.max(seen.slowestMs, took);
      resolve();
    };
    const req = request(`${url}/healthz`, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode === 200));
      res.on('error', () => done(false));
    });
    req.on('socket', (socket) =>
      socket.once('connect', () => {
        seen.slowestConnectMs = Math.max(seen.slowestConnectMs, performance.now() - t0);
      }),
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', () => done(false));
    req.end();
  });
}

const inFlight = new Set<Promise<void>>();
const timer = setInterval(() => {
  const one = probe();
  inFlight.add(one);
  void one.finally(() => inFlight.delete(one));
}, 1_000);
// It ends when its stdin closes: when the benchmark says so, or when the benchmark is gone.
process.stdin.on('close', async () => {
  clearInterval(timer);
  // Probes still out are waited for (each ends by its timeout): none goes uncounted.
  await Promise.all(inFlight);
  const sorted = seen.answeredMs.sort((a, b) => a - b);
  const p99 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0;
  const p50 = sorted[Math.floor(sorted.length / 2)] ?? 0;
  const overOneSecond = sorted.filter((ms) => ms > 1_000).length;
  process.stdout.write(
    `${JSON.stringify({ probes: seen.probes, failed: seen.failed, slowestMs: seen.slowestMs, slowestConnectMs: seen.slowestConnectMs, p50Ms: p50, p99Ms: p99, overOneSecond })}\n`,
  );
  process.exit(0);
});
process.stdin.resume();
