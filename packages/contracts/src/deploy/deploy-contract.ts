import { getAddress, type Hex } from 'viem';
import type { ChainPublicClient, ChainWalletClient } from '../chain/clients.js';
import { toIdlegridError } from '../chain/contract-errors.js';

export interface Clients {
  public: ChainPublicClient;
  wallet: ChainWalletClient;
}

/** Deploys one contract and waits for it; failures carry stable codes. */
export async function deployContract(
  clients: Clients,
  name: string,
  abi: readonly unknown[],
  bytecode: Hex,
  args: unknown[],
) {
  try {
    const hash = await clients.wallet.deployContract({ abi, bytecode, args } as never);
    const receipt = await clients.public.waitForTransactionReceipt({ hash });
    if (!receipt.contractAddress || receipt.status !== 'success')
      throw new Error(`${name} deployment reverted`);
    return { address: getAddress(receipt.contractAddress), block: receipt.blockNumber };
  } catch (error) {
    throw toIdlegridError(error, `deploy ${name}`);
  }
}
