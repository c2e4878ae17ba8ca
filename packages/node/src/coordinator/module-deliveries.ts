import type { Address } from 'viem';

/**
 * The WebAssembly modules each provider was sent inside an assignment. A provider's first job of
 * a module carries the module when it is small, which saves the provider a download round trip
 * (a new provider's first job, say); later jobs only name it, since the provider keeps what it
 * ran. A provider that says hello again may have restarted: what it was sent is forgotten.
 */
export class ModuleDeliveries {
  readonly #sent = new Map<Address, Set<string>>();

  /** Modules remembered per provider, the least recently sent forgotten first. */
  constructor(private readonly perProvider = 256) {}

  has(provider: Address, cid: string): boolean {
    return this.#sent.get(provider)?.has(cid) ?? false;
  }

  record(provider: Address, cid: string): void {
    const sent = this.#sent.get(provider) ?? new Set<string>();
    this.#sent.set(provider, sent);
    sent.delete(cid);
    sent.add(cid);
    if (sent.size > this.perProvider) sent.delete(sent.values().next().value!);
  }

  forget(provider: Address): void {
    this.#sent.delete(provider);
  }
}
