import type { Address, TypedDataDomain } from 'viem';

export const DOMAIN_NAME = 'idlegrid';
export const DOMAIN_VERSION = '1';

export interface NetworkDomain extends TypedDataDomain {
  name: typeof DOMAIN_NAME;
  version: typeof DOMAIN_VERSION;
  chainId: number;
  verifyingContract: Address;
}

/**
 * The EIP-712 domain of a network: bound to its chain id and to its PaymentChannels
 * contract, so a message signed for one network (or chain) is invalid on any other.
 * It equals the contract's own domain, so vouchers verify on-chain unchanged.
 */
export function networkDomain(chainId: number, paymentChannels: Address): NetworkDomain {
  return { name: DOMAIN_NAME, version: DOMAIN_VERSION, chainId, verifyingContract: paymentChannels };
}
