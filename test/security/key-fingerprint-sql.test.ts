import { generateRsaKeyPair } from '@somnus/crypto';
import { fingerprintOf } from '@somnus/models';
import { createTestDatabase, queryRows, type TestDatabase } from '../support/database';

/**
 * The database computes each account's key fingerprint (accounts.key_fingerprint, migration
 * 1764100000830) that the quarantine compares with the approved one (docs/protocol.md §6, key approval),
 * while clients show fingerprintOf (packages/models/src/fingerprint.ts). An admin compares one with the
 * other out of band, so they must be the same function: checked here on fresh keys and on the spellings a
 * stored JWK may have (extra members, another member order, whitespace).
 */
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db?.drop());

const sqlFingerprint = async (key: string) => (await queryRows<{ f: string | null }>(db.adminUrl, 'SELECT app_key_fingerprint($1) AS f', [key]))[0]!.f;

describe('app_key_fingerprint equals fingerprintOf', () => {
  it('on fresh RSA keys, however the JWK is spelled', async () => {
    for (let i = 0; i < 4; i++) {
      const { publicJwk } = await generateRsaKeyPair();
      const expected = fingerprintOf(publicJwk);
      const spellings = [
        JSON.stringify(publicJwk),
        JSON.stringify({ n: publicJwk.n, kty: 'RSA', e: publicJwk.e }),
        JSON.stringify({ ...publicJwk, alg: 'RSA-OAEP-256', ext: true, key_ops: ['encrypt'] }, null, 2),
      ];
      for (const s of spellings) {
        expect(fingerprintOf(s)).toBe(expected);
        expect(await sqlFingerprint(s)).toBe(expected);
      }
    }
  });

  it('is null where fingerprintOf throws: not JSON, not RSA, members missing or not strings', async () => {
    for (const bad of ['', 'not json', '[]', '{"kty":"EC","n":"a","e":"b"}', '{"kty":"RSA","n":"","e":"AQAB"}', '{"kty":"RSA","e":"AQAB"}', '{"kty":"RSA","n":1,"e":"AQAB"}']) {
      expect(() => fingerprintOf(bad)).toThrow();
      expect(await sqlFingerprint(bad)).toBeNull();
    }
  });
});
