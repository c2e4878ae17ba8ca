import { IdlegridError, type NetworkDomain, verifySignedMessage } from '@idlegrid/protocol';
import type { Hex } from 'viem';
import { type FlTrainer, settingsOf } from './provider-trainer.js';
import { secAggRange } from './round-noise.js';
import {
  type EncryptedShare,
  encodeMaskedInput,
  type KeyAdvertisement,
  SecAggClient,
  type UnmaskShares,
} from './secure-aggregation/index.js';
import type { FlMaskRequest } from './wire.js';

/** How long a provider keeps a round's secrets waiting for its next stage. */
const SESSION_MS = 10 * 60_000;

interface Session {
  client: SecAggClient;
  runId: string;
  expiresAt: number;
}

/**
 * A provider's secure-aggregation rounds (SecAgg+): one SecAggClient per round, kept from its
 * key advertisement to its unmasking, then dropped with its secrets. The coordinator relays
 * every stage; the provider trains at the masking stage and sends only the masked update.
 */
export class FlSecAggSessions {
  readonly #sessions = new Map<string, Session>();

  constructor(
    private readonly deps: {
      trainer: FlTrainer;
      privateKey: Hex;
      domain: NetworkDomain;
      now: () => number;
      /** The `fl-drop` adversary: vanishes after sharing its keys (tests of dropouts). */
      dropAfterShares?: boolean;
    },
  ) {}

  async advertise(body: {
    run: unknown;
    round: number;
    config: ConstructorParameters<typeof SecAggClient>[0]['config'];
  }): Promise<KeyAdvertisement> {
    this.#sweep();
    const { message: run } = await verifySignedMessage(this.deps.domain, body.run, { kind: 'FlRun' });
    const settings = settingsOf(run);
    if (!settings.secureAggregation)
      throw new IdlegridError('FL_RUN_INVALID', 'this run did not ask for secure aggregation');
    // The update is clipped to the run's norm (plus its noise share): the fixed-point range.
    if (body.config.range !== secAggRange(settings))
      throw new IdlegridError('FL_RUN_INVALID', "the round's fixed-point range is not the run's clip");
    if (!body.config.roundId.startsWith(`${run.runId.toLowerCase()}/${body.round}/`))
      throw new IdlegridError('FL_RUN_INVALID', 'the round id is not of this run and round');
    if (this.#sessions.has(body.config.roundId))
      throw new IdlegridError('SECAGG_FAILED', `round ${body.config.roundId} has keys already`);
    const client = new SecAggClient({ privateKey: this.deps.privateKey, config: body.config });
    this.#sessions.set(body.config.roundId, {
      client,
      runId: run.runId.toLowerCase(),
      expiresAt: this.deps.now() + SESSION_MS,
    });
    return client.advertise();
  }

  share(body: { roundId: string; adverts: KeyAdvertisement[] }): Promise<EncryptedShare[]> {
    return this.#session(body.roundId).client.shareKeys(body.adverts);
  }

  async mask(body: FlMaskRequest, signal?: AbortSignal) {
    const session = this.#session(body.roundId);
    if (this.deps.dropAfterShares) await vanish(signal);
    const local = await this.deps.trainer.localUpdate(body.train, signal);
    if (local.run.runId.toLowerCase() !== session.runId)
      throw new IdlegridError('FL_RUN_INVALID', 'the training asked for is of another run');
    const masked = session.client.maskInput(local.update, body.incoming as EncryptedShare[]);
    const bytes = new Uint8Array(masked.buffer, masked.byteOffset, masked.byteLength);
    return {
      masked: encodeMaskedInput(masked),
      signed: await this.deps.trainer.receipt(local.run, body.train.round, bytes, local.examples),
      loss: local.loss,
    };
  }

  unmask(body: { roundId: string; survivors: string[]; dropped: string[] }): UnmaskShares {
    const session = this.#session(body.roundId);
    // Kept until it expires: the client answers the same request again (a retry), no other.
    return session.client.unmask(body.survivors, body.dropped);
  }

  #session(roundId: string): Session {
    const session = this.#sessions.get(roundId);
    if (!session) throw new IdlegridError('SECAGG_FAILED', `no secure-aggregation round ${roundId} here`);
    return session;
  }

  #sweep(): void {
    const now = this.deps.now();
    for (const [id, session] of this.#sessions) if (session.expiresAt < now) this.#sessions.delete(id);
  }
}

/** Never answers: as a provider that went away (until the coordinator gives up on the request). */
function vanish(signal?: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal?.addEventListener('abort', () =>
      reject(new IdlegridError('ABORTED', 'the round went on without us')),
    );
  });
}
