import { type Address, encodeAbiParameters, type Hex, keccak256 } from 'viem';

/**
 * The commitment a provider signs in ResultCommit before anyone reveals. It binds the
 * provider's address, so a replica cannot copy another's commitment, and a random salt,
 * so the output cannot be guessed from the commitment.
 */
export function resultCommitment(args: { jobId: Hex; provider: Address; outputCid: string; salt: Hex }): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: 'bytes32' }, { type: 'address' }, { type: 'string' }, { type: 'bytes32' }],
      [args.jobId, args.provider, args.outputCid, args.salt],
    ),
  );
}
