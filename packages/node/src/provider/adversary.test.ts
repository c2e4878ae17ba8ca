import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cidOfBytes } from '@idlegrid/protocol';
import { describe, expect, it } from 'vitest';
import { Cheater, parseAdversary } from './adversary.js';
import { outputOf } from './job-runner.js';

const honest = (text: string, jobId = '0x01') =>
  outputOf(jobId, {
    exitCode: 0,
    stdout: new TextEncoder().encode(text),
    stderr: new Uint8Array(),
    stdoutTruncated: false,
    stderrTruncated: false,
    durationMs: 40,
  });
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('adversarial providers', () => {
  it('parses the modes and refuses anything else', () => {
    expect(parseAdversary('wrong')).toEqual({ kind: 'wrong', rate: 1 });
    expect(parseAdversary('wrong:0.25')).toEqual({ kind: 'wrong', rate: 0.25 });
    expect(parseAdversary('lazy')).toEqual({ kind: 'lazy' });
    expect(parseAdversary('no-reveal')).toEqual({ kind: 'no-reveal' });
    expect(parseAdversary('collude:/tmp/ring')).toEqual({ kind: 'collude', dir: '/tmp/ring' });
    expect(parseAdversary('fake-cores:8')).toEqual({ kind: 'fake-cores', factor: 8 });
    expect(() => parseAdversary('fake-cores:1')).toThrow(/fake-cores:K/);
    expect(parseAdversary('fake-gpu')).toEqual({ kind: 'fake-gpu' });
    expect(parseAdversary('sybil:5')).toEqual({ kind: 'sybil', identities: 5 });
    expect(() => parseAdversary('sybil:1')).toThrow(/sybil:N/);
    for (const bad of ['wrong:0', 'wrong:2', 'honest', 'collude:', ''])
      expect(() => parseAdversary(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('corrupts the share of answers it is set to, with a manifest that matches the lie', async () => {
    const draws = [0.1, 0.9];
    const cheater = new Cheater({ kind: 'wrong', rate: 0.5 }, () => draws.shift()!);
    const lie = await cheater.tamper(honest('168\n'));
    expect(text(lie.stdout)).toBe('168\n!');
    expect(lie.manifest.stdoutCid).toBe(cidOfBytes(lie.stdout));
    expect((await cheater.tamper(honest('168\n'))).manifest).toEqual(honest('168\n').manifest);
    expect(await cheater.instead('0x02')).toBeUndefined();
    expect(cheater.withholdsReveals).toBe(false);
  });

  it('lazy: skips the run and repeats its last answer', async () => {
    const cheater = new Cheater({ kind: 'lazy' });
    expect((await cheater.instead('0x01'))?.stdout).toEqual(new Uint8Array());
    await cheater.tamper(honest('25\n'));
    const repeated = (await cheater.instead('0x03'))!;
    expect(text(repeated.stdout)).toBe('25\n');
    expect(repeated.manifest).toMatchObject({ jobId: '0x03', exitCode: 0, durationMs: 1 });
  });

  it('collude: the first of the ring runs and corrupts, the others copy that answer without running', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'idlegrid-ring-'));
    try {
      const [first, second] = [new Cheater({ kind: 'collude', dir }), new Cheater({ kind: 'collude', dir })];
      expect(await first.instead('0xAB')).toBeUndefined();
      const lie = await first.tamper(honest('168\n', '0xAB'));
      expect(text(lie.stdout)).toBe('168\n!');
      const copy = (await second.instead('0xab'))!;
      expect(copy.manifest.stdoutCid).toBe(lie.manifest.stdoutCid);
      expect(copy.manifest.jobId).toBe('0xab');
      // Another job has no shared answer yet: the ring member runs it.
      expect(await second.instead('0xCD')).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('no-reveal: answers honestly but withholds its reveals', async () => {
    const cheater = new Cheater({ kind: 'no-reveal' });
    expect(cheater.withholdsReveals).toBe(true);
    expect(await cheater.instead('0x01')).toBeUndefined();
    expect((await cheater.tamper(honest('7\n'))).manifest).toEqual(honest('7\n').manifest);
  });
});
