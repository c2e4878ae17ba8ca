import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ONE_TOKEN, startAnvil } from '@idlegrid/contracts';
import { isIdlegridError } from '@idlegrid/protocol';
import { connect, getBalances, writeNetworkConfig } from '@idlegrid/sdk';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { mintGas } from './embedded-chain.js';
import { ensureNetwork } from './ensure-network.js';
import { fundFromFaucet } from './faucet.js';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'idlegrid-net-'));
});
afterEach(() => rm(dataDir, { recursive: true, force: true }));

const embeddedConfig = () => loadConfig({ flags: { dataDir, chainPort: 0 }, env: {} });

describe('ensureNetwork on the embedded chain', () => {
  it('deploys on first start, then reuses contracts and balances after a restart', async () => {
    const someone = privateKeyToAccount(generatePrivateKey()).address;
    const first = await ensureNetwork(await embeddedConfig());
    expect(first.deployed).toBe(true);
    expect(first.network.embedded).toBe(true);
    await fundFromFaucet(connect(first.network, first.funder), {
      to: someone,
      eth: 10n ** 18n,
      tokens: 42n * ONE_TOKEN,
    });
    await first.stop();

    const second = await ensureNetwork(await embeddedConfig());
    try {
      expect(second.deployed).toBe(false);
      expect(second.network.paymentChannels).toBe(first.network.paymentChannels);
      const balances = await getBalances(connect(second.network), someone);
      expect(balances.tokens).toBe(42n * ONE_TOKEN);
      expect(balances.eth).toBe(10n ** 18n);
      const saved = JSON.parse(await readFile(join(dataDir, 'network.json'), 'utf8'));
      expect(saved.rpcUrl).toBe(second.network.rpcUrl);
    } finally {
      await second.stop();
    }
  });

  it('redeploys when the chain state was lost', async () => {
    const first = await ensureNetwork(await embeddedConfig());
    await first.stop();
    await rm(join(dataDir, 'chain'), { recursive: true });
    const second = await ensureNetwork(await embeddedConfig());
    await second.stop();
    expect(second.deployed).toBe(true);
  });
});

describe('ensureNetwork on an external RPC endpoint', () => {
  it('deploys with the given key, reuses the deployment, and has no faucet', async () => {
    const external = await startAnvil();
    try {
      const deployer = generatePrivateKey();
      await mintGas(external, privateKeyToAccount(deployer).address, '100');
      const config = await loadConfig({
        flags: { dataDir, rpcUrl: external.rpcUrl, deployerKey: deployer },
        env: {},
      });
      const first = await ensureNetwork(config);
      expect(first).toMatchObject({ deployed: true, network: { embedded: false, rpcUrl: external.rpcUrl } });
      const again = await ensureNetwork(config);
      expect(again.deployed).toBe(false);
      const error = await fundFromFaucet(connect(again.network, again.funder), {
        to: again.funder.address,
        eth: 1n,
        tokens: 0n,
      }).catch((e: unknown) => e);
      expect(isIdlegridError(error, 'FAUCET_UNAVAILABLE')).toBe(true);
    } finally {
      await external.stop();
    }
  });

  it('refuses a network file whose contracts are missing on an external chain', async () => {
    const external = await startAnvil();
    try {
      const ghost = privateKeyToAccount(generatePrivateKey()).address;
      await writeNetworkConfig(dataDir, {
        rpcUrl: external.rpcUrl,
        chainId: external.chainId,
        token: ghost,
        staking: ghost,
        coordinatorRegistry: ghost,
        paymentChannels: ghost,
        governor: ghost,
        timelock: ghost,
        deployBlock: '1',
        embedded: false,
      });
      const config = await loadConfig({
        flags: { dataDir, rpcUrl: external.rpcUrl, deployerKey: generatePrivateKey() },
      });
      const error = await ensureNetwork(config).catch((e: unknown) => e);
      expect(isIdlegridError(error, 'CONTRACTS_NOT_DEPLOYED')).toBe(true);
    } finally {
      await external.stop();
    }
  });

  it('reports an unreachable chain clearly', async () => {
    const config = await loadConfig({
      flags: { dataDir, rpcUrl: 'http://127.0.0.1:9', deployerKey: generatePrivateKey() },
    });
    const error = await ensureNetwork(config).catch((e: unknown) => e);
    expect(isIdlegridError(error, 'CHAIN_UNAVAILABLE')).toBe(true);
  });
});
