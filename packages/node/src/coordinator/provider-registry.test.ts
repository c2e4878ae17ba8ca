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

  it("keeps a provider joined here over the mesh's relayed copy, and counts only its own as online", () => {
    const now = Date.now();
    const registry = new ProviderRegistry(15_000, new Scheduler({ policy: 'cheapest' }));
    const provider = privateKeyToAccount(generatePrivateKey()).address;
    const samples = sampleMessages(provider, BigInt(Math.floor(now / 1000) + 600));
    const offer = parseMessage('Offer', samples.Offer);
    const heartbeat = parseMessage('Heartbeat', samples.Heartbeat);

    // Heard of through the mesh first: a candidate, reached via the other coordinator.
    expect(registry.upsertOffer('provider-peer', offer, now, undefined, 'other-coordinator')?.via).toBe(
      'other-coordinator',
    );
    expect(registry.isOnline(provider, now)).toBe(true);
    expect(registry.onlineCount(now)).toBe(0);
    // It joins here: the entry is its own now, and a relayed copy does not take it back.
    expect(registry.upsertOffer('provider-peer', offer, now, undefined)?.via).toBeUndefined();
    expect(
      registry.upsertOffer('provider-peer', offer, now + 1, undefined, 'other-coordinator'),
    ).toBeUndefined();
    expect(registry.get(provider)?.via).toBeUndefined();
    expect(registry.onlineCount(now)).toBe(1);
    // A relayed heartbeat does not keep a provider joined here alive; its own do.
    registry.recordHeartbeat(heartbeat, now + 10_000, true);
    expect(registry.get(provider)?.lastSeen).toBe(now);
    registry.recordHeartbeat(heartbeat, now + 10_000);
    expect(registry.get(provider)?.lastSeen).toBe(now + 10_000);
  });
});
