import { normalizeEmail, normalizePassphrase, randomHex } from '../src';

describe('normalizeEmail', () => {
  it('trims and lower-cases', () => {
    expect(normalizeEmail('  Jane@Example.COM \n')).toBe('jane@example.com');
  });
});

describe('normalizePassphrase', () => {
  it('trims but keeps inner spaces and case', () => {
    expect(normalizePassphrase('  Correct Horse \t')).toBe('Correct Horse');
  });

  it('maps composed and decomposed forms to the same NFKD string', () => {
    const composed = 'caf\u00e9';
    const decomposed = 'cafe\u0301';
    expect(composed).not.toBe(decomposed);
    expect(normalizePassphrase(composed)).toBe(normalizePassphrase(decomposed));
    expect(normalizePassphrase(composed)).toBe(decomposed);
  });

  it('applies compatibility decomposition (K), not just canonical', () => {
    // U+FB01 LATIN SMALL LIGATURE FI decomposes to "fi" only under NFKD/NFKC.
    expect(normalizePassphrase('\ufb01sh')).toBe('fish');
  });
});

describe('randomHex', () => {
  it('returns 2 lowercase hex chars per byte, different each call', () => {
    const a = randomHex(32);
    const b = randomHex(32);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(b).toMatch(/^[0-9a-f]{64}$/);
    expect(a).not.toBe(b);
  });

  it('rejects non-positive or fractional sizes', () => {
    expect(() => randomHex(0)).toThrow(RangeError);
    expect(() => randomHex(1.5)).toThrow(RangeError);
  });
});
