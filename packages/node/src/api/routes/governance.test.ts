import { connect } from '@idlegrid/sdk';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNetwork, type TestNetwork } from '../../chain/test-network.js';
import { proposeParameter } from '../../governance/propose-with-forecast.js';
import { governanceRoutes } from './governance.js';

let net: TestNetwork;
beforeAll(async () => {
  net = await startTestNetwork();
});
afterAll(() => net?.stop());

describe('GET /v1/governance', () => {
  it('shows the parameters in force and each proposal with its forecast rows', async () => {
    const app = Fastify();
    governanceRoutes(app, { chain: connect(net.net.network) });
    const before = (await app.inject({ method: 'GET', url: '/v1/governance' })).json();
    expect(before).toMatchObject({
      governor: net.net.network.governor,
      parameters: { feeBps: 100, stakeFloorMultiplier: 10, defaultVerification: { kind: 'none' } },
      proposals: [],
    });
    const proposal = await proposeParameter(connect(net.net.network, net.net.funder), {
      param: 'stake-floor-multiple',
      value: '20',
      text: 'Make cheating dearer.',
      settings: {
        seed: 2,
        providers: 60,
        jobs: 300,
        spanHours: 2,
        verificationJobs: 600,
        adversarialShare: 0.1,
      },
    });
    const after = (await app.inject({ method: 'GET', url: '/v1/governance' })).json();
    expect(after.proposals).toHaveLength(1);
    const [listed] = after.proposals;
    expect(listed).toMatchObject({
      id: proposal.proposalId.toString(),
      state: 'pending',
      title: 'Set stake-floor-multiple to 20 (now 10)',
      forecast: { intact: true },
    });
    expect(listed.description).toBeUndefined();
    const reward = listed.forecast.rows.find((row: { label: string }) =>
      row.label.startsWith("challenger's reward"),
    );
    expect(reward).toMatchObject({ now: '5.00', proposed: '10.00', change: '+5.00' });
    await app.close();
  });
});
