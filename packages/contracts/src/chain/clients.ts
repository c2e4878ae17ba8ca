import {
  type Account,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem';

export type ChainPublicClient = PublicClient<Transport, Chain>;
export type ChainWalletClient = WalletClient<Transport, Chain, Account>;

export function chainOf(chainId: number, rpcUrl: string): Chain {
  return defineChain({
    id: chainId,
    name: chainId === 31337 ? 'idlegrid localnet' : `chain ${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

/** One JSON-RPC endpoint as viem clients; polling is fast because local blocks are instant. */
export function publicClientFor(chainId: number, rpcUrl: string): ChainPublicClient {
  return createPublicClient({
    chain: chainOf(chainId, rpcUrl),
    transport: http(rpcUrl),
    pollingInterval: 50,
  });
}

export function walletClientFor(chainId: number, rpcUrl: string, account: Account): ChainWalletClient {
  return createWalletClient({
    chain: chainOf(chainId, rpcUrl),
    transport: http(rpcUrl),
    account,
    pollingInterval: 50,
  });
}
