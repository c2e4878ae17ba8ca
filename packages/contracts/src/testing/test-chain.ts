import { type NetworkDomain, networkDomain, signMessage, type Voucher } from '@idlegrid/protocol';
import {
  type Account,
  type Address,
  type Chain,
  createTestClient,
  type Hex,
  http,
  parseEther,
  type TestClient,
  type Transport,
} from 'viem';
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts';
import { type Anvil, startAnvil } from '../chain/anvil.js';
import {
  type ChainPublicClient,
  type ChainWalletClient,
  chainOf,
  publicClientFor,
  walletClientFor,
} from '../chain/clients.js';
import { sendContractTx } from '../chain/send.js';
import { deployNetwork, type NetworkContracts } from '../deploy/deploy.js';
import { defaultParameters, type NetworkParameters } from '../deploy/parameters.js';
import { coordinatorRegistryAbi, gridTokenAbi } from '../generated/artifacts.js';

export interface Actor {
  account: PrivateKeyAccount;
  address: Address;
  wallet: ChainWalletClient;
}

export interface TestChain {
  anvil: Anvil;
  publicClient: ChainPublicClient;
  testClient: TestClient<'anvil', Transport, Chain>;
  contracts: NetworkContracts;
  params: NetworkParameters;
  domain: NetworkDomain;
  deployer: Actor;
  treasury: Actor;
  verifier: Actor;
  clientsOf(actor: Actor): { public: ChainPublicClient; wallet: ChainWalletClient };
  newActor(): Promise<Actor>;
  fundedActor(tokens: bigint): Promise<Actor>;
  transferTokens(from: Actor, to: Address, amount: bigint): Promise<void>;
  approve(owner: Actor, spender: Address, amount: bigint): Promise<void>;
  tokenBalance(address: Address): Promise<bigint>;
  now(): Promise<bigint>;
  increaseTime(seconds: bigint | number): Promise<void>;
  signVoucher(signer: Actor | PrivateKeyAccount, voucher: Voucher): Promise<Hex>;
  stop(): Promise<void>;
}

/**
 * A real anvil chain with freshly deployed contracts, for tests and benchmarks.
 * Actors are random keys funded with ETH (anvil_setBalance) and tokens from the treasury.
 */
export async function startTestChain(overrides: Partial<NetworkParameters> = {}): Promise<TestChain> {
  const anvil: Anvil = await startAnvil();
  const publicClient = publicClientFor(anvil.chainId, anvil.rpcUrl);
  const testClient: TestClient<'anvil', Transport, Chain> = createTestClient({
    mode: 'anvil',
    chain: chainOf(anvil.chainId, anvil.rpcUrl),
    transport: http(anvil.rpcUrl),
  });

  async function newActor(): Promise<Actor> {
    const account = privateKeyToAccount(generatePrivateKey());
    await testClient.setBalance({ address: account.address, value: parseEther('1000') });
    return {
      account,
      address: account.address,
      wallet: walletClientFor(anvil.chainId, anvil.rpcUrl, account as Account),
    };
  }

  const deployer = await newActor();
  const treasury = await newActor();
  const verifier = await newActor();
  const params = { ...defaultParameters(treasury.address, verifier.address), ...overrides };
  const contracts = await deployNetwork({ public: publicClient, wallet: deployer.wallet }, params);
  const domain = networkDomain(anvil.chainId, contracts.paymentChannels);
  const clientsOf = (actor: Actor) => ({ public: publicClient, wallet: actor.wallet });

  const chain: TestChain = {
    anvil,
    publicClient,
    testClient,
    contracts,
    params,
    domain,
    deployer,
    treasury,
    verifier,
    clientsOf,
    newActor,
    /** A new actor holding `tokens` from the treasury. */
    async fundedActor(tokens: bigint): Promise<Actor> {
      const actor = await newActor();
      if (tokens > 0n) await chain.transferTokens(treasury, actor.address, tokens);
      return actor;
    },
    async transferTokens(from: Actor, to: Address, amount: bigint) {
      await sendContractTx(clientsOf(from), {
        address: contracts.token,
        abi: gridTokenAbi,
        functionName: 'transfer',
        args: [to, amount],
      });
    },
    async approve(owner: Actor, spender: Address, amount: bigint) {
      await sendContractTx(clientsOf(owner), {
        address: contracts.token,
        abi: gridTokenAbi,
        functionName: 'approve',
        args: [spender, amount],
      });
    },
    tokenBalance(address: Address): Promise<bigint> {
      return publicClient.readContract({
        address: contracts.token,
        abi: gridTokenAbi,
        functionName: 'balanceOf',
        args: [address],
      });
    },
    async now(): Promise<bigint> {
      return (await publicClient.getBlock()).timestamp;
    },
    async increaseTime(seconds: bigint | number) {
      await testClient.increaseTime({ seconds: Number(seconds) });
      await testClient.mine({ blocks: 1 });
    },
    async signVoucher(signer: Actor | PrivateKeyAccount, voucher: Voucher): Promise<Hex> {
      const account = 'wallet' in signer ? signer.account : signer;
      return (await signMessage(account, domain, 'Voucher', voucher)).signature;
    },
    stop: () => anvil.stop(),
  };
  // The verifier slashes only as an active coordinator of the registry: bond it the minimum.
  await chain.transferTokens(treasury, verifier.address, params.coordinatorMinStake);
  await registerCoordinator(chain, verifier, params.coordinatorMinStake);
  return chain;
}

/** Bonds `amount` of the actor's tokens in the CoordinatorRegistry, with placeholder endpoints. */
export async function registerCoordinator(chain: TestChain, actor: Actor, amount: bigint): Promise<void> {
  await chain.approve(actor, chain.contracts.coordinatorRegistry, amount);
  await sendContractTx(chain.clientsOf(actor), {
    address: chain.contracts.coordinatorRegistry,
    abi: coordinatorRegistryAbi,
    functionName: 'register',
    args: [amount, `/ip4/127.0.0.1/tcp/4001/p2p/${actor.address}`, 'http://127.0.0.1:8080'],
  });
}
