import { describe, expect, it } from 'vitest';
import { DEFAULT_API_LIMITS } from './api.js';
import { mergeApiLimits, resolveApiLimits } from './limits-settings.js';

describe('API limit settings', () => {
  it('fills what is left out with the defaults, part by part', () => {
    const limits = resolveApiLimits({ client: { rate: 5 }, maxStreams: 10 });
    expect(limits.client).toEqual({ ...DEFAULT_API_LIMITS.client, rate: 5 });
    expect(limits.maxStreams).toBe(10);
    expect(limits.ip).toEqual(DEFAULT_API_LIMITS.ip);
  });

  it('lets later settings (flags) override earlier ones (the file) field by field', () => {
    const merged = mergeApiLimits(
      { client: { rate: 5, burst: 50 }, enabled: true },
      { client: { burst: 9 } },
    );
    expect(merged).toEqual({ client: { rate: 5, burst: 9 }, enabled: true });
  });

  it('refuses nonsense with CONFIG_INVALID naming the field', () => {
    expect(() => resolveApiLimits({ ip: { rate: -1 } })).toThrow(/limits\.ip\.rate/);
    expect(() => resolveApiLimits({ maxStreams: Number('x') })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
    expect(() => resolveApiLimits({ unknown: 1 } as never)).toThrow(/CONFIG_INVALID|invalid limits/);
  });

  it('keeps a full batch within the default burst of a client', () => {
    expect(DEFAULT_API_LIMITS.client.burst).toBeGreaterThanOrEqual(500);
  });
});
