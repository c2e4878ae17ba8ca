import { paymentChannelsAbi, stakingAbi, toIdlegridError } from '@idlegrid/contracts';
import { type Balances, type ChainContext, getBalances } from '@idlegrid/sdk';
import type { Address, Hex } from 'viem';

/** One event of the Staking or PaymentChannels contract, newest last. */
export interface LedgerEvent {
  contract: 'staking' | 'paymentChannels';
  name: string;
  blockNumber: bigint;
  transactionHash: Hex;
  /** The event's arguments as the ABI names them. */
  args: Record<string, unknown>;
}

/** A client's payment channel to one provider: what vouchers promise against what was redeemed. */
export interface ChannelView {
  client: Address;
  provider: Address;
  /** The latest voucher's cumulative amount (signed by the client, held by the provider). */
  vouchered: bigint;
  voucherNonce: bigint;
  /** What the provider has redeemed on-chain so far, and the nonce of its last redemption. */
  redeemed: bigint;
  redeemedNonce: bigint;
}

/** The latest voucher of a (client, provider) pair, as the coordinator forwarded it. */
export interface VoucherSeen {
  client: Address;
  provider: Address;
  cumulativeAmount: bigint;
  nonce: bigint;
}

export interface LedgerView {
  blockNumber: bigint;
  /** Balances of every account the network knows of: providers, clients, and any in an event. */
  accounts: Balances[];
  /** The latest events (deposits, stakes, redemptions, slashes...), at most `eventLimit`. */
  events: LedgerEvent[];
  channels: ChannelView[];
}

const EVENT_LIMIT = 200;

/**
 * What the chain says about the network: balances, stakes and channel deposits of the
 * accounts it knows, and the contracts' events since deployment. Read on demand, so the
 * dashboard shows the chain's truth rather than the coordinator's bookkeeping.
 */
export async function readLedger(
  chain: ChainContext,
  known: readonly Address[],
  vouchers: readonly VoucherSeen[],
  eventLimit = EVENT_LIMIT,
): Promise<LedgerView> {
  const fromBlock = BigInt(chain.network.deployBlock);
  let blockNumber: bigint;
  let events: LedgerEvent[];
  try {
    blockNumber = await chain.public.getBlockNumber();
    const [staking, channels] = await Promise.all([
      chain.public.getContractEvents({ address: chain.network.staking, abi: stakingAbi, fromBlock }),
      chain.public.getContractEvents({
        address: chain.network.paymentChannels,
        abi: paymentChannelsAbi,
        fromBlock,
      }),
    ]);
    events = [
      ...staking.map((log) => toEvent('staking', log)),
      ...channels.map((log) => toEvent('paymentChannels', log)),
    ].sort((a, b) => (a.blockNumber === b.blockNumber ? 0 : a.blockNumber < b.blockNumber ? -1 : 1));
  } catch (error) {
    throw toIdlegridError(error, 'read the ledger');
  }
  const addresses = new Set<Address>(known);
  for (const event of events) {
    for (const key of ['provider', 'client', 'challenger'] as const) {
      const value = event.args[key];
      if (typeof value === 'string') addresses.add(value as Address);
    }
  }
  const [accounts, channels] = await Promise.all([
    Promise.all([...addresses].map((address) => getBalances(chain, address))),
    Promise.all(vouchers.map((voucher) => channelOf(chain, voucher))),
  ]);
  return { blockNumber, accounts, events: events.slice(-eventLimit), channels };
}

async function channelOf(chain: ChainContext, voucher: VoucherSeen): Promise<ChannelView> {
  try {
    const [redeemed, redeemedNonce] = await chain.public.readContract({
      address: chain.network.paymentChannels,
      abi: paymentChannelsAbi,
      functionName: 'redemptionOf',
      args: [voucher.client, voucher.provider],
    });
    return {
      client: voucher.client,
      provider: voucher.provider,
      vouchered: voucher.cumulativeAmount,
      voucherNonce: voucher.nonce,
      redeemed,
      redeemedNonce: BigInt(redeemedNonce),
    };
  } catch (error) {
    throw toIdlegridError(error, 'read a redemption');
  }
}

interface DecodedLog {
  eventName: string;
  args: unknown;
  blockNumber: bigint | null;
  transactionHash: Hex | null;
}

function toEvent(contract: LedgerEvent['contract'], log: DecodedLog): LedgerEvent {
  return {
    contract,
    name: log.eventName,
    blockNumber: log.blockNumber ?? 0n,
    transactionHash: log.transactionHash ?? '0x',
    args: (log.args ?? {}) as Record<string, unknown>,
  };
}
