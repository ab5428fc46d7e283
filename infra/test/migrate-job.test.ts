import crypto from 'node:crypto';
import { Client } from 'pg';
import { createTestDatabase, queryRows, testPostgresInfo, type TestDatabase } from '../../test/support/database';
import { ensureAppRole } from '../migrate-job/main';
import { scramSha256Verifier } from '../migrate-job/scram';

/**
 * The migration job sets the app role's password as a SCRAM-SHA-256 verifier it computes itself, so the password
 * is never in a statement the server could log. Checked against the test suite's Postgres: a login with the
 * password works on the verifier, and no statement the job sent carries the password.
 */

let db: TestDatabase;
const role = `somnus_app_scram_${crypto.randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db.drop();
  const admin = new Client({ connectionString: testPostgresInfo().adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
  } finally {
    await admin.end();
  }
});

/** Connects as `user` with `password` to the test database; returns the server's answer or its error code. */
async function login(user: string, password: string): Promise<string> {
  const url = new URL(db.appUrl);
  url.username = user;
  url.password = encodeURIComponent(password);
  const client = new Client({ connectionString: url.toString() });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ who: string }>('SELECT current_user AS who');
    return `ok ${rows[0]!.who}`;
  } catch (err) {
    return `refused ${(err as { code?: string }).code}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Every statement text sent through node-postgres while `fn` runs. */
async function statementsOf(fn: () => Promise<void>): Promise<string[]> {
  const spy = jest.spyOn(Client.prototype, 'query');
  try {
    await fn();
    return spy.mock.calls.map((args: unknown[]) => (typeof args[0] === 'string' ? args[0] : JSON.stringify(args[0])));
  } finally {
    spy.mockRestore();
  }
}

it("computes Postgres' verifier: RFC 7677's exchange checks out against it", () => {
  // RFC 7677 §3: user "user", password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==, 4096 iterations
  const verifier = scramSha256Verifier('pencil', Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'), 4096);
  const [, params, keys] = verifier.split('$');
  expect(params).toBe('4096:W22ZaJ0SNY7soEsUEjb6gQ==');
  const [storedKey, serverKey] = keys!.split(':').map((k) => Buffer.from(k, 'base64'));
  const nonce = 'rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
  const authMessage = `n=user,r=rOprNGfwEbeRWgbNEkqO,r=${nonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=${nonce}`;
  const hmac = (key: Buffer) => crypto.createHmac('sha256', key).update(authMessage).digest();
  // the server's signature the RFC shows, and the client key recovered from the RFC's proof, match the verifier
  expect(hmac(serverKey!).toString('base64')).toBe('6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
  const proof = Buffer.from('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=', 'base64');
  const clientKey = Buffer.from(proof.map((b, i) => b ^ hmac(storedKey!)[i]!));
  expect(crypto.createHash('sha256').update(clientKey).digest().equals(storedKey!)).toBe(true);
});

it('creates the app role with a verifier Postgres logs in with, and never sends the password', async () => {
  const password = crypto.randomBytes(30).toString('base64url').replace(/[-_]/g, 'x');
  const sent = await statementsOf(() => ensureAppRole(db.migratorUrl, password, role));
  expect(sent.some((t) => /CREATE ROLE .* PASSWORD 'SCRAM-SHA-256\$4096:/.test(t))).toBe(true);
  expect(sent.filter((t) => t.includes(password))).toEqual([]);

  expect(await login(role, password)).toBe(`ok ${role}`);
  expect(await login(role, `${password}x`)).toBe('refused 28P01');
  const [stored] = await queryRows<{ rolpassword: string }>(testPostgresInfo().adminUrl, 'SELECT rolpassword FROM pg_authid WHERE rolname = $1', [role]);
  expect(stored!.rolpassword).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
});

it('changes the password of an existing app role the same way', async () => {
  const before = crypto.randomBytes(24).toString('hex');
  const after = crypto.randomBytes(24).toString('hex');
  await ensureAppRole(db.migratorUrl, before, role);
  const sent = await statementsOf(() => ensureAppRole(db.migratorUrl, after, role));
  expect(sent.some((t) => /ALTER ROLE .* PASSWORD 'SCRAM-SHA-256\$/.test(t))).toBe(true);
  expect(sent.filter((t) => t.includes(after) || t.includes(before))).toEqual([]);
  expect(await login(role, after)).toBe(`ok ${role}`);
  expect(await login(role, before)).toBe('refused 28P01');
});

it('refuses a password it cannot prepare as Postgres would (non-ASCII needs SASLprep)', () => {
  expect(() => scramSha256Verifier('pässword')).toThrow(/printable ASCII/);
});
