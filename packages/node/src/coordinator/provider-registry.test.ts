import { parseMessage } from '@idlegrid/protocol';
import { sampleMessages } from '@idlegrid/protocol/testing';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { Scheduler } from '../scheduler/scheduler.js';
import { ProviderRegistry } from './provider-registry.js';

describe('ProviderRegistry', () => {
  it('suspends a provider punished elsewhere in the mesh, also when it joins afterwards', () => {
    const now = Date.now();
    const registry = new ProviderRegistry(15_000, new Scheduler({ policy: 'cheapest' }));
    const provider = privateKeyToAccount(generatePrivateKey()).address;
    const offer = parseMessage('Offer', sampleMessages(provider, BigInt(Math.floor(now / 1000) + 600)).Offer);
    const told: string[] = [];
    registry.onPunished(({ provider: punished }) => told.push(punished));

    registry.punishedElsewhere(provider, now);
    registry.upsertOffer('peer-1', offer, now, undefined);
    expect(registry.scheduler.suspendedUntil(provider)).toBeGreaterThan(now + 3_500_000);
    const stranger = privateKeyToAccount(generatePrivateKey()).address;
    expect(registry.reputation.score(provider)).toBeLessThan(registry.reputation.score(stranger));
    // Punished elsewhere: not told to the mesh again from here.
    expect(told).toEqual([]);
  });
});
