import crypto from 'node:crypto';
import { startFunctions } from '../../../test/support/function-server';

let h: Awaited<ReturnType<typeof startFunctions>>;

beforeAll(async () => {
  h = await startFunctions('maintenance');
});
afterAll(async () => h?.stop());

const ACCOUNT = 'acct_00000000000000000000000000000001';

async function ids(table: string): Promise<string[]> {
  const { rows } = await h.db.query(`SELECT id::text AS id FROM ${table} ORDER BY id`);
  return rows.map((r: { id: string }) => r.id);
}

/** Rows on both sides of every retention rule; ids say what should happen to each. */
async function seed(): Promise<void> {
  const q = h.db.query;
  await q(
    `INSERT INTO accounts (id, email, srp_profile, salt_key, salt_auth, salt_enc, verifier, public_key, enc_private_key, enc_symmetric_key)
     VALUES ($1, 'cleanup@example.com', 'insomnia', 's', 's', 's', 'v', 'pk', 'epk', 'esk')
     ON CONFLICT (id) DO NOTHING`,
    [ACCOUNT],
  );
  const usedStarter = (id: string, expires: string) =>
    q(`INSERT INTO login_starters_used (id, expires_at) VALUES (decode(md5($1), 'hex'), now() + $2::interval)`, [id, expires]);
  await usedStarter('lss_gone_2h', '-2 hours');
  await usedStarter('lss_keep_expired_10min', '-10 minutes'); // expired, but within the hour of grace
  await usedStarter('lss_keep_live', '5 minutes');

  const code = (id: string, created: string, expires: string, used: string | null) =>
    q(
      `INSERT INTO account_codes (id, account_id, purpose, code_hash, created_at, expires_at, used_at)
       VALUES ($1, $2, 'password_change', '\\x00', now() + $3::interval, now() + $4::interval, now() + $5::interval)`,
      [id, ACCOUNT, created, expires, used],
    );
  await code('code_gone_expired_2d', '-2 days', '-2 days', null);
  await code('code_gone_used_2d', '-2 days', '1 hour', '-2 days'); // used, even if not expired
  await code('code_keep_recent_used', '-1 hour', '-30 minutes', '-50 minutes'); // used but younger than a day
  await code('code_keep_open', '-5 minutes', '10 minutes', null);

  const session = (id: string, expires: string, revoked: string | null) =>
    q(
      `INSERT INTO sessions (id, token_hash, account_id, created_at, expires_at, revoked_at)
       VALUES ($1, decode(md5($1), 'hex'), $2, now() - interval '90 days', now() + $3::interval, now() + $4::interval)`,
      [id, ACCOUNT, expires, revoked],
    );
  await session('sess_gone_expired_31d', '-31 days', null);
  await session('sess_gone_revoked_31d', '10 days', '-31 days');
  await session('sess_keep_expired_29d', '-29 days', null);
  await session('sess_keep_revoked_29d', '10 days', '-29 days');
  await session('sess_keep_live', '10 days', null);

  const rateCounter = (email: string, resets: string) =>
    q(`INSERT INTO rate_counters (scope, email, ip, hits, resets_at) VALUES ('login-failures:pair', $1, '192.0.2.1', 3, now() + $2::interval)`, [email, resets]);
  await rateCounter('closed@example.com', '-1 second');
  await rateCounter('open@example.com', '10 minutes');

  // the mail ledger: the longest limit reads a day back, rows are kept two
  const mailSend = (sender: string, created: string) =>
    q(`INSERT INTO mail_sends (kind, recipient_hash, sender_account_id, created_at) VALUES ('invitation', '\\x01', $1, now() + $2::interval)`, [sender, created]);
  await mailSend('gone_3d', '-3 days');
  await mailSend('keep_1d', '-25 hours');

  // the mail outbox: settled account emails go after a week; waiting ones and incident rows stay
  const outbox = (key: string, state: string, created: string) =>
    q(`INSERT INTO mail_outbox (kind, dedupe_key, email, state, created_at) VALUES ('reset_code', $1, 'x@example.com', $2, now() + $3::interval)`, [key, state, created]);
  await outbox('gone_sent_8d', 'sent', '-8 days');
  await outbox('gone_failed_8d', 'failed', '-8 days');
  await outbox('gone_skipped_8d', 'skipped', '-8 days');
  await outbox('keep_sent_6d', 'sent', '-6 days');
  await outbox('keep_queued_8d', 'queued', '-8 days');
}

describe('maintenance function: POST /cleanup', () => {
  it('deletes exactly the rows past their retention and reports the counts', async () => {
    await seed();
    const res = await h.maintenance.post('/cleanup');
    expect(res.status).toBe(200);
    expect(res.contentType).toBe('application/json');
    expect(res.body).toEqual({ loginStarters: 1, accountCodes: 2, sessions: 2, rateCounters: 1, mailSends: 1, mailOutbox: 3 });
    expect((await h.db.query('SELECT sender_account_id FROM mail_sends')).rows).toEqual([{ sender_account_id: 'keep_1d' }]);
    expect((await h.db.query('SELECT dedupe_key FROM mail_outbox ORDER BY dedupe_key')).rows.map((r: { dedupe_key: string }) => r.dedupe_key)).toEqual([
      'keep_queued_8d',
      'keep_sent_6d',
    ]);

    const starters = await h.db.query(`SELECT id FROM login_starters_used`);
    expect(starters.rows.map((r: { id: Buffer }) => r.id.toString('hex')).sort()).toEqual(
      ['lss_keep_expired_10min', 'lss_keep_live'].map((id) => crypto.createHash('md5').update(id).digest('hex')).sort(),
    );
    expect(await ids('account_codes')).toEqual(['code_keep_open', 'code_keep_recent_used']);
    expect(await ids('sessions')).toEqual(['sess_keep_expired_29d', 'sess_keep_live', 'sess_keep_revoked_29d']);
    const { rows } = await h.db.query(`SELECT email FROM rate_counters`);
    expect(rows.map((r: { email: string }) => r.email)).toEqual(['open@example.com']);
    // the account itself is never touched
    expect(await ids('accounts')).toContain(ACCOUNT);
  });

  it('is idempotent: a second run deletes nothing more', async () => {
    const res = await h.maintenance.post('/cleanup');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ loginStarters: 0, accountCodes: 0, sessions: 0, rateCounters: 0, mailSends: 0, mailOutbox: 0 });
    expect(await ids('sessions')).toHaveLength(3);
  });

  it('answers only POST on a known job path', async () => {
    const get = await h.maintenance.get('/cleanup');
    expect(get.status).toBe(405);
    expect(get.body).toEqual({ error: 'METHOD_NOT_ALLOWED', message: expect.any(String) });
    const other = await h.maintenance.post('/drop-everything');
    expect(other.status).toBe(404);
    expect(other.body).toEqual({ error: 'NOT_FOUND', message: expect.any(String) });
    expect(await ids('sessions')).toHaveLength(3);
  });
});
