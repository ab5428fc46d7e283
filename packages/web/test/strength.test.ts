import { passphraseStrength } from '../src/crypto';

describe('passphraseStrength', () => {
  it('rates empty, common and short passphrases very weak or weak, with hints', () => {
    for (const p of ['', 'password', 'Password123!', '123456789', 'qwertyuiop', 'aaaaaaaaaaaa', 'abcd1234']) {
      const s = passphraseStrength(p);
      expect(s.score).toBeLessThanOrEqual(1);
      expect(s.hints.length).toBeGreaterThan(0);
    }
    expect(passphraseStrength('alice@example.com').hints.join(' ')).toMatch(/email/);
  });

  it('rates long, varied passphrases strong, without nagging', () => {
    for (const p of ['correct horse battery staple', 'Tr0ub4dor&3-kettle-Nimbus', 'vMq7#pL2!zX9@wR4']) {
      const s = passphraseStrength(p);
      expect(s.score).toBeGreaterThanOrEqual(3);
      expect(s.hints).toEqual([]);
    }
  });

  it('grows with length and variety, and labels every score', () => {
    const scores = ['kitten', 'kitten lamp', 'kitten lamp river', 'kitten lamp river Oslo 42'].map((p) => passphraseStrength(p).score);
    expect([...scores].sort((a, b) => a - b)).toEqual(scores);
    expect(scores[0]).toBeLessThan(scores[3]!);
    expect(passphraseStrength('').label).toBe('very weak');
    expect(passphraseStrength('correct horse battery staple').label).toBe('strong');
  });
});
