import { z } from 'zod';
import type { RequestOptions } from '../http/coordinator-client.js';
import { parseAnswer } from '../http/remote-error.js';
import type { ReadContext } from '../jobs/context.js';

const modelsSchema = z.object({
  data: z.array(
    z.object({
      id: z.string(),
      runtime: z.string(),
      cid: z.string(),
      providers: z.number(),
      /** GRID per thousand tokens, as an exact decimal; listed for LLMs only. */
      price_per_1k_tokens: z.string().optional(),
    }),
  ),
});

export type NetworkModel = z.output<typeof modelsSchema>['data'][number];

/** The models online providers serve (`GET /v1/models`): name, runtime, CID, how many serve it. */
export async function listModels(ctx: ReadContext, options: RequestOptions = {}): Promise<NetworkModel[]> {
  return parseAnswer(modelsSchema, await ctx.coordinator.getJson('/v1/models', options), 'GET /v1/models')
    .data;
}
