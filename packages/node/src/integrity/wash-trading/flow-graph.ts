/**
 * A movement of tokens: a client's payment to a provider for jobs (its vouchers, redeemed or
 * not), or a plain token transfer between two accounts on the chain. `ref` names where it can
 * be checked: a transaction hash, or a voucher (client, provider, nonce).
 */
export interface ValueFlow {
  from: string;
  to: string;
  amount: bigint;
  kind: 'payment' | 'transfer';
  ref: string;
}

export interface FlowEdge {
  account: string;
  amount: bigint;
  refs: string[];
}

/**
 * Payments and transfers as a graph. Accounts that move tokens with many counterparties
 * (exchanges, the faucet, the treasury, contracts) are hubs: everyone is a few hops from them,
 * so a path through one says nothing about who owns whom, and link searches skip them.
 */
export class FlowGraph {
  /** client -> provider -> paid. */
  readonly payments = new Map<string, Map<string, FlowEdge>>();
  readonly #out = new Map<string, Map<string, FlowEdge>>();
  readonly #in = new Map<string, Map<string, FlowEdge>>();
  #hubs: Set<string> | undefined;

  constructor(
    flows: Iterable<ValueFlow>,
    /** Transfer counterparties beyond which an account is a hub. */
    readonly hubDegree = 25,
  ) {
    for (const flow of flows) {
      if (flow.from === flow.to || flow.amount <= 0n) continue;
      if (flow.kind === 'payment') add(this.payments, flow.from, flow.to, flow);
      else {
        add(this.#out, flow.from, flow.to, flow);
        add(this.#in, flow.to, flow.from, flow);
      }
    }
  }

  isHub(account: string): boolean {
    if (!this.#hubs) {
      this.#hubs = new Set();
      const accounts = new Set([...this.#out.keys(), ...this.#in.keys()]);
      for (const account of accounts) {
        const counterparties = new Set([
          ...(this.#out.get(account)?.keys() ?? []),
          ...(this.#in.get(account)?.keys() ?? []),
        ]);
        if (counterparties.size > this.hubDegree) this.#hubs.add(account);
      }
    }
    return this.#hubs.has(account);
  }

  /** Transfers out of (`forward`) or into the account. */
  neighbours(account: string, forward: boolean): Iterable<FlowEdge> {
    return (forward ? this.#out : this.#in).get(account)?.values() ?? [];
  }
}

function add(map: Map<string, Map<string, FlowEdge>>, key: string, account: string, flow: ValueFlow): void {
  let edges = map.get(key);
  if (!edges) {
    edges = new Map();
    map.set(key, edges);
  }
  const edge = edges.get(account);
  if (edge) {
    edge.amount += flow.amount;
    if (edge.refs.length < 5) edge.refs.push(flow.ref);
  } else edges.set(account, { account, amount: flow.amount, refs: [flow.ref] });
}
