import { cidOfBytes } from '@idlegrid/protocol';
import { describe, expect, it } from 'vitest';
import { Cheater, parseAdversary } from './adversary.js';
import { outputOf } from './job-runner.js';

const honest = (text: string) =>
  outputOf('0x01', {
    exitCode: 0,
    stdout: new TextEncoder().encode(text),
    stderr: new Uint8Array(),
    stdoutTruncated: false,
    stderrTruncated: false,
    durationMs: 40,
  });

describe('adversarial providers', () => {
  it('parses the modes and refuses anything else', () => {
    expect(parseAdversary('wrong')).toEqual({ kind: 'wrong', rate: 1 });
    expect(parseAdversary('wrong:0.25')).toEqual({ kind: 'wrong', rate: 0.25 });
    expect(parseAdversary('lazy')).toEqual({ kind: 'lazy' });
    for (const bad of ['wrong:0', 'wrong:2', 'honest', ''])
      expect(() => parseAdversary(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('corrupts the share of answers it is set to, with a manifest that matches the lie', () => {
    const draws = [0.1, 0.9];
    const cheater = new Cheater({ kind: 'wrong', rate: 0.5 }, () => draws.shift()!);
    const lie = cheater.tamper(honest('168\n'));
    expect(new TextDecoder().decode(lie.stdout)).toBe('168\n!');
    expect(lie.manifest.stdoutCid).toBe(cidOfBytes(lie.stdout));
    expect(cheater.tamper(honest('168\n')).manifest).toEqual(honest('168\n').manifest);
    expect(cheater.instead('0x02')).toBeUndefined();
  });

  it('lazy: skips the run and repeats its last answer', () => {
    const cheater = new Cheater({ kind: 'lazy' });
    expect(cheater.instead('0x01')?.stdout).toEqual(new Uint8Array());
    cheater.tamper(honest('25\n'));
    const repeated = cheater.instead('0x03')!;
    expect(new TextDecoder().decode(repeated.stdout)).toBe('25\n');
    expect(repeated.manifest).toMatchObject({ jobId: '0x03', exitCode: 0, durationMs: 1 });
  });
});
