import { IdlegridError, isIdlegridError } from '@idlegrid/protocol';
import type { z } from 'zod';
import type { IncomingMessage, MessageChannel } from '../p2p/api.js';
import type { ProviderEvent } from '../provider/api.js';
import type { FlSecAggSessions } from './provider-secagg.js';
import type { FlTrainer } from './provider-trainer.js';
import {
  FL_MESSAGES,
  flAdvertiseRequestSchema,
  flMaskRequestSchema,
  flShareRequestSchema,
  flTrainRequestSchema,
  flUnmaskRequestSchema,
} from './wire.js';

/** The provider's federated side: trains rounds, plain or under secure aggregation. */
export interface FlParticipant {
  trainer: FlTrainer;
  secAgg: FlSecAggSessions;
}

export interface FlHandlerDeps {
  channel: MessageChannel;
  /** Built on the first request: most providers never train, and its modules slow every start. */
  participant: () => Promise<FlParticipant>;
  /** Whether a peer may ask for rounds: the coordinator joined, or a registered one. */
  trusted: (from: IncomingMessage['from']) => Promise<boolean>;
  available: () => boolean;
  emit: (event: ProviderEvent) => void;
}

/** A provider's side of federated runs: plain rounds, and the four stages of secure ones. */
export function registerFlHandlers(deps: FlHandlerDeps): () => void {
  const handle = <S extends z.ZodType>(
    type: string,
    schema: S,
    run: (body: z.output<S>, signal: AbortSignal) => unknown,
  ) =>
    deps.channel.handle(type, async ({ from, body }, { signal }) => {
      try {
        if (!(await deps.trusted(from)))
          throw new IdlegridError(
            'ASSIGNMENT_INVALID',
            'federated rounds are taken only from the coordinator we joined or a registered one',
          );
        if (!deps.available())
          throw new IdlegridError('PROVIDER_UNAVAILABLE', "outside this provider's availability");
        const parsed = schema.safeParse(body);
        if (!parsed.success) throw new IdlegridError('MESSAGE_INVALID', `a malformed ${type} request`);
        return await run(parsed.data, signal);
      } catch (error) {
        deps.emit({
          type: 'fl.refused',
          code: isIdlegridError(error) ? error.code : 'INTERNAL',
          reason: error instanceof Error ? error.message : String(error),
        });
        throw error;
      }
    });
  const trained = (answer: { signed: { message: Record<string, unknown> } }, round: number) => {
    const receipt = answer.signed.message as { runId: string; examples: number };
    deps.emit({ type: 'fl.round', runId: receipt.runId, round, examples: receipt.examples });
    return answer;
  };
  const removers = [
    handle(FL_MESSAGES.train, flTrainRequestSchema, async (body, signal) =>
      trained(await (await deps.participant()).trainer.train(body, signal), body.round),
    ),
    handle(FL_MESSAGES.advertise, flAdvertiseRequestSchema, async (body) =>
      (await deps.participant()).secAgg.advertise(body),
    ),
    handle(FL_MESSAGES.share, flShareRequestSchema, async (body) =>
      (await deps.participant()).secAgg.share(body as never),
    ),
    handle(FL_MESSAGES.mask, flMaskRequestSchema, async (body, signal) =>
      trained(await (await deps.participant()).secAgg.mask(body, signal), body.train.round),
    ),
    handle(FL_MESSAGES.unmask, flUnmaskRequestSchema, async (body) =>
      (await deps.participant()).secAgg.unmask(body),
    ),
  ];
  return () => {
    for (const remove of removers) remove();
  };
}
