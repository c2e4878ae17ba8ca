import type { SuspectedWashTrading } from '../wash-trading/detect-wash-trading.js';
import type { SuspectedRing } from './detect-rings.js';

/** How much of a suspect's reputation is held back, and how much risk placement adds for it. */
export const SUSPECT_PENALTY = 0.5;

export interface CollusionSnapshot {
  /** Unix ms of the scan; 0 before the first. */
  scannedAt: number;
  rings: SuspectedRing[];
  washTrading: SuspectedWashTrading[];
}

/**
 * The latest suspicions, as the coordinator acts on them. Suspicion is not proof (no slash
 * follows from it): it halves a suspect's reputation, adds risk to its placement, keeps a ring's
 * members off each other's jobs (so no ring holds every run of one job), and voids the
 * reputation a suspected wash trader's jobs would earn.
 */
export class CollusionFindings {
  #snapshot: CollusionSnapshot = { scannedAt: 0, rings: [], washTrading: [] };
  readonly #ringOf = new Map<string, SuspectedRing>();
  readonly #washClients = new Set<string>();
  readonly #washProviders = new Set<string>();

  update(snapshot: CollusionSnapshot): void {
    this.#snapshot = snapshot;
    this.#ringOf.clear();
    this.#washClients.clear();
    this.#washProviders.clear();
    for (const ring of snapshot.rings) for (const member of ring.members) this.#ringOf.set(key(member), ring);
    for (const suspect of snapshot.washTrading) {
      this.#washClients.add(key(suspect.client));
      for (const provider of suspect.providers) this.#washProviders.add(key(provider));
    }
  }

  snapshot(): CollusionSnapshot {
    return this.#snapshot;
  }

  /** The providers that must not take another run of a job these providers already run. */
  keepApart(providers: Iterable<string>): string[] {
    const apart: string[] = [];
    for (const provider of providers) apart.push(...(this.#ringOf.get(key(provider))?.members ?? []));
    return apart;
  }

  /** 0 for a provider under no suspicion, else `SUSPECT_PENALTY`. */
  suspicion(provider: string): number {
    const suspect = this.#ringOf.has(key(provider)) || this.#washProviders.has(key(provider));
    return suspect ? SUSPECT_PENALTY : 0;
  }

  /** Whether the client's jobs earn its providers reputation (not when it is a suspected wash trader). */
  earnsReputation(client: string): boolean {
    return !this.#washClients.has(key(client));
  }
}

const key = (address: string) => address.toLowerCase();
