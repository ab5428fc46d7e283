import fs from 'node:fs';
import path from 'node:path';
import { MIGRATIONS_DIR } from '@somnus/db';
import { startFunctions } from '../../../test/support/function-server';
import { withClient } from '../../../test/support/database';
import { extractCode, mailsSettled, newestQueued } from '../../../test/support/smtp';
import { latestVerificationMail, login, newAccount, signupVerified, VERIFICATION_SUBJECT, verificationToken } from '../../../test/support/accounts';

/**
 * Issue 9 §4 and §5 (docs/protocol.md §4.1): signup sends a verification email with a link and a code;
 * either verifies the address; POST /auth/verify without a body sends it again, within the mail limits;
 * whoami's isVerified is the truth. Codes and reset codes are limited per recipient and per sender.
 */
type Harness = Awaited<ReturnType<typeof startFunctions>>;
let h: Harness;

beforeAll(async () => {
  h = await startFunctions('auth');
});
afterAll(async () => h?.stop());
// every test's requests come from one address (127.0.0.1): each starts with no mail counted against it
beforeEach(async () => {
  await h.db.query('DELETE FROM mail_sends');
});

const auth = (token: string) => ({ 'X-Session-Id': token });
const verificationMails = (email: string) => h.smtp.messagesTo(email).filter((m) => VERIFICATION_SUBJECT.test(m.subject));

async function signUp(email: string) {
  const account = await newAccount(email, 'pass');
  const res = await h.auth.post('/auth/signup', account.signupBody);
  expect(res.status).toBe(200);
  const session = await login(h.auth, email, 'pass');
  return { id: res.body.accountId as string, token: session.token!, signup: res.body };
}

const isVerified = async (token: string) => (await h.auth.get('/auth/whoami', auth(token))).body.isVerified;

describe('signup and the verification email', () => {
  it('starts unverified, mails a link and a code, and the link verifies the account once', async () => {
    const email = 'link@verify.test';
    const { id, token, signup } = await signUp(email);
    expect(signup).toEqual({ accountId: id, email, isVerified: false });
    expect(await isVerified(token)).toBe(false);

    const mail = await latestVerificationMail(h.smtp, email);
    const link = verificationToken(mail);
    const code = extractCode(mail);
    // only keyed hashes are stored: neither the link's token nor the code is in the row
    const { rows } = await h.db.query("SELECT code_hash, link_hash FROM account_codes WHERE account_id = $1 AND purpose = 'email_verification'", [id]);
    expect(rows).toHaveLength(1);
    for (const stored of [rows[0].code_hash, rows[0].link_hash] as Buffer[]) {
      expect(stored.length).toBe(32);
      expect(stored.toString('latin1')).not.toContain(code);
      expect(stored.toString('hex')).not.toBe(link);
    }

    const opened = await h.auth.get(`/auth/verify?token=${link}`);
    expect(opened.status).toBe(200);
    expect(opened.body).toMatchObject({ ok: true, isVerified: true });
    expect(await isVerified(token)).toBe(true);
    // opened again (a mail scanner first, then its reader): says so, verifies nothing new
    expect((await h.auth.get(`/auth/verify?token=${link}`)).body).toMatchObject({ isVerified: true, message: expect.stringMatching(/already/) });
    const events = await h.db.query("SELECT details FROM account_audit_events WHERE account_id = $1 AND type = 'account.email_verified'", [id]);
    expect(events.rows).toEqual([{ details: { by: 'link' } }]);
  });

  it('the code verifies from the session; wrong codes are counted and five burn it', async () => {
    const email = 'code@verify.test';
    const { id, token } = await signUp(email);
    const code = extractCode(await latestVerificationMail(h.smtp, email));
    const wrong = await h.auth.post('/auth/verify', { code: 'AAAAAAAAAA' }, auth(token));
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('INVALID_CODE');
    expect((await h.db.query("SELECT attempts FROM account_codes WHERE account_id = $1 AND purpose = 'email_verification'", [id])).rows[0].attempts).toBe(1);
    expect(await isVerified(token)).toBe(false);

    const right = await h.auth.post('/auth/verify', { code: code.toLowerCase().replace(/(.{5})/, '$1-') }, auth(token));
    expect(right.status).toBe(200);
    expect(right.body).toMatchObject({ ok: true, isVerified: true });
    expect(await isVerified(token)).toBe(true);

    const burnt = await signUp('burnt@verify.test');
    const burntCode = extractCode(await latestVerificationMail(h.smtp, 'burnt@verify.test'));
    for (let i = 0; i < 5; i++) expect((await h.auth.post('/auth/verify', { code: 'BBBBBBBBBB' }, auth(burnt.token))).status).toBe(400);
    expect((await h.auth.post('/auth/verify', { code: burntCode }, auth(burnt.token))).body.error).toBe('INVALID_CODE');
    expect(await isVerified(burnt.token)).toBe(false);
  });

  it('an expired link or code is 410 and verifies nothing', async () => {
    const email = 'late@verify.test';
    const { id, token } = await signUp(email);
    const mail = await latestVerificationMail(h.smtp, email);
    await h.db.query("UPDATE account_codes SET expires_at = now() - interval '1 second' WHERE account_id = $1", [id]);
    expect((await h.auth.get(`/auth/verify?token=${verificationToken(mail)}`)).status).toBe(410);
    expect((await h.auth.post('/auth/verify', { code: extractCode(mail) }, auth(token))).status).toBe(410);
    expect(await isVerified(token)).toBe(false);
  });

  it('a link that is malformed, unknown, or missing verifies nothing; an invitation link only explains itself', async () => {
    expect((await h.auth.get('/auth/verify?token=not-a-token')).body.error).toBe('INVALID_CODE');
    expect((await h.auth.get(`/auth/verify?token=${'ab'.repeat(32)}`)).body.error).toBe('INVALID_CODE');
    expect((await h.auth.get('/auth/verify')).status).toBe(400);
    const invite = await h.auth.get(`/auth/verify?invite=${'cd'.repeat(32)}`);
    expect(invite.status).toBe(200);
    expect(invite.body).toMatchObject({ ok: true, isVerified: false, message: expect.stringMatching(/somnus signup --invite/) });
  });
});

