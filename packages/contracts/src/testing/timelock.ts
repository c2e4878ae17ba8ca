import { parseEther } from 'viem';
import { walletClientFor } from '../chain/clients.js';
import type { Actor, TestChain } from './test-chain.js';

/**
 * The governance timelock as a signer (anvil impersonation): what an executed proposal does,
 * without the days of a vote. For tests of what a parameter change does downstream.
 */
export async function timelockActor(chain: TestChain): Promise<Actor> {
  const address = chain.contracts.timelock;
  await chain.testClient.impersonateAccount({ address });
  await chain.testClient.setBalance({ address, value: parseEther('10') });
  const account = { address, type: 'json-rpc' } as const;
  return {
    address,
    account: account as never,
    wallet: walletClientFor(chain.anvil.chainId, chain.anvil.rpcUrl, account),
  };
}
