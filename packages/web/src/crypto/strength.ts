/**
 * A small, honest passphrase strength estimate for the sign-up and change pages. It only guides:
 * the server never sees the passphrase and cannot check it, and there is no dictionary beyond a short
 * list of the most common passwords, so the score is an upper bound, not a promise.
 *
 * Estimate: each character is worth log2 of the alphabet of the character classes used, except that
 * letters inside a run of three or more (word-like) count 2.5 bits, as dictionary words do, and a
 * character repeating or continuing a sequence (aaaa, 1234, abcd, qwerty) counts a quarter. Common
 * passwords and e-mail-like inputs are then capped. The thresholds are in bits: 28 / 36 / 60 / 80.
 */
export interface PassphraseStrength {
  score: 0 | 1 | 2 | 3 | 4;
  label: string;
  hints: string[];
}

const LABELS = ['very weak', 'weak', 'fair', 'strong', 'very strong'] as const;

/** The most common passwords of the public breach lists; anything containing one is capped. */
const COMMON = [
  'password', 'passw0rd', 'p@ssword', 'p@ssw0rd', '123456', '12345678', '123456789', '1234567890', 'qwerty', 'qwertyuiop',
  'asdfgh', 'zxcvbn', '111111', '000000', 'abc123', 'iloveyou', 'letmein', 'welcome', 'monkey', 'dragon', 'football',
  'baseball', 'sunshine', 'princess', 'admin', 'master', 'shadow', 'superman', 'trustno1', 'insomnia', 'secret', 'changeme',
  'hello', 'freedom', 'whatever', 'starwars', 'login', 'passphrase',
];

const SEQUENCES = ['abcdefghijklmnopqrstuvwxyz', '01234567890', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm'];

function classes(p: string): { lower: boolean; upper: boolean; digit: boolean; symbol: boolean; space: boolean; other: boolean } {
  return {
    lower: /[a-z]/.test(p),
    upper: /[A-Z]/.test(p),
    digit: /[0-9]/.test(p),
    symbol: /[!-/:-@[-`{-~]/.test(p),
    // a space separates words: it adds one character to the alphabet, not a whole class
    space: / /.test(p),
    // letters outside ASCII (é, ß, Cyrillic, …) widen the alphabet a lot
    other: /[^\x00-\x7f]/.test(p),
  };
}

/** Characters that continue the previous one (a repeat, or a step of a known sequence either way). */
function isPredictable(prev: string | undefined, cur: string): boolean {
  if (prev === undefined) return false;
  return prev === cur || SEQUENCES.some((s) => s.includes(prev + cur) || s.includes(cur + prev));
}

const WORD_LETTER_BITS = 2.5;

/** Estimated bits of the passphrase, per the rules at the top of this file. */
function estimateBits(p: string, alphabetBits: number): number {
  const chars = [...p.toLowerCase()];
  // letters that belong to a run of 3+ letters: word-like
  const wordLike = new Array<boolean>(chars.length).fill(false);
  for (const m of p.toLowerCase().matchAll(/\p{L}{3,}/gu)) {
    const start = [...p.toLowerCase().slice(0, m.index)].length;
    for (let i = 0; i < [...m[0]].length; i++) wordLike[start + i] = true;
  }
  let bits = 0;
  for (let i = 0; i < chars.length; i++) {
    const base = wordLike[i] ? Math.min(WORD_LETTER_BITS, alphabetBits) : alphabetBits;
    bits += isPredictable(chars[i - 1], chars[i]!) ? base / 4 : base;
  }
  return bits;
}

/** Share of characters that repeat or continue a sequence. */
function predictableShare(p: string): number {
  const chars = [...p.toLowerCase()];
  return chars.filter((c, i) => isPredictable(chars[i - 1], c)).length / chars.length;
}

export function passphraseStrength(p: string): PassphraseStrength {
  // NFC here (not the KDF's NFKD): an accented letter is one character, not a letter and a mark.
  const text = p.trim().normalize('NFC');
  const hints: string[] = [];
  if (text.length === 0) return { score: 0, label: LABELS[0], hints: ['Enter a passphrase.'] };

  const c = classes(text);
  const alphabet = (c.lower ? 26 : 0) + (c.upper ? 26 : 0) + (c.digit ? 10 : 0) + (c.symbol ? 32 : 0) + (c.space ? 1 : 0) + (c.other ? 100 : 0);
  let bits = estimateBits(text, Math.log2(Math.max(alphabet, 2)));

  const lower = text.toLowerCase();
  const common = COMMON.find((w) => lower.includes(w));
  if (common !== undefined) {
    // Guessers try these first, with any decoration: count the rest of the passphrase only.
    bits = Math.min(bits, 10 + (text.length - common.length) * 2.5);
    hints.push('Avoid common passwords and words like "password" or "qwerty", even with additions.');
  }
  if (/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i.test(text)) {
    bits = Math.min(bits, 20);
    hints.push('Do not use an email address as the passphrase.');
  }
  if (text.length < 12) hints.push('Use at least 12 characters; several unrelated words are easy to remember and hard to guess.');
  if (predictableShare(text) > 0.25) hints.push('Avoid repeated characters and sequences such as "aaaa" or "1234".');
  const used = [c.lower, c.upper, c.digit, c.symbol || c.space, c.other].filter(Boolean).length;
  if (used < 3 && text.length < 20) hints.push('Mix upper and lower case, digits and symbols, or make it longer.');

  const score = bits < 28 ? 0 : bits < 36 ? 1 : bits < 60 ? 2 : bits < 80 ? 3 : 4;
  // A strong passphrase gets no nagging.
  if (score >= 3) hints.length = 0;
  return { score, label: LABELS[score], hints };
}
