import {
  type ChainPublicClient,
  type ChainWalletClient,
  publicClientFor,
  walletClientFor,
} from '@idlegrid/contracts';
import { type NetworkDomain, networkDomain } from '@idlegrid/protocol';
import type { Account } from 'viem';
import type { NetworkConfig } from './network-config.js';

/** What every chain action needs: the network, a reader, and (to write) a signer's wallet. */
export interface ChainContext {
  network: NetworkConfig;
  domain: NetworkDomain;
  public: ChainPublicClient;
}

export interface SignerContext extends ChainContext {
  wallet: ChainWalletClient;
}

export function connect(network: NetworkConfig): ChainContext;
export function connect(network: NetworkConfig, account: Account): SignerContext;
export function connect(network: NetworkConfig, account?: Account): ChainContext | SignerContext {
  const base = {
    network,
    domain: networkDomain(network.chainId, network.paymentChannels),
    public: publicClientFor(network.chainId, network.rpcUrl),
  };
  return account ? { ...base, wallet: walletClientFor(network.chainId, network.rpcUrl, account) } : base;
}
