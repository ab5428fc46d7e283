import { generateKeyPairSync } from 'node:crypto';
import { displayName, formatDuration, modulusBits } from '../src/cli/format';
import { Redactor, stripControl } from '../src/cli/output';

describe('CLI formatting', () => {
  it('tells the RSA modulus size', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const n = publicKey.export({ format: 'jwk' }).n!;
    expect(modulusBits({ n })).toBe(2048);
  });

  it('formats durations and names', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(59)).toBe('59s');
    expect(formatDuration(61)).toBe('1m 1s');
    expect(formatDuration(3 * 3600 + 120)).toBe('3h 2m');
    expect(formatDuration(2 * 86_400 + 3600)).toBe('2d 1h');
    expect(displayName('Ada', '')).toBe('Ada');
    expect(displayName('', '')).toBe('(not set)');
  });

  it('strips terminal control sequences and redacts registered secrets', () => {
    expect(stripControl('a\u001b[2Jb\u0007c\nd\te')).toBe('abc\nd\te');
    const r = new Redactor();
    r.add('  hunter22  ');
    r.add('ab'); // too short to redact safely
    expect(r.scrub('pw=hunter22 and hunter22 ab')).toBe('pw=[redacted] and [redacted] ab');
  });
});
