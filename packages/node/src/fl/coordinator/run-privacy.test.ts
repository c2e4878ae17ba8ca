import { flSettingsSchema } from '@idlegrid/protocol';
import { describe, expect, it } from 'vitest';
import { RunPrivacy } from './run-privacy.js';

function settingsWith(level: 'example' | 'client') {
  const settings = flSettingsSchema.parse({
    rounds: 10,
    clientsPerRound: 2,
    minClients: 2,
    localEpochs: 1,
    batchSize: 32,
    learningRate: 0.1,
    strategy: 'fedavg',
    clipNorm: 1,
    dp: { level, epsilon: 5, delta: 1e-5, noiseMultiplier: 1.1 },
  });
  return { ...settings, dp: settings.dp! };
}

const round = [
  { provider: '0xA', examples: 800 },
  { provider: '0xB', examples: 3_200 },
];

describe("a run's privacy accounting", () => {
  it("reports the worst-off data owner's ε at example level: the smaller dataset spends more", () => {
    const small = new RunPrivacy(settingsWith('example'), undefined);
    const onlySmall = small.spend([round[0]!], 4);
    const both = new RunPrivacy(settingsWith('example'), undefined).spend(round, 4);
    const onlyLarge = new RunPrivacy(settingsWith('example'), undefined).spend([round[1]!], 4);
    expect(both).toBeCloseTo(onlySmall, 10);
    expect(onlyLarge).toBeLessThan(onlySmall);
  });

  it('previews a round without spending it, and survives being saved and read back', () => {
    const privacy = new RunPrivacy(settingsWith('example'), undefined);
    const first = privacy.spend(round, 4);
    const preview = privacy.epsilonAfter(round, 4);
    expect(preview).toBeGreaterThan(first);
    expect(privacy.epsilon()).toBe(first);
    const restored = new RunPrivacy(settingsWith('example'), JSON.parse(JSON.stringify(privacy.toState())));
    expect(restored.epsilon()).toBeCloseTo(first, 10);
    expect(restored.spend(round, 4)).toBeCloseTo(preview, 10);
  });

  it("counts the run's local steps instead of whole epochs when it sets them", () => {
    const epochs = new RunPrivacy(settingsWith('example'), undefined).spend([round[0]!], 4);
    const oneStep = new RunPrivacy({ ...settingsWith('example'), localSteps: 1 }, undefined).spend(
      [round[0]!],
      4,
    );
    const twentyFive = new RunPrivacy({ ...settingsWith('example'), localSteps: 25 }, undefined).spend(
      [round[0]!],
      4,
    );
    // 800 records in batches of 32: one epoch is 25 steps.
    expect(twentyFive).toBeCloseTo(epochs, 10);
    expect(oneStep).toBeLessThan(epochs);
    expect(oneStep).toBeGreaterThan(0);
  });

  it('spends one step a round at client level, cheaper when fewer of the holders are sampled', () => {
    const all = new RunPrivacy(settingsWith('client'), undefined).spend(round, 2);
    const fewer = new RunPrivacy(settingsWith('client'), undefined).spend(round, 20);
    expect(fewer).toBeLessThan(all);
    expect(all).toBeGreaterThan(0);
  });
});
