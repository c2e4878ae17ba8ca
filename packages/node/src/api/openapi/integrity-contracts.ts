import { z } from 'zod';
import type { RouteContract } from './route-contract.js';

const amount = z
  .string()
  .regex(/^[0-9]+$/)
  .describe('token base units, decimal');

const ringSchema = z.object({
  id: z.string(),
  members: z.array(z.string()),
  score: z.number().describe('-log10 of the chance that independent providers did this'),
  pairs: z.array(
    z.object({
      a: z.string(),
      b: z.string(),
      coRuns: z.int(),
      againstMajority: z.int(),
      log10P: z.number(),
    }),
  ),
  jobs: z.array(z.string()),
  opposed: z.array(z.string()),
  evidence: z.string(),
});

const washTradingSchema = z.object({
  client: z.string(),
  providers: z.array(z.string()),
  spend: amount,
  linkedSpend: amount,
  share: z.number(),
  returned: amount,
  score: z.number(),
  links: z.array(
    z.object({
      provider: z.string(),
      paid: amount,
      kind: z.enum(['circular', 'common-funder']),
      via: z.array(z.string()),
      transfers: z.array(z.string()),
      payments: z.array(z.string()),
    }),
  ),
  evidence: z.string(),
});

export const collusionAnswerSchema = z.object({
  scannedAt: z.int().describe('Unix ms of the scan; 0 before the first'),
  rings: z.array(ringSchema),
  washTrading: z.array(washTradingSchema),
});

export const INTEGRITY_CONTRACTS: readonly RouteContract[] = [
  {
    method: 'GET',
    path: '/v1/integrity/collusion',
    operationId: 'collusion',
    tag: 'network',
    summary: 'Suspected colluding rings and wash traders, with their evidence',
    description:
      'The latest scan of the agreement graph (who agreed with whom against the majority in checked jobs) and of the payment graph (vouchers and token transfers). Suspects lose half their reputation and are kept apart in placement; nobody is slashed on this alone. Method: docs/integrity.md.',
    requires: ['registry'],
    responses: {
      200: { description: 'The latest scan', content: { 'application/json': collusionAnswerSchema } },
    },
    errors: [],
  },
];
