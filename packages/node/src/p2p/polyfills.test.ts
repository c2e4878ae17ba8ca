import { describe, expect, it } from 'vitest';
import { installPromiseWithResolvers } from './polyfills.js';

describe('Promise.withResolvers polyfill', () => {
  it('is installed on the global Promise', async () => {
    const { promise, resolve } = (
      Promise as unknown as { withResolvers<T>(): Resolvers<T> }
    ).withResolvers<number>();
    resolve(7);
    expect(await promise).toBe(7);
  });

  it('installs only when missing', async () => {
    class Bare<T> extends Promise<T> {}
    Object.defineProperty(Bare, 'withResolvers', { value: undefined, writable: true, configurable: true });
    expect(installPromiseWithResolvers(Bare)).toBe(true);
    expect(installPromiseWithResolvers(Bare)).toBe(false);
    const { promise, reject } = (
      Bare as unknown as { withResolvers<T>(): Resolvers<T> }
    ).withResolvers<number>();
    expect(promise).toBeInstanceOf(Bare);
    reject(new Error('no'));
    await expect(promise).rejects.toThrow('no');
  });
});

interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason?: unknown) => void;
}
