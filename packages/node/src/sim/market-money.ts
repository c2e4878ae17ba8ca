import { FlowGraph, type ValueFlow } from '../integrity/wash-trading/flow-graph.js';
import type { Random } from './random.js';

/** Exchanges and the faucet: every honest account buys from or cashes out to one. */
const EXCHANGES = ['exchange-0', 'exchange-1', 'exchange-2', 'exchange-3', 'exchange-4'];

/**
 * The tokens of the collusion simulation. Honest clients buy on an exchange, every provider is
 * funded by the faucet, honest providers cash out to an exchange each round, and 1% of honest
 * accounts send a small gift to an unrelated account each round. Wash trader `w` is paid back:
 * for even `w` through a mule (having bought on an exchange like anyone), for odd `w` by its
 * providers sending their earnings to the owner that funded it and them.
 */
export class MarketMoney {
  readonly #flows: ValueFlow[] = [];
  readonly #earned = new Map<string, bigint>();
  /** `${client}>${provider}` -> paid for jobs. */
  readonly paid = new Map<string, bigint>();

  constructor(
    private readonly random: Random,
    private readonly clients: readonly string[],
    private readonly providers: readonly string[],
    /** Wash trader of each of its providers. */
    private readonly washOwner: ReadonlyMap<string, number>,
    washTraders: number,
  ) {
    for (const client of clients)
      this.#transfer(EXCHANGES[random.int(0, 4)]!, client, 10n ** 9n, `buy-${client}`);
    for (const provider of providers) this.#transfer('faucet', provider, 1000n, `faucet-${provider}`);
    for (let w = 0; w < washTraders; w++) {
      const circular = w % 2 === 0;
      this.#transfer(circular ? EXCHANGES[w % 5]! : `owner-${w}`, `wash-${w}`, 10n ** 9n, `fund-wash-${w}`);
      if (!circular)
        for (const [provider, owner] of washOwner)
          if (owner === w) this.#transfer(`owner-${w}`, provider, 5000n, `fund-${provider}`);
    }
  }

  pay(client: string, provider: string, amount: bigint): void {
    const key = `${client}>${provider}`;
    this.paid.set(key, (this.paid.get(key) ?? 0n) + amount);
    this.#earned.set(provider, (this.#earned.get(provider) ?? 0n) + amount);
  }

  /** Money moves at the end of a round: earnings are cashed out or paid back, gifts are sent. */
  endRound(round: number): void {
    const { random } = this;
    for (const [provider, amount] of this.#earned) {
      const owner = this.washOwner.get(provider);
      if (owner === undefined)
        this.#transfer(provider, EXCHANGES[random.int(0, 4)]!, amount, `cashout-${provider}-${round}`);
      else if (owner % 2 === 0) {
        this.#transfer(provider, `mule-${owner}`, amount, `back-${provider}-${round}`);
        this.#transfer(`mule-${owner}`, `wash-${owner}`, amount, `mule-${owner}-${provider}-${round}`);
      } else this.#transfer(provider, `owner-${owner}`, amount, `owner-${provider}-${round}`);
    }
    this.#earned.clear();
    for (const account of [...this.clients, ...this.providers]) {
      if (this.washOwner.has(account) || random.next() >= 0.01) continue;
      const other =
        random.next() < 0.5
          ? this.clients[random.int(0, this.clients.length - 1)]!
          : this.providers[random.int(0, this.providers.length - 1)]!;
      this.#transfer(account, other, BigInt(random.int(1, 500)), `gift-${account}-${round}`);
    }
  }

  /** Payments (one per client and provider) and transfers so far. */
  get flowCount(): number {
    return this.#flows.length + this.paid.size;
  }

  /** Payments (as vouchers) and transfers so far. */
  graph(): FlowGraph {
    return new FlowGraph([
      ...this.#flows,
      ...[...this.paid].map(([key, amount]) => {
        const [from, to] = key.split('>') as [string, string];
        return { from, to, amount, kind: 'payment' as const, ref: `voucher-${key}` };
      }),
    ]);
  }

  #transfer(from: string, to: string, amount: bigint, ref: string): void {
    this.#flows.push({ from, to, amount, kind: 'transfer', ref });
  }
}
