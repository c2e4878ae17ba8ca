import { isIdlegridError, localAccount, type ResultManifest, signMessage } from '@idlegrid/protocol';
import {
  encryptArtifact,
  jobSalt,
  newArtifactKey,
  publicKeyOf,
  sealLeaseSecrets,
} from '@idlegrid/protocol/privacy';
import type { JobResult } from '@idlegrid/sdk';
import { openPrivateResult } from '@idlegrid/sdk/privacy';
import { type Hex, toHex } from 'viem';
import { generatePrivateKey } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { testDomain } from '../api/testing.js';
import { outputOf } from './job-runner.js';
import { LeaseKeyInbox, privateArtifacts, sealOutput } from './private-runs.js';

const JOB = `0x${'ab'.repeat(32)}` as Hex;
const text = (s: string) => new TextEncoder().encode(s);

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'no error',
    (error: unknown) => (isIdlegridError(error) ? error.code : String(error)),
  );
}

function setting() {
  const clientKey = generatePrivateKey();
  const providerKey = generatePrivateKey();
  const client = localAccount(clientKey);
  const provider = localAccount(providerKey).address;
  const inbox = new LeaseKeyInbox({ domain: testDomain, privateKey: providerKey, provider });
  const inputKey = newArtifactKey();
  const secrets = {
    salt: jobSalt(clientKey, JOB),
    replyKey: toHex(publicKeyOf(clientKey)),
    keys: { bafkreiinput: toHex(inputKey) },
  };
  const keysFrom = (signer = client, forProvider = provider) =>
    signMessage(signer, testDomain, 'LeaseKeys', {
      client: signer.address,
      jobId: JOB,
      provider: forProvider,
      secrets: sealLeaseSecrets(secrets, publicKeyOf(providerKey), { jobId: JOB, provider: forProvider }),
      nonce: 1n,
      expiry: BigInt(Math.floor(Date.now() / 1000) + 60),
    });
  return { clientKey, client, provider, inbox, inputKey, secrets, keysFrom };
}

describe("a provider's private runs", () => {
  it("takes the lease's keys from the job's client only, and gives them to the waiting run", async () => {
    const { client, inbox, secrets, keysFrom } = setting();
    // Not expected yet: refused.
    expect(await codeOf(inbox.accept(await keysFrom()))).toBe('LEASE_NOT_FOUND');
    inbox.expect(JOB, client.address);
    const waiting = inbox.waitFor(JOB, new AbortController().signal, 5_000);
    const stranger = localAccount(generatePrivateKey());
    expect(await codeOf(inbox.accept(await keysFrom(stranger)))).toBe('LEASE_NOT_FOUND');
    await inbox.accept(await keysFrom());
    expect(await waiting).toEqual(secrets);
    inbox.discard(JOB);
    expect(await codeOf(inbox.waitFor(JOB, new AbortController().signal, 10))).toBe('LEASE_NOT_FOUND');
  });

  it('fails a run whose keys never come with LEASE_KEYS_MISSING', async () => {
    const { client, inbox } = setting();
    inbox.expect(JOB, client.address);
    expect(await codeOf(inbox.waitFor(JOB, new AbortController().signal, 20))).toBe('LEASE_KEYS_MISSING');
  });

  it('opens sealed inputs in memory, and seals outputs that only the client opens, checked against the outcome', async () => {
    const { clientKey, inputKey, secrets } = setting();
    const sealedInput = await encryptArtifact(inputKey, text('secret input'));
    const fetched = { bytes: async () => sealedInput, file: async () => '/nowhere' };
    const view = privateArtifacts(fetched, secrets);
    const signal = new AbortController().signal;
    expect(new TextDecoder().decode(await view.bytes('bafkreiinput', signal))).toBe('secret input');
    // An artifact the lease has no key for comes as it is, as a file too (public model weights);
    // a sealed one is never opened to a file.
    expect(await view.bytes('bafkreiother', signal)).toBe(sealedInput);
    expect(await view.file('bafkreimodel', signal)).toBe('/nowhere');
    expect(await codeOf(view.file('bafkreiinput', signal))).toBe('PRIVACY_UNSUPPORTED');

    const plain = outputOf(JOB, {
      exitCode: 0,
      stdout: text('secret output\n'),
      stderr: text(''),
      stdoutTruncated: false,
      stderrTruncated: false,
      durationMs: 5,
    });
    const sealed = await sealOutput(plain, secrets);
    expect(Buffer.from(sealed.stdout).includes(Buffer.from('secret output'))).toBe(false);
    const result = (manifest: ResultManifest): JobResult => ({
      jobId: JOB,
      exitCode: manifest.exitCode,
      stdout: sealed.stdout,
      stderr: sealed.stderr,
      stdoutTruncated: manifest.stdoutTruncated,
      stderrTruncated: manifest.stderrTruncated,
      durationMs: manifest.durationMs,
      manifestCid: 'bafkreimanifest',
      ...(manifest.sealed ? { sealed: manifest.sealed } : {}),
    });
    const opened = await openPrivateResult(result(sealed.manifest), clientKey, secrets.salt);
    expect(new TextDecoder().decode(opened.stdout)).toBe('secret output\n');
    // Another outcome than the one its runs agreed on, another key, no seal: refused.
    const otherOutcome = { ...sealed.manifest, exitCode: 1 };
    expect(await codeOf(openPrivateResult(result(otherOutcome), clientKey, secrets.salt))).toBe(
      'RESULT_INVALID',
    );
    expect(await codeOf(openPrivateResult(result(sealed.manifest), generatePrivateKey(), secrets.salt))).toBe(
      'KEY_UNWRAP_FAILED',
    );
    const { sealed: _, ...unsealed } = sealed.manifest;
    expect(await codeOf(openPrivateResult(result(unsealed), clientKey, secrets.salt))).toBe('RESULT_INVALID');
  });
});
