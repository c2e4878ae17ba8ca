import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  IdlegridError,
  isIdlegridError,
  type NetworkDomain,
  parseMessage,
  type SignedMessage,
  toWireJson,
  type Voucher,
  verifySignedMessage,
} from '@idlegrid/protocol';
import type { SignerContext } from '@idlegrid/sdk';
import { type Address, getAddress, type Hash, isAddressEqual } from 'viem';
import { redeemVouchers } from '../chain/redeem-vouchers.js';

/** The latest voucher of one client and how much of it is already redeemed on-chain. */
interface ClientAccount {
  voucher: SignedMessage<'Voucher'>;
  redeemedAmount: bigint;
  redeemedNonce: bigint;
}

export interface EarningsSummary {
  clients: number;
  /** Sum of the latest cumulative amounts: everything clients signed over. */
  earned: bigint;
  redeemed: bigint;
  unredeemed: bigint;
}

export interface Redemption {
  hash: Hash;
  vouchers: number;
  amount: bigint;
}

/** Per provider address, so several providers can share one data directory (a localnet). */
export function vouchersPath(dataDir: string, provider: Address): string {
  return join(dataDir, 'provider', getAddress(provider), 'vouchers.json');
}

/**
 * The provider's voucher wallet: keeps each client's latest valid cumulative voucher on
 * disk and redeems all pending ones in a single transaction. Only the latest voucher per
 * client matters on-chain, so older ones are dropped as soon as a newer one verifies.
 */
export class EarningsWallet {
  readonly #accounts = new Map<Address, ClientAccount>();
  #writing: Promise<void> = Promise.resolve();

  private constructor(
    readonly provider: Address,
    readonly domain: NetworkDomain,
    readonly path: string,
  ) {}

