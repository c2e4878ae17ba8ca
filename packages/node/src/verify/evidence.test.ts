import { networkDomain, signMessage } from '@idlegrid/protocol';
import { sampleMessages } from '@idlegrid/protocol/testing';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { evidenceBytes, evidenceHash, type SlashEvidence } from './evidence.js';

const domain = networkDomain(31337, '0x5FbDB2315678afecb367f032d93F642f64180aa3');

describe('slash evidence', () => {
  it('hashes reproducibly from its canonical form, and any change changes the hash', async () => {
    const account = privateKeyToAccount(generatePrivateKey());
    const sample = sampleMessages(account.address, 2_000_000_000n);
    const evidence: SlashEvidence = {
      jobId: sample.JobSpec.jobId as `0x${string}`,
      spec: await signMessage(account, domain, 'JobSpec', sample.JobSpec),
      accused: account.address,
      reason: 'wrong-answer',
      runs: [
        {
          provider: account.address,
          assignment: await signMessage(account, domain, 'Assignment', sample.Assignment),
          reveal: await signMessage(account, domain, 'ResultReveal', sample.ResultReveal),
          outcomeDigest: 'bafkrei-wrong',
        },
      ],
      verdict: { winningDigest: 'bafkrei-right', agreeing: [], dissenting: [account.address] },
    };
    // The same content with its keys in another order.
    const { verdict, ...rest } = evidence;
    const reordered: SlashEvidence = { verdict: verdict!, ...rest };
    expect(evidenceHash(reordered)).toBe(evidenceHash(evidence));
    expect(new TextDecoder().decode(evidenceBytes(evidence))).toContain('"accused"');
    const altered = { ...evidence, verdict: { ...evidence.verdict!, winningDigest: 'bafkrei-other' } };
    expect(evidenceHash(altered)).not.toBe(evidenceHash(evidence));
  });
});
