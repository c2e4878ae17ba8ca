import { describe, expect, it } from 'vitest';
import { ReputationBook } from './reputation.js';

describe('ReputationBook', () => {
  it('starts at the prior, rises with verified work, and falls hard on a lost dispute', () => {
    const book = new ReputationBook({ halfLife: 20 });
    expect(book.score('new')).toBe(0.5);
    for (let i = 0; i < 60; i++) book.record('honest', 'verified');
    expect(book.score('honest')).toBeGreaterThan(0.9);
    const before = book.score('honest');
    book.record('honest', 'disputeLost');
    expect(book.score('honest')).toBeLessThan(before - 0.2);
    // Unchecked completions count, but less than verified ones.
    for (let i = 0; i < 10; i++) book.record('unchecked', 'completed');
    for (let i = 0; i < 10; i++) book.record('checked', 'verified');
    expect(book.score('checked')).toBeGreaterThan(book.score('unchecked'));
    expect(book.score('unchecked')).toBeGreaterThan(0.5);
  });

  it('lets old mistakes fade', () => {
    const book = new ReputationBook({ halfLife: 10 });
    book.record('p', 'timeout');
    const low = book.score('p');
    for (let i = 0; i < 50; i++) book.record('p', 'verified');
    expect(book.score('p')).toBeGreaterThan(Math.max(low, 0.95));
  });

  it('samples providers on probation more often', () => {
    const book = new ReputationBook({ probationJobs: 3, probationSampling: 4 });
    expect(book.samplingFor('p', 0.05)).toBe(0.2);
    for (let i = 0; i < 3; i++) book.record('p', 'verified');
    expect(book.onProbation('p')).toBe(false);
    expect(book.samplingFor('p', 0.05)).toBe(0.05);
    expect(new ReputationBook({ probationSampling: 40 }).samplingFor('x', 0.05)).toBe(1);
  });
});
