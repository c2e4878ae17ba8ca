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
  /** What calls authorized and not yet recorded may still cost: they count against the caps too. */
  #reserved = 0n;
  #loading: Promise<void> | undefined;
  #saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    readonly policy: SpendingPolicy,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * SPENDING_REFUSED unless a call of `runtime` (and `model`) costing up to `most` fits the policy,
   * counting what calls in flight may still cost. An authorized call holds `most` until `settle`.
   */
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
    const committed = this.#spent + this.#reserved;
    if (committed + most > policy.perDay)
      refuse(
        `${formatTokens(committed)} spent or held today, and it may cost ${formatTokens(most)}: over ${formatTokens(policy.perDay)} a day`,
        {
          spentToday: this.#spent.toString(),
          held: this.#reserved.toString(),
          most: most.toString(),
          perDay: policy.perDay.toString(),
        },
      );
    this.#reserved += most;
  }

  /** An authorized call ended: it cost `amount` (0 when it failed), and no longer holds what it was authorized for. */
  async settle(authorized: bigint, amount: bigint): Promise<void> {
    await this.#load();
    this.#reserved -= authorized;
    this.#spent += amount;
    const saved = JSON.stringify({ day: this.#day, spent: this.#spent.toString() });
    // One write at a time, each whole (a temporary file renamed over the ledger).
    this.#saving = this.#saving.then(async () => {
      await mkdir(dirname(this.file), { recursive: true });
      const temporary = `${this.file}.${process.pid}.tmp`;
      await writeFile(temporary, saved);
      await rename(temporary, this.file);
    });
    await this.#saving;
  }

  async spentToday(): Promise<bigint> {
    await this.#load();
    return this.#spent;
  }

  async #load(): Promise<void> {
    this.#loading ??= readFile(this.file, 'utf8').then(
      (text) => {
        const saved = JSON.parse(text) as { day: string; spent: string };
        this.#day = saved.day;
        this.#spent = BigInt(saved.spent);
      },
      () => {},
    );
    await this.#loading;
    const today = this.now().toISOString().slice(0, 10);
    if (this.#day !== today) {
      this.#day = today;
      this.#spent = 0n;
    }
  }
}