describe('POST /auth/verify without a body: the email again, rate limited', () => {
  it('sends a new email whose link replaces the old one, and refuses beyond 5 an hour with 429 and Retry-After', async () => {
    const email = 'resend@verify.test';
    const { token } = await signUp(email);
    const first = verificationToken(await latestVerificationMail(h.smtp, email));
    const again = await h.auth.post('/auth/verify', undefined, auth(token));
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ ok: true, isVerified: false });
    expect(await mailsSettled(() => verificationMails(email), 2)).toHaveLength(2);
    const second = verificationToken(await latestVerificationMail(h.smtp, email));
    expect(second).not.toBe(first);
    expect((await h.auth.get(`/auth/verify?token=${first}`)).body.error).toBe('INVALID_CODE');

    // signup's email and 4 re-sends make 5 in the hour
    for (let i = 0; i < 3; i++) expect((await h.auth.post('/auth/verify', {}, auth(token))).status).toBe(200);
    const refused = await h.auth.post('/auth/verify', {}, auth(token));
    expect(refused.status).toBe(429);
    expect(refused.body.error).toBe('RATE_LIMITED');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await mailsSettled(() => verificationMails(email), 5)).toHaveLength(5);
    // the newest link still works
    expect((await h.auth.get(`/auth/verify?token=${verificationToken(newestQueued(verificationMails(email)))}`)).body.isVerified).toBe(true);
  });

  it('sends nothing to a verified account', async () => {
    const email = 'done@verify.test';
    const account = await newAccount(email, 'pass');
    await signupVerified(h.auth, h.smtp, account);
    const token = (await login(h.auth, email, 'pass')).token!;
    const res = await h.auth.post('/auth/verify', undefined, auth(token));
    expect(res.body).toMatchObject({ ok: true, isVerified: true });
    expect(verificationMails(email)).toHaveLength(1);
    expect((await h.auth.post('/auth/verify', undefined)).status).toBe(401);
  });
});

