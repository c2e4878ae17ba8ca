import { type Address, getAddress } from 'viem';
import type { TokenTransfer } from '../chain/token-transfers.js';
import { AgreementGraph } from '../integrity/collusion/agreement-graph.js';
import { detectRings } from '../integrity/collusion/detect-rings.js';
import type { CollusionSnapshot } from '../integrity/collusion/findings.js';
import { detectWashTrading } from '../integrity/wash-trading/detect-wash-trading.js';
import { FlowGraph, type ValueFlow } from '../integrity/wash-trading/flow-graph.js';
import type { JobStore } from '../jobs/api.js';
import type { PaymentLedger } from '../store/payment-ledger.js';
import type { ProviderRegistry } from './provider-registry.js';

export interface CollusionScanDeps {
  store: JobStore;
  registry: ProviderRegistry;
  /** The vouchers forwarded: who paid whom for jobs. */
  payments?: PaymentLedger;
  /** Token transfers on the chain; without them only the payments are seen (no tie is found). */
  transfers?: () => Promise<TokenTransfer[]>;
  /** Accounts whose transfers are the protocol's own (contracts, mint and burn): not ties between people. */
  protocolAccounts?: readonly Address[];
  /** The latest jobs read per scan. */
  jobLimit?: number;
  now?: () => number;
}

/** Every ten minutes: the graphs change slowly, and a scan reads every recent job's runs. */
const SCAN_MS = 600_000;
const JOB_LIMIT = 20_000;

/**
 * Scans the coordinator's records for collusion and wash trading, and hands the findings to
 * the provider registry (reputation, placement) and, through it, to `GET /v1/integrity/collusion`.
 * The agreement graph comes from the runs of checked jobs (replicas, audits, arbiters) in the
 * store; the payment graph from the vouchers forwarded and the token transfers on the chain.
 * The scan is recomputed from those records each time: nothing of it is stored.
 */
export class CollusionScan {
  #timer: ReturnType<typeof setInterval> | undefined;
  #first: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<CollusionSnapshot> | undefined;

  constructor(private readonly deps: CollusionScanDeps) {}

  /** Scans now, then every `intervalMs`; a failed scan leaves the last findings standing. */
  start(intervalMs = SCAN_MS, onError: (error: unknown) => void = () => {}): void {
    const run = () => void this.scan().catch(onError);
    this.#first = setTimeout(run, 0);
    this.#timer = setInterval(run, intervalMs);
    this.#timer.unref?.();
  }

  stop(): void {
    clearTimeout(this.#first);
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One scan (a scan asked for while one runs gets that one's answer). */
  scan(): Promise<CollusionSnapshot> {
    this.#running ??= this.#scan().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #scan(): Promise<CollusionSnapshot> {
    const now = (this.deps.now ?? Date.now)();
    const graph = new AgreementGraph();
    // One query: a query per job held the event loop for a second at 20,000 jobs.
    for (const job of await this.deps.store.comparedOutcomes(this.deps.jobLimit ?? JOB_LIMIT)) graph.add(job);
    const snapshot: CollusionSnapshot = {
      scannedAt: now,
      rings: detectRings(graph),
      washTrading: detectWashTrading(new FlowGraph(await this.#flows())),
    };
    this.deps.registry.applyCollusion(snapshot, now);
    return snapshot;
  }

  async #flows(): Promise<ValueFlow[]> {
    const flows: ValueFlow[] = [];
    for (const voucher of (await this.deps.payments?.all()) ?? []) {
      flows.push({
        from: getAddress(voucher.client),
        to: getAddress(voucher.provider),
        amount: voucher.cumulativeAmount,
        kind: 'payment',
        ref: `voucher ${voucher.client} -> ${voucher.provider} #${voucher.nonce}`,
      });
    }
    const protocol = new Set(
      [...(this.deps.protocolAccounts ?? []), '0x0000000000000000000000000000000000000000'].map((a) =>
        a.toLowerCase(),
      ),
    );
    for (const transfer of (await this.deps.transfers?.()) ?? []) {
      if (protocol.has(transfer.from.toLowerCase()) || protocol.has(transfer.to.toLowerCase())) continue;
      flows.push({
        from: getAddress(transfer.from),
        to: getAddress(transfer.to),
        amount: transfer.amount,
        kind: 'transfer',
        ref: transfer.transactionHash,
      });
    }
    return flows;
  }
}
