import { networkDomain, signMessage, verifySignedMessage } from '@idlegrid/protocol';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { buildWasmJobSpec, REQUEST_LIFETIME_SECONDS, randomJobId } from './job-spec.js';

const client = privateKeyToAccount(generatePrivateKey());
const domain = networkDomain(31337, '0x5FbDB2315678afecb367f032d93F642f64180aa3');
const NOW = 1_800_000_000n;
const MODULE = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku';
const STDIN = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy';
const base = { client: client.address, moduleCid: MODULE, maxPrice: 5n * 10n ** 18n, nowSeconds: NOW };

describe('buildWasmJobSpec', () => {
  it('fills a wasm JobSpec that signs and verifies', async () => {
    const spec = buildWasmJobSpec({
      ...base,
      stdinCid: STDIN,
      args: ['--n', '10'],
      deadlineSeconds: 600,
      memoryMb: 128,
      cpuCores: 2,
      region: 'eu-west',
      verification: 'replicate(2)',
    });
    expect(spec).toMatchObject({
      runtime: 'wasm',
      moduleCid: MODULE,
      inputCids: [STDIN],
      args: ['--n', '10'],
      cpuCores: 2,
      memoryMb: 128,
      vramMb: 0,
      gpuClass: '',
      privacy: '',
      region: 'eu-west',
      verification: 'replicate(2)',
      deadline: NOW + 600n,
      expiry: NOW + REQUEST_LIFETIME_SECONDS,
    });
    const signed = await signMessage(client, domain, 'JobSpec', spec);
    const verified = await verifySignedMessage(domain, JSON.parse(JSON.stringify(signed, wire)), {
      kind: 'JobSpec',
      nowSeconds: NOW,
    });
    expect(verified.signer).toBe(client.address);
  });

  it('leaves unused fields empty and picks a fresh id and nonce each time', () => {
    const a = buildWasmJobSpec({ ...base, deadlineSeconds: 60, memoryMb: 64, cpuCores: 1 });
    const b = buildWasmJobSpec({ ...base, deadlineSeconds: 60, memoryMb: 64, cpuCores: 1 });
    expect(a).toMatchObject({ inputCids: [], args: [], region: '', verification: '' });
    expect(a.jobId).toMatch(/^0x[0-9a-f]{64}$/);
    expect(a.jobId).not.toBe(b.jobId);
    expect(a.nonce).not.toBe(b.nonce);
    expect(randomJobId()).not.toBe(randomJobId());
  });

  it.each([
    ['deadlineSeconds', { deadlineSeconds: 0, memoryMb: 64, cpuCores: 1 }],
    ['memoryMb', { deadlineSeconds: 60, memoryMb: 1.5, cpuCores: 1 }],
    ['cpuCores', { deadlineSeconds: 60, memoryMb: 64, cpuCores: -1 }],
  ])('rejects a bad %s', (name, fields) => {
    expect(() => buildWasmJobSpec({ ...base, ...fields })).toThrow(name);
  });
});

function wire(_key: string, value: unknown) {
  return typeof value === 'bigint' ? value.toString() : value;
}
