import { describe, expect, it } from 'vitest';
import type { NetworkParameterValues } from '../api.js';
import { parseDescription, proposalDescription } from '../proposal-text.js';
import { forecastChange } from './forecast.js';

const NOW: NetworkParameterValues = {
  feeBps: 100,
  stakeFloorMultiplier: 10,
  unbondingDelaySeconds: 7 * 86_400,
  challengerShareBps: 5_000,
  defaultVerification: { kind: 'sample', probability: 0.05 },
};
const SMALL = {
  seed: 5,
  providers: 100,
  jobs: 600,
  spanHours: 2,
  verificationJobs: 1_500,
  adversarialShare: 0.1,
};

describe('governance forecast', () => {
  it('is the same for the same inputs, and the same on both sides when nothing changes', () => {
    const forecast = forecastChange(NOW, NOW, SMALL);
    expect(forecast.proposed.outlook).toEqual(forecast.now.outlook);
    expect(forecastChange(NOW, NOW, SMALL)).toEqual(forecast);
  });

  it('moves earnings from providers to the treasury under a higher fee, the client paying the same', () => {
    const { now, proposed } = forecastChange(NOW, { ...NOW, feeBps: 300 }, SMALL);
    expect(proposed.outlook.clientCostPerJob).toBe(now.outlook.clientCostPerJob);
    expect(proposed.outlook.providerEarningsPerJob).toBeCloseTo(now.outlook.clientCostPerJob * 0.97);
    expect(proposed.outlook.treasuryPerJob).toBeCloseTo(3 * now.outlook.treasuryPerJob);
  });

  it('makes cheating pay without audits, and lose with them', () => {
    const { now, proposed } = forecastChange(NOW, { ...NOW, defaultVerification: { kind: 'none' } }, SMALL);
    expect(now.outlook.cheatingGain).toBeLessThan(0);
    expect(proposed.outlook.cheatingGain).toBe(1);
    expect(proposed.outlook.verificationOverhead).toBe(0);
    expect(proposed.outlook.wrongAccepted).toBeGreaterThan(now.outlook.wrongAccepted);
    expect(proposed.outlook.clientCostPerJob).toBeLessThan(now.outlook.clientCostPerJob);
  });

  it('lets caught cheaters escape their slash under a short unbonding delay, and shrinks the market under a higher floor', () => {
    const short = forecastChange(NOW, { ...NOW, unbondingDelaySeconds: 3_600 }, SMALL);
    expect(short.proposed.outlook.slashEscape).toBeGreaterThan(short.now.outlook.slashEscape);
    expect(short.proposed.outlook.cheatingGain).toBeGreaterThan(short.now.outlook.cheatingGain);
    const floor = forecastChange(NOW, { ...NOW, stakeFloorMultiplier: 40 }, SMALL);
    expect(floor.proposed.outlook.jobsServed).toBeLessThan(floor.now.outlook.jobsServed);
    expect(floor.proposed.outlook.challengerReward).toBe(4 * floor.now.outlook.challengerReward);
  });

  it('travels in the proposal description with a hash that exposes tampering', () => {
    const forecast = forecastChange(NOW, { ...NOW, feeBps: 300 }, SMALL);
    const change = { name: 'protocol-fee', value: '300' } as never;
    const description = proposalDescription(change, '100', 'Fund audits.', forecast);
    const parsed = parseDescription(description);
    expect(parsed.title).toBe('Set protocol-fee to 300 (now 100)');
    expect(parsed.forecast?.intact).toBe(true);
    expect(parsed.forecast?.data.proposed.parameters.feeBps).toBe(300);
    expect(description).toContain('| provider earnings per job |');
    const tampered = parseDescription(description.replace('"feeBps":300', '"feeBps":200'));
    expect(tampered.forecast?.intact).toBe(false);
  });
});
