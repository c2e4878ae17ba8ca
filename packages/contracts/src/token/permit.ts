import { type Address, type Hex, parseSignature, type TypedDataDefinition } from 'viem';

const PERMIT_TYPES = {
  Permit: [
    { name: 'owner', type: 'address' },
    { name: 'spender', type: 'address' },
    { name: 'value', type: 'uint256' },
    { name: 'nonce', type: 'uint256' },
    { name: 'deadline', type: 'uint256' },
  ],
} as const;

/** Anything that signs the permit: a local account, or a wallet client's hoisted account. */
export interface PermitSigner {
  address: Address;
  signTypedData(typedData: TypedDataDefinition<typeof PERMIT_TYPES, 'Permit'>): Promise<Hex>;
}

export interface PermitRequest {
  token: Address;
  chainId: number;
  spender: Address;
  value: bigint;
  /** The owner's current `nonces(owner)` on the token. */
  nonce: bigint;
  deadline: bigint;
}

/** Signs an EIP-2612 permit for GridToken (domain name "idlegrid", version "1"); returns v, r, s. */
export async function signPermit(owner: PermitSigner, request: PermitRequest) {
  const signature = await owner.signTypedData({
    domain: { name: 'idlegrid', version: '1', chainId: request.chainId, verifyingContract: request.token },
    types: PERMIT_TYPES,
    primaryType: 'Permit',
    message: {
      owner: owner.address,
      spender: request.spender,
      value: request.value,
      nonce: request.nonce,
      deadline: request.deadline,
    },
  });
  const { v, r, s } = parseSignature(signature);
  return { v: Number(v), r, s };
}
