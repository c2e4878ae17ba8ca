import type { Abi, ContractFunctionArgs, ContractFunctionName, Hash, TransactionReceipt } from 'viem';
import type { ChainPublicClient, ChainWalletClient } from './clients.js';
import { toIdlegridError } from './contract-errors.js';

export interface ContractWrite<
  TAbi extends Abi,
  TName extends ContractFunctionName<TAbi, 'nonpayable' | 'payable'>,
> {
  address: `0x${string}`;
  abi: TAbi;
  functionName: TName;
  args: ContractFunctionArgs<TAbi, 'nonpayable' | 'payable', TName>;
  /**
   * The block the simulation runs on. `pending` for calls whose outcome depends on the time:
   * a chain that mines only on demand (anvil) keeps `latest` at the last transaction's time,
   * while the transaction itself lands in a block of the current time.
   */
  blockTag?: 'latest' | 'pending';
}

export interface SentTransaction {
  hash: Hash;
  receipt: TransactionReceipt;
}

/**
 * Simulates (so reverts surface as decoded custom errors with stable codes), sends,
 * and waits for the receipt. The one way every module writes to a contract.
 */
export async function sendContractTx<
  const TAbi extends Abi,
  TName extends ContractFunctionName<TAbi, 'nonpayable' | 'payable'>,
>(
  clients: { public: ChainPublicClient; wallet: ChainWalletClient },
  call: ContractWrite<TAbi, TName>,
): Promise<SentTransaction> {
  const action = String(call.functionName);
  try {
    const { request } = await clients.public.simulateContract({
      ...(call as object),
      account: clients.wallet.account,
    } as never);
    const gas = await clients.public.estimateContractGas(request as never);
    const hash = await clients.wallet.writeContract({
      ...(request as object),
      gas: withGasMargin(gas),
    } as never);
    const receipt = await clients.public.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new Error(`transaction ${hash} reverted`);
    return { hash, receipt };
  } catch (error) {
    throw toIdlegridError(error, action);
  }
}

/**
 * The estimate plus room for what can change before the transaction is mined. GridToken's
 * votes are checkpointed by timestamp: estimated within one second, a transfer updates the
 * last checkpoint in place; mined in the next, it appends a new one, which costs ~20k gas
 * more for each of the sender's and the receiver's delegates. An exact estimate then runs
 * out of gas. Unused gas is refunded, so the margin costs nothing.
 */
export function withGasMargin(estimate: bigint): bigint {
  return estimate + estimate / 5n + 50_000n;
}