  /**
   * Opens DATA_DIR/provider/ADDRESS/vouchers.json. A file written for another network (a reset
   * localnet) is set aside as `vouchers.<chainId>.<contract>.json`, never mixed in.
   */
  static async open(dataDir: string, provider: Address, domain: NetworkDomain): Promise<EarningsWallet> {
    const wallet = new EarningsWallet(getAddress(provider), domain, vouchersPath(dataDir, provider));
    const saved = await readFile(wallet.path, 'utf8').then(JSON.parse, () => undefined);
    if (saved === undefined) return wallet;
    if (saved.chainId !== domain.chainId || saved.paymentChannels !== domain.verifyingContract) {
      await rename(
        wallet.path,
        wallet.path.replace(/\.json$/, `.${saved.chainId}.${saved.paymentChannels}.json`),
      );
      return wallet;
    }
    for (const entry of saved.clients as {
      voucher: SignedMessage<'Voucher'>;
      redeemedAmount: string;
      redeemedNonce: string;
    }[]) {
      const message = parseMessage('Voucher', entry.voucher.message);
      wallet.#accounts.set(message.client, {
        voucher: { kind: 'Voucher', message, signature: entry.voucher.signature },
        redeemedAmount: BigInt(entry.redeemedAmount),
        redeemedNonce: BigInt(entry.redeemedNonce),
      });
    }
    return wallet;
  }

  /**
   * Verifies and keeps a voucher if it supersedes the client's current one; resolves with the
   * increase it brings. VOUCHER_SIGNATURE_INVALID, VOUCHER_EXPIRED, VOUCHER_WRONG_PROVIDER, VOUCHER_STALE.
   */
  /** `acceptDelegate`: whether a signer other than the client (a session key) may sign for it. */
  async accept(
    input: unknown,
    acceptDelegate?: (signer: Address, voucher: Voucher) => Promise<boolean>,
  ): Promise<{ client: Address; increase: bigint }> {
    const voucher = await this.#verify(input, acceptDelegate);
    const { client, cumulativeAmount, nonce } = voucher.message;
    const current = this.#accounts.get(client);
    const held = current?.voucher.message;
    if (held && (nonce <= held.nonce || cumulativeAmount < held.cumulativeAmount)) {
      throw new IdlegridError(
        'VOUCHER_STALE',
        `voucher does not supersede nonce ${held.nonce} from ${client}`,
        {
          details: { client, nonce: nonce.toString(), heldNonce: held.nonce.toString() },
        },
      );
    }
    this.#accounts.set(client, {
      voucher: { kind: 'Voucher', message: voucher.message, signature: voucher.signature },
      redeemedAmount: current?.redeemedAmount ?? 0n,
      redeemedNonce: current?.redeemedNonce ?? 0n,
    });
    await this.#save();
    return { client, increase: cumulativeAmount - (held?.cumulativeAmount ?? 0n) };
  }

  /** The voucher held from `client`: the latest it paid by, through whichever coordinator. */
  held(client: Address): SignedMessage<'Voucher'> | undefined {
    return this.#accounts.get(client)?.voucher;
  }

  /** Vouchers worth redeeming: newer and larger than what was redeemed, and not expired. */
  pending(nowSeconds = BigInt(Math.floor(Date.now() / 1000))): SignedMessage<'Voucher'>[] {
    return [...this.#accounts.values()]
      .filter(
        ({ voucher: { message }, redeemedAmount, redeemedNonce }) =>
          message.nonce > redeemedNonce &&
          message.cumulativeAmount > redeemedAmount &&
          message.expiry >= nowSeconds,
      )
      .map(({ voucher }) => voucher);
  }

  summary(): EarningsSummary {
    let earned = 0n;
    let redeemed = 0n;
    for (const account of this.#accounts.values()) {
      earned += account.voucher.message.cumulativeAmount;
      redeemed += account.redeemedAmount;
    }
    const unredeemed = this.pending().reduce(
      (sum, voucher) =>
        sum + voucher.message.cumulativeAmount - this.#accounts.get(voucher.message.client)!.redeemedAmount,
      0n,
    );
    return { clients: this.#accounts.size, earned, redeemed, unredeemed };
  }

  /** Redeems every pending voucher in one transaction; undefined when nothing is pending. */
  async redeem(ctx: SignerContext): Promise<Redemption | undefined> {
    const vouchers = this.pending();
    if (vouchers.length === 0) return undefined;
    const amount = this.summary().unredeemed;
    const { hash } = await redeemVouchers(ctx, vouchers);
    for (const { message } of vouchers) {
      const account = this.#accounts.get(message.client)!;
      account.redeemedAmount = message.cumulativeAmount;
      account.redeemedNonce = message.nonce;
    }
    await this.#save();
    return { hash, vouchers: vouchers.length, amount };
  }

  /** Redeems when the unredeemed total reached `threshold` (gas is then amortized over many jobs). */
  async redeemIfDue(ctx: SignerContext, threshold: bigint): Promise<Redemption | undefined> {
    return this.summary().unredeemed >= threshold ? this.redeem(ctx) : undefined;
  }

  async #verify(input: unknown, acceptDelegate?: (signer: Address, voucher: Voucher) => Promise<boolean>) {
    let voucher: Awaited<ReturnType<typeof verifySignedMessage<'Voucher'>>>;
    try {
      voucher = await verifySignedMessage(this.domain, input, {
        kind: 'Voucher',
        maxLifetimeSeconds: 366 * 86_400,
        ...(acceptDelegate ? { acceptDelegate } : {}),
      });
    } catch (error) {
      if (isIdlegridError(error, 'MESSAGE_EXPIRED'))
        throw new IdlegridError('VOUCHER_EXPIRED', error.message, { cause: error });
      if (isIdlegridError(error, 'SIGNER_MISMATCH') || isIdlegridError(error, 'SIGNATURE_INVALID'))
        throw new IdlegridError('VOUCHER_SIGNATURE_INVALID', error.message, {
          cause: error,
          details: error.details,
        });
      throw error;
    }
    if (!isAddressEqual(voucher.message.provider, this.provider)) {
      throw new IdlegridError(
        'VOUCHER_WRONG_PROVIDER',
        `voucher is made out to ${voucher.message.provider}`,
        {
          details: { provider: voucher.message.provider, expected: this.provider },
        },
      );
    }
    return voucher;
  }

  /** Atomic (temp file + rename) and serialized, so concurrent payments never interleave writes. */
  #save(): Promise<void> {
    const snapshot = toWireJson({
      chainId: this.domain.chainId,
      paymentChannels: this.domain.verifyingContract,
      clients: [...this.#accounts.values()],
    });
    this.#writing = this.#writing
      .catch(() => undefined)
      .then(async () => {
        await mkdir(join(this.path, '..'), { recursive: true });
        await writeFile(`${this.path}.tmp`, snapshot);
        await rename(`${this.path}.tmp`, this.path);
      });
    return this.#writing;
  }
}
