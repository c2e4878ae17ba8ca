import { publicClientFor, stakingAbi } from '@idlegrid/contracts';
import { connect, type NetworkConfig } from '@idlegrid/sdk';
import type { LocalAccount } from 'viem';
import { slash } from '../chain/slash.js';
import { isVerifier } from '../chain/verifier-role.js';
import type { Slasher } from './punishment.js';

/**
 * Slashing through the Staking contract with the coordinator's own key, if the network made
 * it a verifier; else none (the evidence is still stored and the provider still loses its
 * reputation). The amount is the job's stake floor (its value times the contract's
 * multiplier), or what is left of the stake. Slashes are sent one after another.
 */
export async function chainSlasher(
  network: NetworkConfig,
  account: LocalAccount,
  floorMultiplier: number,
): Promise<Slasher | undefined> {
  if (!(await isVerifier(network, account.address))) return undefined;
  const ctx = connect(network, account);
  const client = publicClientFor(network.chainId, network.rpcUrl);
  const slashOne: Slasher = async ({ provider, jobValue, evidenceHash, challenger }) => {
    const slashable = await client.readContract({
      address: network.staking,
      abi: stakingAbi,
      functionName: 'slashableStake',
      args: [provider],
    });
    const floor = jobValue * BigInt(floorMultiplier);
    const amount = floor < slashable ? floor : slashable;
    if (amount === 0n) return undefined;
    return (await slash(ctx, { provider, amount, evidenceHash, challenger })).hash;
  };
  // One at a time: concurrent verdicts would race for the key's nonce and read stale stakes.
  let queue: Promise<unknown> = Promise.resolve();
  return (args) => {
    const next = queue.then(() => slashOne(args));
    queue = next.catch(() => {});
    return next;
  };
}
