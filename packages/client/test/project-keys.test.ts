/**
 * The pure part of key sharing (src/flows/project-keys.ts): no server involved, so it is tested on
 * its own. Real RSA keys (generateRsaKeyPair), real wrapping; nothing is mocked.
 */
import { generateRsaKeyPair, InvalidKeyError, type RsaPrivateJwk, type RsaPublicJwk } from '@somnus/crypto';
import { parseArgs } from '../src/cli/args';
import { parseRole } from '../src/cli/commands/org';
import {
  inviteKeysFor,
  newProjectId,
  newProjectKey,
  parsePublicKey,
  planReconcile,
  unwrapAll,
  unwrapProjectKey,
  wrapProjectKey,
} from '../src/flows/project-keys';

let alice: { publicJwk: RsaPublicJwk; privateJwk: RsaPrivateJwk };
let bob: { publicJwk: RsaPublicJwk; privateJwk: RsaPrivateJwk };
beforeAll(async () => {
  [alice, bob] = await Promise.all([generateRsaKeyPair(), generateRsaKeyPair()]);
});

describe('project keys', () => {
  it('makes prj_ ids and distinct five-member AES JWKs', () => {
    expect(newProjectId()).toMatch(/^prj_[0-9a-f]{32}$/);
    expect(newProjectId()).not.toBe(newProjectId());
    const key = newProjectKey();
    expect(Object.keys(key)).toEqual(['alg', 'ext', 'k', 'key_ops', 'kty']);
    expect(newProjectKey().k).not.toBe(key.k);
  });

  it('wraps for a public key (object or JSON string) as 512 hex that only the matching private key opens', () => {
    const key = newProjectKey();
    for (const pub of [alice.publicJwk, JSON.stringify(alice.publicJwk)]) {
      const wrapped = wrapProjectKey(pub, key);
      expect(wrapped).toMatch(/^[0-9a-f]{512}$/);
      expect(unwrapProjectKey(alice.privateJwk, wrapped)).toEqual(key);
      expect(() => unwrapProjectKey(bob.privateJwk, wrapped)).toThrow(/decryption failed/);
    }
  });

  it('refuses a "public key" from the server that is not one (here: a private key)', () => {
    expect(() => parsePublicKey('not json')).toThrow(/not JSON/);
    expect(() => parsePublicKey(JSON.stringify(alice.privateJwk))).toThrow(InvalidKeyError);
    expect(() => wrapProjectKey(JSON.stringify(alice.privateJwk), newProjectKey())).toThrow(InvalidKeyError);
  });

  it('re-wraps every held key for an invitee with an account, and nothing for an email without one', () => {
    const keys = new Map([
      ['prj_a', newProjectKey()],
      ['prj_b', newProjectKey()],
    ]);
    const forBob = inviteKeysFor(keys, JSON.stringify(bob.publicJwk), false);
    expect(forBob.map((k) => [k.projectId, k.autoLinked])).toEqual([
      ['prj_a', false],
      ['prj_b', false],
    ]);
    for (const k of forBob) expect(unwrapProjectKey(bob.privateJwk, k.encSymmetricKey)).toEqual(keys.get(k.projectId));
    expect(inviteKeysFor(keys, '', false)).toEqual([]);
    expect(inviteKeysFor(keys, null, true)).toEqual([]);
  });

  it('plans one copy per (project, member) it holds a key for, and reports the rest as skipped', () => {
    const held = newProjectKey();
    const mine = unwrapAll(alice.privateJwk, [{ projectId: 'prj_held', encKey: wrapProjectKey(alice.publicJwk, held) }]).keys;
    const bobPub = JSON.stringify(bob.publicJwk);
    const plan = planReconcile(mine, [
      { accountId: 'acct_bob', projectId: 'prj_held', publicKey: bobPub },
      { accountId: 'acct_bob', projectId: 'prj_held', publicKey: bobPub }, // listed twice
      { accountId: 'acct_bob', projectId: 'prj_other', publicKey: bobPub },
    ]);
    expect(plan.keys.map(({ projectId, accountId }) => [projectId, accountId])).toEqual([['prj_held', 'acct_bob']]);
    expect(unwrapProjectKey(bob.privateJwk, plan.keys[0]!.encSymmetricKey)).toEqual(held);
    expect(plan.skipped).toEqual([{ accountId: 'acct_bob', projectId: 'prj_other', publicKey: bobPub }]);
    expect(planReconcile(mine, [])).toEqual({ keys: [], skipped: [] });
  });

  it('opens every copy it can and names the projects whose copy does not open, instead of failing them all', () => {
    const held = newProjectKey();
    const opened = unwrapAll(alice.privateJwk, [
      { projectId: 'prj_bobs_copy', encKey: wrapProjectKey(bob.publicJwk, newProjectKey()) }, // wrapped for another key
      { projectId: 'prj_held', encKey: wrapProjectKey(alice.publicJwk, held) },
      { projectId: 'prj_damaged', encKey: 'ab'.repeat(256) },
    ]);
    expect([...opened.keys]).toEqual([['prj_held', held]]);
    expect(opened.unopenable).toEqual(['prj_bobs_copy', 'prj_damaged']);
  });
});

describe('org CLI arguments', () => {
  it('takes --role and checks it against the role table', () => {
    expect(parseArgs(['org', 'invite', 'o', 'e', '--role', 'admin']).flags.role).toBe('admin');
    expect(parseRole(undefined, 'member')).toBe('member');
    expect(parseRole(' Admin ', 'member')).toBe('admin');
    expect(() => parseRole('superuser', 'member')).toThrow(/role must be admin or member/);
    // ownership moves only by transfer
    expect(() => parseRole('owner', 'member')).toThrow(/role must be admin or member/);
  });
});
