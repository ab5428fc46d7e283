/** Shared test helpers (not a test file: jest only picks up *.test.ts). */

/** Flips the lowest bit of the hex digit at `index`, so the value stays valid hex of the same length. */
export function flipHexDigit(hex: string, index = 0): string {
  const digit = parseInt(hex.charAt(index), 16);
  if (Number.isNaN(digit)) throw new Error(`no hex digit at ${index} in ${JSON.stringify(hex)}`);
  return hex.slice(0, index) + (digit ^ 1).toString(16) + hex.slice(index + 1);
}

export const HEX_KEY = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
export const OTHER_HEX_KEY = 'f'.repeat(64);
