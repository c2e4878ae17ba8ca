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
    const hash = await clients.wallet.writeContract(request as never);
    const receipt = await clients.public.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new Error(`transaction ${hash} reverted`);
    return { hash, receipt };
  } catch (error) {
    throw toIdlegridError(error, action);
  }
}
