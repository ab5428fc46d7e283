/**
 * Key authenticity in the SDK (docs/key-authenticity.md §3), against the REAL stack: a server that swaps a
 * member's public key behind the SDK's back, rewrites or drops key-history entries, or signs heads with
 * another key is refused before anything is wrapped; a changed key is accepted only after trustKey with
 * the new fingerprint. The "compromised server" writes the database directly as its owner.
 */
import crypto from 'node:crypto';
import { fingerprintOf, keyHistoryHash, KEY_HISTORY_GENESIS, type KeyHistoryResponse } from '@somnus/models';
import { CompactSign } from 'jose';
import { checkKeyHistory, FingerprintMismatchError, KeyChangedError, KeyHistoryError, MemoryTrustStore, SomnusClient } from '../src';
import { withClient } from '../../../test/support/database';
import { startTestStack, type TestStack } from '../../../test/support/stack';
import { signedUp, team, type SyncUser } from './sync-support';

let stack: TestStack;
let ann: SyncUser;
let bob: SyncUser;
let orgId: string;
const bobOriginalKey = () => JSON.stringify(bob.keys.publicJwk);

beforeAll(async () => {
  stack = await startTestStack({ env: { LOG_LEVEL: 'silent' } });
  ann = await signedUp(stack, 'ann');
  bob = await signedUp(stack, 'bob');
  orgId = await team(stack, ann, bob);
});
afterAll(async () => {
  await stack?.stop();
});

const asOwner = <T>(sql: string, values: unknown[] = []) => withClient(stack.db.migratorUrl, (c) => c.query(sql, values));

