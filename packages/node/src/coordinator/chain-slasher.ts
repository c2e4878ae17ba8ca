import { publicClientFor, stakingAbi } from '@idlegrid/contracts';
import { connect, type NetworkConfig } from '@idlegrid/sdk';
import type { LocalAccount } from 'viem';
import { coordinatorRecord } from '../chain/coordinator-registry.js';
import { slash } from '../chain/slash.js';
import { slasherCheck } from '../chain/verifier-role.js';
import type { Slasher } from './punishment.js';

/**
 * Slashing through the Staking contract with the coordinator's own key, while the network
 * makes it a verifier and it is an active coordinator of the registry; else none (the
 * evidence is still stored and the provider still loses its reputation). The amount is the
 * job's stake floor (its value times the contract's current multiplier), what is left of the stake,
 * or the coordinator's own bond, whichever is least. Slashes are sent one after another.
 */
export function chainSlasher(network: NetworkConfig, account: LocalAccount): Slasher {
  // Asked at each slash: a coordinator may register, or be made a verifier, after it started.
  const maySlash = slasherCheck(network);
  const ctx = connect(network, account);
  const client = publicClientFor(network.chainId, network.rpcUrl);
  const slashOne: Slasher = async ({ provider, jobValue, evidenceHash, challenger }) => {
    if (!(await maySlash(account.address))) return undefined;
    const staking = { address: network.staking, abi: stakingAbi } as const;
    // The floor as it stands at this slash: governance may have changed it since the start.
    const [slashable, floorMultiplier] = await Promise.all([
      client.readContract({ ...staking, functionName: 'slashableStake', args: [provider] }),
      client.readContract({ ...staking, functionName: 'stakeFloorMultiplier' }),
    ]);
    // Staking refuses a slash above the slasher's own bond.
    const { bonded } = await coordinatorRecord(network, account.address);
    const amount = [jobValue * BigInt(floorMultiplier), slashable, bonded].reduce((a, b) => (a < b ? a : b));
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
