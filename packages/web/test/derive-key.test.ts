import * as node from '@somnus/crypto';
import { BROWSER_ACCOUNT } from '../../crypto/test/fixtures/browser-account';
import { deriveKey, normaliseEmail, normalisePassphrase } from '../src/crypto';

describe('deriveKey (WebCrypto)', () => {
  it('matches the known answer of docs/protocol.md §2', async () => {
    await expect(deriveKey('Password', 'email', 'salt')).resolves.toBe('fb058595c02ae9660ed7098273bf50e49407942ecc437bf317638d76c4578eae');
  });

  it('matches the account a real browser made (Kong srp-js test vector, kept in packages/crypto)', async () => {
    await expect(deriveKey(BROWSER_ACCOUNT.passphrase, BROWSER_ACCOUNT.email, BROWSER_ACCOUNT.saltEnc)).resolves.toBe(BROWSER_ACCOUNT.derivedEncKey);
  });

  it("equals @somnus/crypto's deriveKey, non-ASCII and hex salts included", async () => {
    const cases: Array<[string, string, string]> = [
      ['correct horse battery staple', 'alice@example.com', 'a'.repeat(64)],
      [normalisePassphrase(' Pässwörd ﬁ '), normaliseEmail(' Ünï@Example.COM '), '0123456789abcdef'.repeat(4)],
      ['x', 'y', ''],
    ];
    for (const [pass, email, salt] of cases) {
      expect(await deriveKey(pass, email, salt)).toBe(await node.deriveKey(pass, email, salt));
    }
  });

  it('normalises like @somnus/crypto (trim + lower-case; trim + NFKD)', () => {
    for (const raw of ['  Bob@Example.ORG ', 'ÉLAN@x.io']) expect(normaliseEmail(raw)).toBe(node.normalizeEmail(raw));
    for (const raw of [' ﬁne\u00e9 ', 'Å\u030a', '\tpass\n']) expect(normalisePassphrase(raw)).toBe(node.normalizePassphrase(raw));
    expect(normalisePassphrase(' é ')).toBe('e\u0301');
  });
});
