/**
 * OpenSSL-backed modexp against a plain BigInt reference, including the bases OpenSSL refuses as
 * Diffie-Hellman public keys (0, 1, N-1 and anything ≥ N), which must still give the right answer.
 */
import fc from 'fast-check';
import { N_HEX } from '../src';
import { pad } from '../src/bytes';
import { bigintModPow, modN, modPow, modPowG } from '../src/modexp';

const N = BigInt(`0x${N_HEX}`);
const bigint = (bytes: number) =>
  fc.uint8Array({ minLength: 1, maxLength: bytes }).map((b) => BigInt(`0x${Buffer.from(b).toString('hex')}`));

describe('BigInt reference', () => {
  it('computes small known powers and Fermat', () => {
    expect(bigintModPow(2n, 10n)).toBe(1024n);
    expect(bigintModPow(3n, 0n)).toBe(1n);
    expect(bigintModPow(2n, N - 1n)).toBe(1n); // N is prime
  });
});

describe('modPow through OpenSSL', () => {
  it('agrees with the reference for random bases and 256/512-bit exponents', () => {
    fc.assert(
      fc.property(bigint(256), bigint(64), (base, exp) => {
        expect(modPow(base, exp)).toBe(bigintModPow(base, exp));
      }),
      { numRuns: 25 },
    );
  });

  it('g^e via generateKeys agrees with the reference, including tiny results', () => {
    for (const e of [1n, 2n, 3n, 8n, 255n, 2047n, 2048n]) expect(modPowG(e)).toBe(bigintModPow(2n, e));
    fc.assert(
      fc.property(bigint(64), (e) => {
        expect(modPowG(e)).toBe(bigintModPow(2n, e));
      }),
      { numRuns: 25 },
    );
  });

  const exps = [0n, 1n, 2n, 3n, 0xfffffffen, 0xffffffffn, (1n << 256n) - 1n, (1n << 256n) - 2n];
  const edgeBases: Array<[string, bigint]> = [
    ['0', 0n],
    ['1', 1n],
    ['2', 2n],
    ['N-2', N - 2n],
    ['N-1', N - 1n],
    ['N', N],
    ['N+1', N + 1n],
    ['2N-1', 2n * N - 1n],
    ['-1', -1n],
    ['-N', -N],
  ];

  it.each(edgeBases)('base %s gives the right answer for even and odd exponents', (_label, base) => {
    for (const exp of exps) expect(modPow(base, exp)).toBe(bigintModPow(modN(base), exp));
  });

  it('exponent 0 gives 1 for g as well', () => {
    expect(modPowG(0n)).toBe(1n);
  });

  it('refuses negative exponents', () => {
    expect(() => modPow(2n, -1n)).toThrow(RangeError);
    expect(() => modPowG(-1n)).toThrow(RangeError);
  });

  it('results PAD to 256 bytes even when small', () => {
    expect(pad(modPowG(3n))).toHaveLength(256);
    expect(pad(modPowG(3n)).toString('hex')).toBe(`${'0'.repeat(510)}08`);
  });
});
