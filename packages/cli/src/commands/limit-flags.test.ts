import { resolveApiLimits } from '@idlegrid/node';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { type LimitFlags, limitOptions, limitSettingsOf } from './limit-flags.js';

const parse = (args: string[]) => {
  const command = limitOptions(new Command('start').exitOverride());
  command.parse(args, { from: 'user' });
  return limitSettingsOf(command.opts<LimitFlags>());
};

describe('coordinator limit flags', () => {
  it('leave every limit to the config file and defaults when none is given', () => {
    expect(resolveApiLimits(parse([]))).toEqual(resolveApiLimits({}));
  });

  it('set the parts they name, and --no-limits turns them off', () => {
    const limits = resolveApiLimits(
      parse(['--client-rate', '5', '--max-streams-per-ip', '3', '--no-limits']),
    );
    expect(limits).toMatchObject({ enabled: false, client: { rate: 5, burst: 10_000 }, maxStreamsPerIp: 3 });
  });

  it('are validated like the file (CONFIG_INVALID)', () => {
    expect(() => resolveApiLimits(parse(['--ip-rate', 'lots']))).toThrow(/limits\.ip\.rate/);
  });
});