const newPublicKey = () =>
  JSON.stringify({ ...crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' }), alg: 'RSA-OAEP-256', ext: true, key_ops: ['encrypt'] });

const newProject = (who: SyncUser) => who.client.createProject({ orgId, name: `P ${crypto.randomUUID()}`, publicJwk: who.keys.publicJwk });

/**
 * What a compromised server does: puts another public key on the account and, as it owns the database, also
 * marks it approved in every org (past the quarantine's guards), so only the client's own checks stand.
 */
async function swapKey(accountId: string, publicKey: string): Promise<void> {
  await asOwner('UPDATE accounts SET public_key = $2 WHERE id = $1', [accountId, publicKey]);
  await asOwner('ALTER TABLE memberships DISABLE TRIGGER USER');
  try {
    await asOwner('UPDATE memberships SET approved_fingerprint = (SELECT key_fingerprint FROM accounts WHERE id = $1) WHERE account_id = $1', [accountId]);
  } finally {
    await asOwner('ALTER TABLE memberships ENABLE TRIGGER USER');
  }
}

async function currentKeyOf(accountId: string): Promise<string> {
  return (await asOwner('SELECT public_key FROM accounts WHERE id = $1', [accountId])).rows[0].public_key;
}

describe('a compromised server swaps a member’s key', () => {
  it('first wrap pins the member; a swapped key (with a consistent history) is refused naming the member and both fingerprints, until trustKey', async () => {
    // ann wraps for bob once (the invite did): pinned
    const before = await newProject(ann);
    expect(before.sharedWith).toContain(bob.accountId);
    const pinned = fingerprintOf(bobOriginalKey());

    // the server swaps bob's key; its own trigger appends a perfectly valid entry 2 for it
    const evil = newPublicKey();
    await swapKey(bob.accountId, evil);
    const err = await newProject(ann).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyChangedError);
    const changed = err as KeyChangedError;
    expect(changed.member).toEqual({ accountId: bob.accountId, email: bob.email });
    expect(changed.pinnedFingerprint).toBe(pinned);
    expect(changed.currentFingerprint).toBe(fingerprintOf(evil));
    expect(changed.message).toContain(bob.email);
    expect(changed.message).toContain(bob.accountId);
    expect(changed.message).toContain(pinned);
    expect(changed.message).toContain(fingerprintOf(evil));
    // reshare is refused the same way, and the wrong fingerprint is not accepted as a confirmation
    await expect(ann.client.trustKey(orgId, bob.accountId, pinned)).rejects.toBeInstanceOf(FingerprintMismatchError);
    await expect(newProject(ann)).rejects.toBeInstanceOf(KeyChangedError);

    // after comparing out of band, ann trusts the new fingerprint: wrapping works again
    await ann.client.trustKey(orgId, bob.accountId, fingerprintOf(evil));
    const after = await newProject(ann);
    expect(after.sharedWith).toContain(bob.accountId);
  });

  it('a history rewritten to hide the change (forged entries with valid hashes) is detected', async () => {
    // the server rewrites bob's whole history so that it looks like one key from the start
    const key = newPublicKey();
    await asOwner('ALTER TABLE accounts DISABLE TRIGGER accounts_key_history');
    try {
      await swapKey(bob.accountId, key);
    } finally {
      await asOwner('ALTER TABLE accounts ENABLE TRIGGER accounts_key_history');
    }
    await asOwner('DELETE FROM account_key_history WHERE account_id = $1', [bob.accountId]);
    const entry = { seq: 1, accountId: bob.accountId, fingerprint: fingerprintOf(key), createdAt: new Date().toISOString(), prevHash: KEY_HISTORY_GENESIS };
    await asOwner('INSERT INTO account_key_history (account_id, seq, fingerprint, created_at, prev_hash, hash) VALUES ($1, 1, $2, $3, $4, $5)', [
      bob.accountId,
      entry.fingerprint,
      entry.createdAt,
      entry.prevHash,
      keyHistoryHash(entry),
    ]);
    const err = (await newProject(ann).catch((e: unknown) => e)) as KeyHistoryError;
    expect(err).toBeInstanceOf(KeyHistoryError);
    expect(err.member.accountId).toBe(bob.accountId);
    expect(err.reason).toMatch(/shrank|rewritten/);
    // trustKey cannot paper over it either: the history itself is refused
    await expect(ann.client.trustKey(orgId, bob.accountId, fingerprintOf(key))).rejects.toBeInstanceOf(KeyHistoryError);
  });

  it('a dropped entry (the server rolls a key back and deletes its entry) is detected', async () => {
    const carol = await signedUp(stack, 'carol');
    const org2 = await team(stack, ann, carol);
    const carolKey = await currentKeyOf(carol.accountId);
    // ann sees entry 2 of carol's history when she trusts carol's next key
    const next = newPublicKey();
    await swapKey(carol.accountId, next);
    await ann.client.trustKey(org2, carol.accountId, fingerprintOf(next));
    // the server rolls back to the first key and drops entry 2
    await asOwner('ALTER TABLE accounts DISABLE TRIGGER accounts_key_history');
    try {
      await swapKey(carol.accountId, carolKey);
    } finally {
      await asOwner('ALTER TABLE accounts ENABLE TRIGGER accounts_key_history');
    }
    await asOwner('DELETE FROM account_key_history WHERE account_id = $1 AND seq = 2', [carol.accountId]);
    const err = (await ann.client.createProject({ orgId: org2, name: 'x', publicJwk: ann.keys.publicJwk }).catch((e: unknown) => e)) as KeyHistoryError;
    expect(err).toBeInstanceOf(KeyHistoryError);
    expect(err.reason).toMatch(/shrank from 2 entries to 1/);
  });
});

describe('the signed head', () => {
  it('an SDK that pinned another signing key refuses every history', async () => {
    const other = crypto.generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }) as { x: string };
    const store = new MemoryTrustStore({ signingKey: { kid: 'someone-else', x: other.x }, histories: {}, pins: {} });
    const client = new SomnusClient({ baseUrl: stack.baseUrl, sessionId: ann.client.sessionId!, trustStore: store });
    const err = (await client.createProject({ orgId, name: 'x', publicJwk: ann.keys.publicJwk }).catch((e: unknown) => e)) as KeyHistoryError;
    expect(err).toBeInstanceOf(KeyHistoryError);
    expect(err.reason).toMatch(/not signed by the pinned history-signing key/);
  });

  it('checkKeyHistory: a head signed by another key, or naming another entry, is refused; the right one passes', async () => {
    const pk = newPublicKey();
    const accountId = `acct_${crypto.randomBytes(16).toString('hex')}`;
    const e1 = { seq: 1, accountId, fingerprint: fingerprintOf(pk), createdAt: new Date().toISOString(), prevHash: KEY_HISTORY_GENESIS };
    const entry = { ...e1, hash: keyHistoryHash(e1) };
    const server = crypto.generateKeyPairSync('ed25519');
    const forger = crypto.generateKeyPairSync('ed25519');
    const pinned = { kid: 'k', x: (server.publicKey.export({ format: 'jwk' }) as { x: string }).x };
    const sign = (key: crypto.KeyObject, head: object) => new CompactSign(new TextEncoder().encode(JSON.stringify(head))).setProtectedHeader({ alg: 'EdDSA' }).sign(key);
    const head = { accountId, seq: 1, hash: entry.hash, signedAt: new Date().toISOString() };
    const history = async (key: crypto.KeyObject, h: object): Promise<KeyHistoryResponse> => ({ entries: [entry], head: await sign(key, h) });
    expect(await checkKeyHistory(accountId, await history(server.privateKey, head), pinned, pk, undefined)).toMatchObject({ ok: true });
    expect(await checkKeyHistory(accountId, await history(forger.privateKey, head), pinned, pk, undefined)).toEqual({
      ok: false,
      reason: 'the head is not signed by the pinned history-signing key',
    });
    expect(await checkKeyHistory(accountId, await history(server.privateKey, { ...head, hash: 'f'.repeat(64) }), pinned, pk, undefined)).toMatchObject({ ok: false });
    // and the key given must be the last entry's
    expect(await checkKeyHistory(accountId, await history(server.privateKey, head), pinned, newPublicKey(), undefined)).toMatchObject({ ok: false });
  });
});
