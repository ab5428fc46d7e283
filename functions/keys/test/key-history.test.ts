import crypto from 'node:crypto';
import { fingerprintOf, keyHistoryHash, KEY_HISTORY_GENESIS, keyHistoryHead, type KeyHistoryEntry } from '@somnus/models';
import { compactVerify, importJWK } from 'jose';
import { withClient } from '../../../test/support/database';
import { startFunctions } from '../../../test/support/function-server';
import { login, newAccount, signupVerified, type TestAccount } from '../../../test/support/accounts';

/**
 * The key history (docs/key-authenticity.md §2): entry 1 at signup, one per key change written by the
 * database in the same transaction, append-only for the app role, readable by whoever may read the key,
 * and a head signed with the history-signing key.
 */

type Harness = Awaited<ReturnType<typeof startFunctions>>;
let h: Harness;

interface User {
  account: TestAccount;
  id: string;
  token: string;
}
let jane: User;
let bob: User;
let carol: User;
let dave: User;
let teamId: string;

const auth = (u: User) => ({ 'X-Session-Id': u.token });
const historyOf = (caller: User | null, accountId: string) =>
  h.keys.get(`/v1/keys/accounts/${encodeURIComponent(accountId)}/history`, caller ? auth(caller) : {});

async function signUp(email: string): Promise<User> {
  const account = await newAccount(email);
  const id = await signupVerified(h.auth, h.smtp, account);
  const session = await login(h.auth, email, account.passphrase);
  return { account, id, token: session.token! };
}

async function join(orgId: string, inviter: User, invitee: User) {
  const instr = await h.invites.post(`/v1/organizations/${orgId}/invites/instructions`, { inviteeEmail: invitee.account.email }, auth(inviter));
  expect(instr.status).toBe(200);
  const sent = await h.invites.post(`/v1/organizations/${orgId}/invites`, { inviteeId: instr.body.inviteeId, inviteeEmail: invitee.account.email }, auth(inviter));
  expect(sent.status).toBe(201);
  expect((await h.invites.post(`/v1/invites/${sent.body.id}/accept`, undefined, auth(invitee))).status).toBe(200);
}

/** Every check a client makes on a chain (the SDK's own is packages/client/src/trust/history.ts). */
function expectValidChain(entries: KeyHistoryEntry[], accountId: string) {
  entries.forEach((e, i) => {
    expect(e.seq).toBe(i + 1);
    expect(e.accountId).toBe(accountId);
    expect(e.prevHash).toBe(i === 0 ? KEY_HISTORY_GENESIS : entries[i - 1]!.hash);
    expect(keyHistoryHash(e)).toBe(e.hash);
  });
}

async function verifiedHead(head: string) {
  const jwk = (await h.keys.get('/v1/keys/history-signing-key')).body;
  const { payload, protectedHeader } = await compactVerify(head, await importJWK(jwk, 'EdDSA'));
  expect(protectedHeader).toMatchObject({ alg: 'EdDSA', kid: jwk.kid });
  return keyHistoryHead.parse(JSON.parse(new TextDecoder().decode(payload)));
}

const newPublicKey = () =>
  JSON.stringify({ ...crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' }), alg: 'RSA-OAEP-256', ext: true, key_ops: ['encrypt'] });

beforeAll(async () => {
  h = await startFunctions('auth', 'keys', 'invites');
  [jane, bob, carol, dave] = await Promise.all([signUp('jane@history.test'), signUp('bob@history.test'), signUp('carol@history.test'), signUp('dave@history.test')]);
  const team = await h.invites.post('/v1/organizations', { name: 'Acme' }, auth(jane));
  expect(team.status).toBe(201);
  teamId = team.body.id;
  await join(teamId, jane, bob);
});
afterAll(async () => h?.stop());

describe('GET /v1/keys/history-signing-key', () => {
  it('is public and gives an Ed25519 public JWK, never the private part', async () => {
    const res = await h.keys.get('/v1/keys/history-signing-key');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ kty: 'OKP', crv: 'Ed25519', x: expect.any(String), kid: expect.any(String), alg: 'EdDSA', use: 'sig' });
    expect(res.body).not.toHaveProperty('d');
  });
});

