import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type SignerContext } from '@idlegrid/sdk';
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts';
import { loadConfig } from '../config/config.js';
import { ensureNetwork, type RunningNetwork } from './ensure-network.js';
import { fundFromFaucet } from './faucet.js';

export interface TestParty {
  account: PrivateKeyAccount;
  ctx: SignerContext;
}

export interface TestNetwork {
  net: RunningNetwork;
  dataDir: string;
  /** A fresh key with 1 ETH of gas and `tokens` from the faucet. */
  newParty(tokens: bigint): Promise<TestParty>;
  stop(): Promise<void>;
}

/** An embedded chain with deployed contracts in a temporary data directory (test support). */
export async function startTestNetwork(): Promise<TestNetwork> {
  const dataDir = await mkdtemp(join(tmpdir(), 'idlegrid-net-'));
  const net = await ensureNetwork(await loadConfig({ flags: { dataDir, chainPort: 0 }, env: {} }));
  return {
    net,
    dataDir,
    async newParty(tokens) {
      const account = privateKeyToAccount(generatePrivateKey());
      await fundFromFaucet(connect(net.network, net.funder), {
        to: account.address,
        eth: 10n ** 18n,
        tokens,
      });
      return { account, ctx: connect(net.network, account) };
    },
    async stop() {
      await net.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
