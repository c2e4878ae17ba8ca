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

const sybilClusterSchema = z.object({
  members: z.array(z.string()),
  score: z
    .number()
    .describe('the mean probability, over the pairs linking the cluster, that a pair shares one machine'),
  evidence: z.array(z.object({ feature: z.string(), value: z.number(), reason: z.string() })),
});

export const sybilAnswerSchema = z.object({
  at: z.int().describe('Unix ms of the latest pass; 0 before the first'),
  clusters: z.array(sybilClusterSchema),
  challenged: z.array(z.object({ members: z.array(z.string()), at: z.int(), failed: z.array(z.string()) })),
});

export const INTEGRITY_CONTRACTS: readonly RouteContract[] = [
  {
    method: 'GET',
    path: '/v1/integrity/sybil',
    operationId: 'sybilClusters',
    tag: 'network',
    summary: 'Suspected sybil clusters (several identities on one machine), with their evidence',
    description:
      'The sybil model scores pairs of providers on shared hosts, round trips, heartbeat timing, telemetry and simultaneous proof-of-hardware challenges, and joins likely pairs into clusters. A suspected cluster gets the work of one machine. Method: docs/integrity.md.',
    requires: ['registry'],
    responses: {
      200: { description: 'The latest pass', content: { 'application/json': sybilAnswerSchema } },
    },
    errors: [],
  },
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