describe('GET /v1/keys/accounts/:accountId/history', () => {
  it('gives a co-member entry 1 of signup, with the fingerprint of the key and a head signed over it', async () => {
    const res = await historyOf(jane, bob.id);
    expect(res.status).toBe(200);
    const entries = res.body.entries as KeyHistoryEntry[];
    expect(entries).toHaveLength(1);
    expect(entries[0]!.fingerprint).toBe(fingerprintOf(bob.account.material.publicKey));
    expectValidChain(entries, bob.id);
    const head = await verifiedHead(res.body.head);
    expect(head).toMatchObject({ accountId: bob.id, seq: 1, hash: entries[0]!.hash });
  });

  it('the database computes the same fingerprint as fingerprintOf, for many keys', async () => {
    for (let i = 0; i < 5; i++) {
      const pk = newPublicKey();
      const { rows } = await h.db.query('SELECT app_key_fingerprint($1) AS fp', [pk]);
      expect(rows[0].fp).toBe(fingerprintOf(pk));
    }
    // not an RSA JWK (hand-made test rows): no fingerprint, where fingerprintOf throws
    expect((await h.db.query("SELECT app_key_fingerprint('pk') AS fp")).rows[0].fp).toBeNull();
  });

  it('a key change appends an entry in the same statement, chained to the last, and the head moves to it', async () => {
    const key = newPublicKey();
    // as the app role, the way the reset use case changes the key (replaceAccountKeyMaterial)
    await withClient(h.db.appUrl, (c) => c.query('UPDATE accounts SET public_key = $2 WHERE id = $1', [dave.id, key]));
    // the same key again is no new entry
    await withClient(h.db.appUrl, (c) => c.query('UPDATE accounts SET public_key = $2 WHERE id = $1', [dave.id, key]));
    const res = await historyOf(dave, dave.id);
    expect(res.status).toBe(200);
    const entries = res.body.entries as KeyHistoryEntry[];
    expect(entries.map((e) => e.fingerprint)).toEqual([fingerprintOf(dave.account.material.publicKey), fingerprintOf(key)]);
    expectValidChain(entries, dave.id);
    expect(await verifiedHead(res.body.head)).toMatchObject({ seq: 2, hash: entries[1]!.hash });
  });

  it('is append-only for the app role: forged INSERT, UPDATE and DELETE are refused (42501)', async () => {
    const tries = [
      ['UPDATE account_key_history SET fingerprint = $2 WHERE account_id = $1', [bob.id, '00000 00000 00000 00000 00000 00000']],
      ['UPDATE account_key_history SET hash = $2 WHERE account_id = $1', [bob.id, 'f'.repeat(64)]],
      ['DELETE FROM account_key_history WHERE account_id = $1', [bob.id]],
      [
        'INSERT INTO account_key_history (account_id, seq, fingerprint, created_at, prev_hash, hash) VALUES ($1, 9, $2, now(), $3, $3)',
        [bob.id, '00000 00000 00000 00000 00000 00000', 'a'.repeat(64)],
      ],
    ] as const;
    for (const [sql, values] of tries) {
      const outcome = await withClient(h.db.appUrl, async (c) => {
        await c.query('BEGIN');
        try {
          await c.query(`SELECT set_config('app.account_id', $1, true), set_config('app.email', $2, true)`, [bob.id, bob.account.email]);
          await c.query(sql, [...values]);
          return 'accepted';
        } catch (err) {
          return (err as { code?: string }).code;
        } finally {
          await c.query('ROLLBACK');
        }
      });
      expect({ sql, outcome }).toEqual({ sql, outcome: '42501' });
    }
    expect((await historyOf(jane, bob.id)).body.entries).toHaveLength(1);
  });

  it('mirrors who may read the key: a stranger, an unknown and a malformed id get the same 404 JSON; no session 401', async () => {
    const stranger = await historyOf(carol, bob.id);
    const unknown = await historyOf(jane, `acct_${crypto.randomBytes(16).toString('hex')}`);
    for (const res of [stranger, unknown]) {
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: 'NOT_FOUND', message: 'No such account' });
    }
    const malformed = await historyOf(jane, "acct_' OR 1=1 --");
    expect(malformed.status).toBe(404);
    expect(malformed.body).toMatchObject({ error: 'NOT_FOUND' });
    const anonymous = await historyOf(null, bob.id);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ error: expect.any(String), message: expect.any(String) });
    // a caller may read its own
    expect((await historyOf(carol, carol.id)).status).toBe(200);
  });

  it('an owner of a team org may read any history, as invite instructions give it any public key', async () => {
    expect((await historyOf(carol, jane.id)).status).toBe(404);
    const own = await h.invites.post('/v1/organizations', { name: 'Carol Co' }, auth(carol));
    expect(own.status).toBe(201);
    const res = await historyOf(carol, jane.id);
    expect(res.status).toBe(200);
    expect(res.body.entries[0].fingerprint).toBe(fingerprintOf(jane.account.material.publicKey));
  });
});
