import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { ProviderRegistry } from '../../coordinator/provider-registry.js';
import { detectWashTrading } from '../../integrity/wash-trading/detect-wash-trading.js';
import { FlowGraph } from '../../integrity/wash-trading/flow-graph.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import { collusionAnswerSchema } from '../openapi/integrity-contracts.js';
import { integrityRoutes } from './integrity.js';

describe('GET /v1/integrity/collusion', () => {
  it('answers the latest scan, with amounts as decimal strings, as its contract says', async () => {
    const registry = new ProviderRegistry(15_000, new Scheduler({ policy: 'learned' }));
    const app = Fastify();
    integrityRoutes(app, { registry });
    const empty = (await app.inject({ method: 'GET', url: '/v1/integrity/collusion' })).json();
    expect(empty).toEqual({ scannedAt: 0, rings: [], washTrading: [] });

    const washTrading = detectWashTrading(
      new FlowGraph([
        { from: 'wash', to: 'sock', amount: 10n ** 20n, kind: 'payment', ref: 'voucher wash -> sock #3' },
        { from: 'sock', to: 'wash', amount: 10n ** 19n, kind: 'transfer', ref: '0xabc' },
      ]),
    );
    const ring = {
      id: 'a',
      members: ['a', 'b', 'c'],
      score: 12.5,
      pairs: [{ a: 'a', b: 'b', coRuns: 4, againstMajority: 4, log10P: -8 }],
      jobs: ['0x01'],
      opposed: ['d'],
      evidence: 'three providers agreed against the majority',
    };
    registry.collusion.update({ scannedAt: 1_700_000_000_000, rings: [ring], washTrading });
    const answer = await app.inject({ method: 'GET', url: '/v1/integrity/collusion' });
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    const body = collusionAnswerSchema.parse(answer.json());
    expect(body.rings).toEqual([ring]);
    expect(body.washTrading[0]).toMatchObject({
      client: 'wash',
      spend: '100000000000000000000',
      returned: '10000000000000000000',
      links: [
        { provider: 'sock', kind: 'circular', transfers: ['0xabc'], payments: ['voucher wash -> sock #3'] },
      ],
    });
  });
});
