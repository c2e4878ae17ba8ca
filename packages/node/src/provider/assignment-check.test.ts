import { networkDomain, ReplayGuard, signMessage, toWireJson } from '@idlegrid/protocol';
import { buildWasmJobSpec } from '@idlegrid/sdk';
import type { Address } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { type AssignmentExpectations, checkAssignment, parseJobAssign } from './assignment-check.js';

const domain = networkDomain(31_337, privateKeyToAccount(generatePrivateKey()).address);
const client = privateKeyToAccount(generatePrivateKey());
const coordinator = privateKeyToAccount(generatePrivateKey());
const provider = privateKeyToAccount(generatePrivateKey());

async function assignment() {
  const nowSeconds = BigInt(Math.floor(Date.now() / 1000));
  const spec = await signMessage(
    client,
    domain,
    'JobSpec',
    buildWasmJobSpec({
      client: client.address,
      moduleCid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
      maxPrice: 10n ** 18n,
      deadlineSeconds: 60,
      memoryMb: 16,
      cpuCores: 1,
      nowSeconds,
    }),
  );
  const signed = await signMessage(coordinator, domain, 'Assignment', {
    coordinator: coordinator.address,
    jobId: spec.message.jobId,
    provider: provider.address,
    price: 1n,
    leaseExpiry: nowSeconds + 30n,
    nonce: 1n,
    expiry: nowSeconds + 120n,
  });
  // As it arrives on the wire.
  return parseJobAssign(JSON.parse(toWireJson({ assignment: signed, spec, commitReveal: false })));
}

const expectations = (
  coordinatorActive?: (address: Address) => Promise<boolean>,
): AssignmentExpectations => ({
  domain,
  coordinator: coordinator.address,
  provider: provider.address,
  replayGuard: new ReplayGuard(),
  runtimes: ['wasm'],
  ...(coordinatorActive ? { coordinatorActive } : {}),
});

describe('checkAssignment and the coordinator registry', () => {
  it('takes an assignment from a coordinator active in the registry', async () => {
    const asked: Address[] = [];
    const checked = await checkAssignment(
      await assignment(),
      expectations(async (address) => {
        asked.push(address);
        return true;
      }),
    );
    expect(checked.assignment.coordinator).toBe(coordinator.address);
    expect(asked).toEqual([coordinator.address]);
  });

  it('refuses one from the coordinator it joined once that coordinator is no longer active', async () => {
    await expect(
      checkAssignment(
        await assignment(),
        expectations(async () => false),
      ),
    ).rejects.toMatchObject({
      code: 'COORDINATOR_UNREGISTERED',
    });
  });
});