describe('codes are limited per recipient and per sender (issue 9 §5)', () => {
  it('send-password-code: 5 an hour to one address, then 429 and no more mail (the review had 20 in a row)', async () => {
    const email = 'flood@verify.test';
    const { token } = await signUp(email); // unverified: an address the account may not own
    const codes = () => h.smtp.messagesTo(email).filter((m) => /passphrase change code/.test(m.subject));
    for (let i = 0; i < 5; i++) expect((await h.auth.post('/auth/send-password-code', undefined, auth(token))).status).toBe(200);
    for (let i = 0; i < 15; i++) {
      const res = await h.auth.post('/auth/send-password-code', undefined, auth(token));
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(await mailsSettled(codes, 5)).toHaveLength(5);
  });

  it('send-reset-code: at most 20 emails an hour caused from one source, whatever the accounts; the answer stays the same', async () => {
    const emails = Array.from({ length: 5 }, (_, i) => `spray${i}@verify.test`);
    for (const email of emails) await signUp(email);
    const resetMails = () => emails.flatMap((e) => h.smtp.messagesTo(e)).filter((m) => /account reset code/.test(m.subject));
    for (const email of emails) {
      for (let i = 0; i < 5; i++) {
        const res = await h.auth.post('/auth/send-reset-code', { email });
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ ok: true });
      }
    }
    // every request decided by notify (sent or skipped) before counting: on a loaded machine the last few
    // are still in flight when the 20th email arrives
    for (let i = 0; i < 600; i++) {
      const { rows } = await h.db.query(`SELECT count(*)::int AS n FROM mail_outbox WHERE kind IN ('reset_request', 'reset_code') AND state NOT IN ('sent', 'skipped', 'failed')`);
      if (rows[0].n === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await mailsSettled(resetMails, 20)).toHaveLength(20);
  });

  it('the ledger keeps no address, only its keyed hash', async () => {
    await signUp('ledger@verify.test');
    const { rows } = await h.db.query('SELECT * FROM mail_sends');
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toMatch(/verify\.test/);
  });
});

describe('the reset code proves the mailbox', () => {
  it('verifies an account that someone else signed up with that address, for whoever reads it', async () => {
    const email = 'squatted@verify.test';
    const squatter = await signUp(email);
    expect((await h.auth.post('/auth/send-reset-code', { email })).status).toBe(200);
    const code = extractCode((await mailsSettled(() => h.smtp.messagesTo(email).filter((m) => /account reset code/.test(m.subject)), 1)).at(-1)!);
    const fresh = await newAccount(email, 'the owner');
    const { firstName: _f, lastName: _l, ...keys } = fresh.signupBody;
    expect((await h.auth.post('/auth/reset', { ...keys, email, code })).status).toBe(200);
    expect((await h.auth.get('/auth/whoami', auth(squatter.token))).status).toBe(401);
    const owner = await login(h.auth, email, 'the owner');
    expect(await isVerified(owner.token!)).toBe(true);
  });
});

describe('migration 1764100000550: accounts that existed before verification', () => {
  it('are verified when it runs (they could only join by the mailed invitation code); new ones are not', async () => {
    const { id } = await signUp('before@verify.test');
    expect((await h.db.query('SELECT email_verified_at FROM accounts WHERE id = $1', [id])).rows[0].email_verified_at).toBeNull();
    const sql = fs.readFileSync(path.join(MIGRATIONS_DIR, '1764100000550_email-verification.sql'), 'utf8');
    const [up, down] = sql.split('-- Down Migration');
    await withClient(h.db.migratorUrl, async (c) => {
      await c.query(down!);
      await c.query(up!.replace('-- Up Migration', ''));
    });
    const { rows } = await h.db.query('SELECT email_verified_at, created_at FROM accounts WHERE id = $1', [id]);
    expect(rows[0].email_verified_at).toEqual(rows[0].created_at);
  });
});
