import { cidOfBytes, IdlegridError, type NetworkDomain, verifySignedMessage } from '@idlegrid/protocol';
import {
  decryptArtifact,
  encryptArtifact,
  type LeaseSecrets,
  newArtifactKey,
  openLeaseSecrets,
  type PlainOutcome,
  privateOutcome,
  sha256Hex,
  wrapKey,
} from '@idlegrid/protocol/privacy';
import { type Address, type Hex, hexToBytes } from 'viem';
import type { JobOutput } from './job-runner.js';
import type { ArtifactAccess } from './runtime-set.js';

interface Expected {
  client: Address;
  secrets?: LeaseSecrets;
  arrived?: (secrets: LeaseSecrets) => void;
}

/**
 * The secrets of this provider's private leases (see `@idlegrid/protocol/privacy`,
 * private-jobs.ts), held in memory only, from the assignment to the end of the run.
 * A lease is expected when its assignment is accepted; its keys come from the coordinator
 * (`job.keys`), signed by the job's client and sealed to this provider for this job.
 */
export class LeaseKeyInbox {
  readonly #expected = new Map<string, Expected>();

  constructor(private readonly deps: { domain: NetworkDomain; privateKey: Hex; provider: Address }) {}

  /** A private job was assigned here: its client's keys are accepted from now on. */
  expect(jobId: string, client: Address): void {
    // An assignment repeated while the lease runs keeps the lease's entry (and a waiting run's).
    if (!this.#expected.has(jobId.toLowerCase())) this.#expected.set(jobId.toLowerCase(), { client });
  }

  /** A `job.keys` body: checked (signed by the job's client, for this provider) and opened. */
  async accept(signed: unknown): Promise<void> {
    const { message } = await verifySignedMessage(this.deps.domain, signed, { kind: 'LeaseKeys' });
    const expected = this.#expected.get(message.jobId.toLowerCase());
    if (!expected || expected.client !== message.client || message.provider !== this.deps.provider) {
      throw new IdlegridError(
        'LEASE_NOT_FOUND',
        `no private lease of job ${message.jobId} waits here for these keys`,
      );
    }
    const secrets = openLeaseSecrets(message.secrets as Hex, this.deps.privateKey, {
      jobId: message.jobId,
      provider: this.deps.provider,
    });
    expected.secrets = secrets;
    expected.arrived?.(secrets);
  }

  /** The lease's secrets once they came; LEASE_KEYS_MISSING after `timeoutMs` without them. */
  waitFor(jobId: string, signal: AbortSignal, timeoutMs: number): Promise<LeaseSecrets> {
    const expected = this.#expected.get(jobId.toLowerCase());
    if (!expected)
      return Promise.reject(new IdlegridError('LEASE_NOT_FOUND', `job ${jobId} is not private here`));
    if (expected.secrets) return Promise.resolve(expected.secrets);
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', aborted);
        delete expected.arrived;
      };
      const aborted = () => {
        done();
        reject(signal.reason);
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new IdlegridError(
            'LEASE_KEYS_MISSING',
            `the client of job ${jobId} sent no keys within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      signal.addEventListener('abort', aborted, { once: true });
      expected.arrived = (secrets) => {
        done();
        resolve(secrets);
      };
    });
  }

  /** The lease is over: its secrets are forgotten. */
  discard(jobId: string): void {
    this.#expected.delete(jobId.toLowerCase());
  }
}

/**
 * A private run's view of its artifacts: each one the lease has a key for arrives sealed (only
 * the ciphertext is fetched, inline or downloaded, and cached) and is opened here, in memory.
 * Only artifacts stored in the clear (a WASM module, public model weights) are read as files:
 * a sealed one opened to disk would leave its plaintext there.
 */
export function privateArtifacts(artifacts: ArtifactAccess, secrets: LeaseSecrets): ArtifactAccess {
  return {
    bytes: async (cid, signal) => {
      const sealed = await artifacts.bytes(cid, signal);
      const key = secrets.keys[cid];
      if (!key) return sealed;
      return (await decryptArtifact(hexToBytes(key), sealed)).plaintext;
    },
    file: (cid, signal) =>
      secrets.keys[cid]
        ? Promise.reject(
            new IdlegridError('PRIVACY_UNSUPPORTED', `sealed artifact ${cid} is not opened to a file`),
          )
        : artifacts.file(cid, signal),
  };
}

/**
 * Seals a private run's outputs: stdout and stderr as envelopes under one fresh key wrapped to the
 * client's reply key, and the salted commitment to the plain outcome that runs are compared on.
 */
export async function sealOutput(output: JobOutput, secrets: LeaseSecrets): Promise<JobOutput> {
  const { manifest } = output;
  const key = newArtifactKey();
  try {
    const [stdout, stderr] = await Promise.all([
      encryptArtifact(key, output.stdout),
      encryptArtifact(key, output.stderr),
    ]);
    const plain: PlainOutcome = {
      exitCode: manifest.exitCode,
      stdoutSha256: sha256Hex(output.stdout),
      stdoutTruncated: manifest.stdoutTruncated,
      errorCode: manifest.errorCode ?? '',
    };
    return {
      stdout,
      stderr,
      manifest: {
        ...manifest,
        stdoutCid: cidOfBytes(stdout),
        stderrCid: cidOfBytes(stderr),
        sealed: {
          outcome: privateOutcome(secrets.salt, plain),
          key: wrapKey(key, hexToBytes(secrets.replyKey)),
        },
      },
    };
  } finally {
    key.fill(0);
  }
}
