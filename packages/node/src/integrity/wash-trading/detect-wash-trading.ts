import type { FlowGraph } from './flow-graph.js';

export interface WashTradingOptions {
  /** Transfers a link may take (each way). */
  maxHops?: number;
  /** Share of a client's spend that must go to providers linked to it. */
  minShare?: number;
  /** Spend (token base units) below which a client is not judged. */
  minSpend?: bigint;
}

/** How a paid provider is tied to its client, outside of the payments for jobs. */
export interface WashLink {
  provider: string;
  /** What the client paid it for jobs. */
  paid: bigint;
  /** `circular`: tokens went from the provider back to the client; `common-funder`: one account funded both (or one funded the other). */
  kind: 'circular' | 'common-funder';
  /** The accounts on the tie, provider side first. */
  via: string[];
  /** The transfers that make it (transaction hashes). */
  transfers: string[];
  /** The payments for jobs (vouchers). */
  payments: string[];
}

/** A client whose spending goes mostly to providers tied to it: reputation farmed, not work bought. */
export interface SuspectedWashTrading {
  client: string;
  providers: string[];
  spend: bigint;
  linkedSpend: bigint;
  /** linkedSpend / spend. */
  share: number;
  /** Tokens that went back round to the client, at most what it paid. */
  returned: bigint;
  /** share, raised by the share that came back round: 0..2. */
  score: number;
  links: WashLink[];
  evidence: string;
}

interface Reached {
  via: string[];
  transfers: string[];
  bottleneck: bigint;
}

/**
 * Finds wash trading in the flow graph. For each paying client, each provider it paid is
 * tied to it when, within `maxHops` transfers that avoid hubs, tokens flow from the provider
 * back to the client (a cycle client -> provider -> ... -> client) or one account funded both
 * (a closed community behind both ends). A client is suspected when at least `minShare` of its
 * spend goes to providers tied to it. Independent clients and providers have no such ties:
 * they buy and cash out through exchanges, which are hubs.
 */
export function detectWashTrading(
  graph: FlowGraph,
  options: WashTradingOptions = {},
): SuspectedWashTrading[] {
  const maxHops = options.maxHops ?? 3;
  const minShare = options.minShare ?? 0.5;
  const minSpend = options.minSpend ?? 1n;
  const memo = new Map<string, Map<string, Reached>>();
  const reach = (account: string, forward: boolean) => {
    const key = `${forward ? '>' : '<'}${account}`;
    let reached = memo.get(key);
    if (!reached) {
      reached = reachable(graph, account, forward, maxHops);
      memo.set(key, reached);
    }
    return reached;
  };
  const suspected: SuspectedWashTrading[] = [];
  for (const [client, paid] of graph.payments) {
    let spend = 0n;
    for (const edge of paid.values()) spend += edge.amount;
    if (spend < minSpend) continue;
    const funders = reach(client, false);
    const links: WashLink[] = [];
    let linkedSpend = 0n;
    let returned = 0n;
    for (const edge of paid.values()) {
      const back = reach(edge.account, true).get(client);
      const common = back ? undefined : commonFunder(graph, funders, reach(edge.account, false));
      const tie = back ?? common;
      if (!tie) continue;
      linkedSpend += edge.amount;
      // What came back round is at most what was paid.
      if (back) returned += [edge.amount, back.bottleneck].sort(ascending)[0]!;
      links.push({
        provider: edge.account,
        paid: edge.amount,
        kind: back ? 'circular' : 'common-funder',
        via: tie.via,
        transfers: tie.transfers,
        payments: edge.refs,
      });
    }
    const share = ratio(linkedSpend, spend);
    if (share < minShare) continue;
    const circular = links.filter((link) => link.kind === 'circular').length;
    suspected.push({
      client,
      providers: links.map((link) => link.provider),
      spend,
      linkedSpend,
      share: round(share),
      returned,
      score: round(share + ratio(returned, spend)),
      links,
      evidence:
        `${round(share * 100)}% of ${client}'s ${spend} paid for jobs went to ${links.length} of its ${paid.size} providers ` +
        `tied to it off the market (${circular} paid it back, ${links.length - circular} share a funder); ` +
        `${returned} came back round`,
    });
  }
  return suspected.sort((a, b) => b.score - a.score);
}

/** Accounts within `maxHops` transfers of `start` (downstream when `forward`), by a shortest path through no hub. */
function reachable(graph: FlowGraph, start: string, forward: boolean, maxHops: number): Map<string, Reached> {
  const reached = new Map<string, Reached>([[start, { via: [start], transfers: [], bottleneck: -1n }]]);
  let frontier = graph.isHub(start) ? [] : [start];
  for (let hop = 0; hop < maxHops && frontier.length > 0; hop++) {
    const next: string[] = [];
    for (const account of frontier) {
      const here = reached.get(account)!;
      for (const edge of graph.neighbours(account, forward)) {
        if (reached.has(edge.account)) continue;
        const bottleneck =
          here.bottleneck < 0n || edge.amount < here.bottleneck ? edge.amount : here.bottleneck;
        reached.set(edge.account, {
          via: [...here.via, edge.account],
          transfers: [...here.transfers, ...edge.refs],
          bottleneck,
        });
        if (!graph.isHub(edge.account)) next.push(edge.account);
      }
    }
    frontier = next;
  }
  return reached;
}

/** The nearest account (no hub) upstream of both the client and the provider, as one tie. */
function commonFunder(
  graph: FlowGraph,
  client: Map<string, Reached>,
  provider: Map<string, Reached>,
): Reached | undefined {
  let best: Reached | undefined;
  for (const [account, fromProvider] of provider) {
    const fromClient = client.get(account);
    // A faucet or an exchange funds everyone: it ties nobody together.
    if (!fromClient || graph.isHub(account)) continue;
    const tie: Reached = {
      // provider <- ... <- funder -> ... -> client
      via: [...fromProvider.via, ...fromClient.via.slice(0, -1).reverse()],
      transfers: [...fromProvider.transfers, ...fromClient.transfers],
      bottleneck: 0n,
    };
    if (!best || tie.via.length < best.via.length) best = tie;
  }
  return best;
}

function ascending(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function ratio(part: bigint, whole: bigint): number {
  return whole === 0n ? 0 : Number((part * 1_000_000n) / whole) / 1_000_000;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
