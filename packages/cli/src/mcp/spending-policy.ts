import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { IdlegridError } from '@idlegrid/protocol';
import { formatTokens } from '../format.js';

/** What an agent may spend, and on what; the MCP server checks every call against it before anything is signed. */
export interface SpendingPolicy {
  /** Most one call may cost, token base units. */
  perCall: bigint;
  /** Most all calls of one UTC day may cost together. */
  perDay: bigint;
  /** Runtimes it may run jobs on; empty: any. */
  runtimes: readonly string[];
  /** Models it may use; empty: any. */
  models: readonly string[];
}

/**
 * An agent's spending, kept in a file (so a restarted server remembers the day's spending): each
 * call is checked against the policy at its most, then recorded at what it cost. The contract
 * caps the session key itself, whatever happens here.
 */
export class SpendingLedger {
  #day = '';
  #spent = 0n;
  #loaded = false;

  constructor(
    private readonly file: string,
    readonly policy: SpendingPolicy,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** SPENDING_REFUSED unless a call of `runtime` (and `model`) costing up to `most` fits the policy. */
  async authorize(most: bigint, use: { runtime: string; model?: string }): Promise<void> {
    await this.#load();
    const { policy } = this;
    const refuse = (why: string, details: Record<string, unknown>) => {
      throw new IdlegridError('SPENDING_REFUSED', `the agent's spending policy refuses this call: ${why}`, {
        details,
      });
    };
    if (policy.runtimes.length > 0 && !policy.runtimes.includes(use.runtime))
      refuse(`runtime ${use.runtime} is not allowed`, { runtime: use.runtime, allowed: policy.runtimes });
    if (use.model !== undefined && policy.models.length > 0 && !policy.models.includes(use.model))
      refuse(`model ${use.model} is not allowed`, { model: use.model, allowed: policy.models });
    if (most > policy.perCall)
      refuse(`it may cost ${formatTokens(most)}, more than ${formatTokens(policy.perCall)} a call`, {
        most: most.toString(),
        perCall: policy.perCall.toString(),
      });
    if (this.#spent + most > policy.perDay)
      refuse(
        `${formatTokens(this.#spent)} spent today, and it may cost ${formatTokens(most)}: over ${formatTokens(policy.perDay)} a day`,
        { spentToday: this.#spent.toString(), most: most.toString(), perDay: policy.perDay.toString() },
      );
  }

  /** A call cost `amount`. */
  async record(amount: bigint): Promise<void> {
    await this.#load();
    this.#spent += amount;
    await mkdir(dirname(this.file), { recursive: true });
    const temporary = `${this.file}.tmp`;
    await writeFile(temporary, JSON.stringify({ day: this.#day, spent: this.#spent.toString() }));
    await rename(temporary, this.file);
  }

  async spentToday(): Promise<bigint> {
    await this.#load();
    return this.#spent;
  }

  async #load(): Promise<void> {
    const today = this.now().toISOString().slice(0, 10);
    if (!this.#loaded) {
      this.#loaded = true;
      const saved = await readFile(this.file, 'utf8').then(
        (text) => JSON.parse(text) as { day: string; spent: string },
        () => undefined,
      );
      if (saved) {
        this.#day = saved.day;
        this.#spent = BigInt(saved.spent);
      }
    }
    if (this.#day !== today) {
      this.#day = today;
      this.#spent = 0n;
    }
  }
}
