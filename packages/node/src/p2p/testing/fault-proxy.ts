import { once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * The faults of a link, changeable while it carries traffic. The kernel here has no `netem`, so
 * tests and benchmarks put this proxy between two nodes' ports instead.
 */
export interface LinkFaults {
  /** One-way delay added to every byte, each direction, ms. */
  delayMs: number;
  /** The link's capacity, each direction, bytes a second (0: unlimited). */
  bytesPerSecond: number;
  /** Share of new connections cut when their first bytes arrive (0..1). */
  dropRate: number;
}

export interface FaultProxyOptions extends Partial<LinkFaults> {
  /** Where connections go: a port on 127.0.0.1 (or `host`). */
  target: { port: number; host?: string };
  /** Where it listens: 127.0.0.1 by default; a namespace's gateway address to serve a node inside it. */
  listenHost?: string;
  random?: () => number;
}

interface Link {
  client: Socket;
  upstream: Socket;
  /** Bytes were lost on it to a partition: it is closed when the link heals. */
  silenced?: boolean;
}

/** Bytes in flight in one direction past which the sender is paused (the proxy holds no more). */
const MAX_IN_FLIGHT = 4 * 2 ** 20;

/**
 * A TCP proxy on 127.0.0.1 that injects faults on purpose: delay, limited bandwidth, dropped
 * connections and partitions (`partition()` until `heal()`: bytes stop flowing both ways and the
 * connections go silent, as across a cut link, rather than being reset). A test double, never
 * part of a node.
 */
export class FaultProxy {
  readonly #links = new Set<Link>();
  #partitioned = false;
  faults: LinkFaults;

  private constructor(
    private readonly server: Server,
    private readonly options: FaultProxyOptions,
  ) {
    this.faults = {
      delayMs: options.delayMs ?? 0,
      bytesPerSecond: options.bytesPerSecond ?? 0,
      dropRate: options.dropRate ?? 0,
    };
  }

  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const server = createServer();
    const proxy = new FaultProxy(server, options);
    server.on('connection', (client) => proxy.#accept(client));
    server.listen(0, options.listenHost ?? '127.0.0.1');
    await once(server, 'listening');
    return proxy;
  }

  get port(): number {
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('the proxy is not listening');
    return address.port;
  }

  /** Connections open now. */
  get connections(): number {
    return this.#links.size;
  }

  /** Cuts the link: nothing flows either way, on open connections or new ones, until `heal`. */
  partition(): void {
    this.#partitioned = true;
  }

  /** Restores the link. Connections that went silent are closed: their ends gave up on them, or will. */
  heal(): void {
    this.#partitioned = false;
    for (const link of this.#links) if (link.silenced) this.#cut(link);
  }

  async close(): Promise<void> {
    for (const link of this.#links) this.#cut(link);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    const upstream = createConnection({
      port: this.options.target.port,
      host: this.options.target.host ?? '127.0.0.1',
    });
    const link: Link = { client, upstream };
    this.#links.add(link);
    const random = this.options.random ?? Math.random;
    const dropped = random() < this.faults.dropRate;
    for (const socket of [client, upstream]) {
      socket.setNoDelay(true);
      socket.on('error', () => this.#cut(link));
      socket.on('close', () => this.#cut(link));
    }
    if (dropped) {
      client.once('data', () => this.#cut(link));
      return;
    }
    this.#forward(client, upstream, link);
    this.#forward(upstream, client, link);
  }

  /** Carries `from`'s bytes to `to`, each delivered after the link's delay and its serialization at the link's rate. */
  #forward(from: Socket, to: Socket, link: Link): void {
    let linkFreeAt = 0;
    let inFlight = 0;
    let last = Promise.resolve();
    const deliver = (after: number, action: () => void) => {
      const previous = last;
      last = new Promise<void>((resolve) => {
        setTimeout(() => previous.then(action).then(resolve), Math.max(0, after));
      });
    };
    from.on('data', (chunk: Buffer) => {
      if (this.#partitioned) {
        link.silenced = true;
        return; // lost on the cut link
      }
      const now = performance.now();
      const { delayMs, bytesPerSecond } = this.faults;
      const start = Math.max(now, linkFreeAt);
      linkFreeAt = start + (bytesPerSecond > 0 ? (chunk.length / bytesPerSecond) * 1000 : 0);
      inFlight += chunk.length;
      if (inFlight > MAX_IN_FLIGHT) from.pause();
      deliver(linkFreeAt + delayMs - now, () => {
        inFlight -= chunk.length;
        if (inFlight <= MAX_IN_FLIGHT / 2 && from.isPaused()) from.resume();
        if (!this.#partitioned && !to.destroyed) to.write(chunk);
      });
    });
    from.on('end', () => {
      const { delayMs } = this.faults;
      deliver(Math.max(linkFreeAt - performance.now(), 0) + delayMs, () => {
        if (!this.#partitioned && !to.destroyed) to.end();
      });
    });
  }

  #cut(link: Link): void {
    if (!this.#links.delete(link)) return;
    link.client.destroy();
    link.upstream.destroy();
  }
}
