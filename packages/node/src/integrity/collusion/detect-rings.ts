import type { AgreementGraph, PairRecord } from './agreement-graph.js';
import { log10BinomialTail } from './binomial-tail.js';
import { log10ChanceGroups } from './chance-components.js';

export interface RingDetectionOptions {
  /** Groups of independent providers reported, expected over the whole graph. */
  alpha?: number;
}

/** Two members that agreed with each other against the majority. */
export interface SuspectPair {
  a: string;
  b: string;
  coRuns: number;
  againstMajority: number;
  /** log10 of the chance of this pair alone doing so that often by accident. */
  log10P: number;
}

/** Providers that agree with each other against the majority, with the jobs that show it. */
export interface SuspectedRing {
  /** The ring's smallest member address: stable while the ring stands. */
  id: string;
  members: string[];
  /** Evidence in bans: -log10 of how many such groups independent providers would form. */
  score: number;
  pairs: SuspectPair[];
  /** Jobs in which members agreed against the majority (at most 50). */
  jobs: string[];
  /** Providers whose majority answer the ring's went against in those jobs (at most 50). */
  opposed: string[];
  evidence: string;
}

const EVIDENCE_LIMIT = 50;

/**
 * Finds colluding rings in the agreement graph. Pairs that agreed against the majority are
 * joined into groups (connected components); a group of `s` providers whose pairs shared `N`
 * jobs and agreed against the majority in `K` of them is reported when independent providers
 * would make such a group less than `alpha` times over the whole graph, by either of two tests:
 * - repeats: the `s - 1` coincidences that merely connect the group are discounted (chance
 *   coincidences form such a tree, and the group was picked because of them); the rest, repeats
 *   and cycles, is tested against the rate `q` of agreeing against the majority among providers
 *   not reported (one-sided binomial tail P(X >= K - s + 1 | N - s + 1, q)), times the number
 *   of pairs that shared a job (Bonferroni);
 * - size: how many groups of `s` or more chance would form if the coincidences fell at random
 *   among the providers (`log10ChanceGroups`): a ring keeps meeting new mates.
 * `q` is estimated again without the groups found, until they stop changing. Nothing here proves
 * a wrong answer (the majority check does that, job by job), so suspicion feeds reputation and
 * placement, never a slash.
 */
export function detectRings(graph: AgreementGraph, options: RingDetectionOptions = {}): SuspectedRing[] {
  const alpha = options.alpha ?? 0.001;
  if (graph.baseRate === 0) return [];
  const edges = [...graph.pairs.values()].filter((pair) => pair.againstMajority > 0);
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root)!;
    parent.set(x, root);
    return root;
  };
  for (const pair of edges) {
    for (const member of [pair.a, pair.b]) if (!parent.has(member)) parent.set(member, member);
    const [ra, rb] = [find(pair.a), find(pair.b)];
    // The smaller address roots the group, so a ring's id does not depend on the order of its pairs.
    if (ra < rb) parent.set(rb, ra);
    else if (rb < ra) parent.set(ra, rb);
  }
  const groups = new Map<string, PairRecord[]>();
  for (const pair of edges) {
    const root = find(pair.a);
    const group = groups.get(root);
    if (group) group.push(pair);
    else groups.set(root, [pair]);
  }
  const tested = [...groups.values()].map((group) => {
    let shared = 0;
    let against = 0;
    for (const pair of group) {
      shared += pair.coRuns;
      against += pair.againstMajority;
    }
    const size = new Set(group.flatMap((pair) => [pair.a, pair.b])).size;
    return { group, shared, against, size, log10Expected: 0 };
  });
  const pairs = Math.log10(graph.pairs.size);
  // Chance groups this large, if the coincidences fell at random among the providers.
  const bySize = (size: number) => log10ChanceGroups(size, graph.runs.size, edges.length);
  // The null rate is that of providers that are not colluding: estimated without the groups
  // found so far, until the set found stops changing (rings inflate the overall rate).
  const totals = graph.totals;
  let q = graph.baseRate;
  let found: typeof tested = [];
  for (let pass = 0; pass < 10; pass++) {
    for (const entry of tested) {
      const tree = entry.size - 1;
      const excess = log10BinomialTail(entry.against - tree, entry.shared - tree, q) + pairs;
      entry.log10Expected = Math.min(excess, bySize(entry.size));
    }
    const next = tested.filter((entry) => entry.log10Expected <= Math.log10(alpha));
    const stable = next.length === found.length;
    found = next;
    if (stable && pass > 0) break;
    const coRuns = totals.coRuns - sum(found, (entry) => entry.shared);
    const against = totals.againstMajority - sum(found, (entry) => entry.against);
    // At least one coincidence among the rest: a rate of zero would make every group a ring.
    q = Math.max(against, 1) / Math.max(coRuns, 1);
  }
  const rings = found.map((entry) => ringOf(entry.group, entry.log10Expected, q));
  return rings.sort((x, y) => y.score - x.score);
}

function ringOf(group: PairRecord[], log10Expected: number, q: number): SuspectedRing {
  const members = [...new Set(group.flatMap((pair) => [pair.a, pair.b]))].sort();
  const jobs = [...new Set(group.flatMap((pair) => pair.jobs))].slice(0, EVIDENCE_LIMIT);
  const inside = new Set(members);
  const opposed = [...new Set(group.flatMap((pair) => pair.opposed))]
    .filter((provider) => !inside.has(provider))
    .slice(0, EVIDENCE_LIMIT);
  const pairs = group
    .map((pair) => ({
      a: pair.a,
      b: pair.b,
      coRuns: pair.coRuns,
      againstMajority: pair.againstMajority,
      log10P: round(log10BinomialTail(pair.againstMajority, pair.coRuns, q)),
    }))
    .sort((x, y) => x.log10P - y.log10P);
  const against = group.reduce((sum, pair) => sum + pair.againstMajority, 0);
  const shared = group.reduce((sum, pair) => sum + pair.coRuns, 0);
  return {
    id: members[0]!,
    members,
    score: round(-log10Expected),
    pairs,
    jobs,
    opposed,
    evidence:
      `${members.length} providers agreed with each other against the majority ${against} times in ${shared} jobs shared pairwise ` +
      `(the rate among other providers is ${(q * 100).toPrecision(2)}%; independent providers would form such a group 1e${Math.round(log10Expected)} times); ` +
      `jobs ${jobs.slice(0, 5).join(', ')}${jobs.length > 5 ? ', ...' : ''}`,
  };
}

function sum<T>(items: readonly T[], of: (item: T) => number): number {
  return items.reduce((total, item) => total + of(item), 0);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
