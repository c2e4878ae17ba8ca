import { IdlegridError } from '@idlegrid/protocol';
import { DEFAULT_LIMITS, type ResourceLimits } from './api.js';

/** Merges limits over the defaults and checks each is a positive safe integer. */
export function resolveLimits(
  defaults: Readonly<ResourceLimits> = DEFAULT_LIMITS,
  overrides: Partial<ResourceLimits> = {},
): ResourceLimits {
  const limits = { ...defaults, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new IdlegridError('INVALID_ARGUMENT', `limit ${name} must be a positive integer`, {
        details: { [name]: value },
      });
    }
  }
  return limits;
}
