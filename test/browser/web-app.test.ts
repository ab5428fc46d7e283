import nacl from 'tweetnacl';
import { decryptAES, type AesJwk } from '@somnus/crypto';
import { SomnusClient } from '@somnus/client';
import { fingerprintOf } from '@somnus/models';
import { base64ToBytes, bytesToBase64, openSealedBox } from '@somnus/web/src/crypto';
import type { SinkMessage } from '../support/smtp';
import { startTestStack, type TestStack } from '../support/stack';
import { ensureWebBuilt } from '../support/web';
import { describeInBrowser, launchChromium, type ChromiumSession, type OpenedPage } from './support/chromium';

/**
 * The account web app in a real browser (issue 13), against the whole stack as `pnpm start` runs it
 * (gateway, every function, Postgres, the SMTP sink). Every flow is driven through the pages as a person
 * would; our SDK is the independent party that proves the browser made Insomnia-compatible material: it
 * logs in with the passphrase typed in the page, opens the keys the page made, and the test opens the
 * sealed box the page handed to "the app". Emails are read from the SMTP sink. Each page is screenshotted
 * into test-artifacts/screenshots/.
 */

const PASS = 'correct horse battery staple';
const NEW_PASS = 'seven quiet rivers under amber lamps';
let n = 0;
const newEmail = (tag: string) => `${tag}.${process.pid}.${++n}@example.com`;

/** Lines a page may log in a flow that expects the server to refuse something (the browser logs each 4xx). */
const refusedLoad = (status: number) => (line: string) => line.includes(`status of ${status}`);

describeInBrowser('the account web app in Chromium', () => {
  let stack: TestStack;
  let browser: ChromiumSession;
  beforeAll(async () => {
    await ensureWebBuilt();
    [stack, browser] = await Promise.all([startTestStack({ env: { LOG_LEVEL: 'silent' } }), launchChromium()]);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const sdk = () => new SomnusClient({ baseUrl: stack.baseUrl });
  const url = (path: string) => `${stack.baseUrl}${path}`;

  async function open(path: string): Promise<OpenedPage> {
    const opened = await browser.openPage(url(path));
    await opened.page.waitForSelector('body[data-ready="1"]', { timeout: 15_000 });
    return opened;
  }

  /** The problems of a page, less the browser's lines for refusals the flow expects. */
  const problemsBut = (opened: OpenedPage, ...expected: ((line: string) => boolean)[]) => opened.problems().filter((p) => !expected.some((e) => e(p)));

  /** The first email to `to` matching `subject` that was not among the first `seen` of its emails. */
  async function mailTo(to: string, subject: RegExp, seen = 0): Promise<SinkMessage> {
    return stack.smtp.waitForMessage((m) => m.to.some((r) => r.toLowerCase() === to.toLowerCase()) && subject.test(m.subject) && stack.smtp.messagesTo(to).indexOf(m) >= seen, 20_000);
  }

  /** The one-time code of an email: 10 characters of the server's alphabet on a line of their own. */
  function codeIn(mail: SinkMessage): string {
    const m = /^\s*([A-HJ-NP-Z2-9]{10})\s*$/m.exec(mail.text);
    if (!m) throw new Error(`no code in "${mail.subject}"`);
    return m[1]!;
  }

  /** An account made through the SDK and verified by its email's link, logged in. */
  async function sdkAccount(tag: string, passphrase = PASS): Promise<{ email: string; client: SomnusClient }> {
    const email = newEmail(tag);
    const client = sdk();
    await client.signup({ email, passphrase, firstName: tag, lastName: 'Tester' });
    const link = /https?:\/\/\S+\/app\/verify\/\?token=[0-9a-f]{64}/.exec((await mailTo(email, /confirm|verify/i)).text)![0];
    const res = await fetch(`${stack.baseUrl}/auth/verify?token=${new URL(link).searchParams.get('token')}`);
    expect(res.status).toBe(200);
    await client.login({ email, passphrase });
    return { email, client };
  }

  /** Signs in through the sign-in page (no app hand-off): the account page follows. */
  async function signInPage(email: string, passphrase: string, next?: string): Promise<OpenedPage> {
    const opened = await open(`/app/auth-app/${next ? `?next=${encodeURIComponent(next)}` : ''}`);
    await opened.page.fill('#signin-email', email);
    await opened.page.fill('#signin-passphrase', passphrase);
    await Promise.all([opened.page.waitForURL((u) => !u.pathname.startsWith('/app/auth-app/'), { timeout: 20_000 }), opened.page.click('#signin button[type=submit]')]);
    await opened.page.waitForSelector('body[data-ready="1"]');
    return opened;
  }

  it('sign up in the page; the SDK logs in with the same passphrase and opens the keys the browser made; the emailed link confirms the address', async () => {
    const email = newEmail('pagesignup');
    const opened = await open('/app/signup/');
    const { page } = opened;
    await page.fill('#signup-email', email);
    await page.fill('#signup-first', 'Paige');
    await page.fill('#signup-last', 'Browser');
    await page.fill('#signup-passphrase', 'password');
    // the meter reacts as the person types, and a guessable passphrase is refused before anything is made
    expect(await page.getAttribute('#meter-bar', 'data-score')).toBe('0');
    await page.fill('#signup-confirm', 'password');
    await page.check('#signup-understood');
    await page.click('#signup button[type=submit]');
    await page.waitForSelector('#status[data-kind="error"]');
    expect(await page.textContent('#status')).toMatch(/too easy to guess/);
    await page.fill('#signup-passphrase', PASS);
    await page.fill('#signup-confirm', PASS);
    expect(Number(await page.getAttribute('#meter-bar', 'data-score'))).toBeGreaterThanOrEqual(3);
    await opened.screenshot('signup');
    await Promise.all([page.waitForURL(url('/app/'), { timeout: 30_000 }), page.click('#signup button[type=submit]')]);
    await page.waitForSelector('#account:not([hidden])');
    expect(await page.textContent('#who-email')).toBe(email);
    expect(await page.textContent('#who-verified')).toBe('not confirmed');
    expect(problemsBut(opened)).toEqual([]);

    // the SDK (Node crypto, our SRP) logs in with what was typed in the page, and opens the browser's keys
    const client = sdk();
    await client.login({ email, passphrase: PASS });
    const keys = await client.unwrapKeys(PASS);
    expect(keys.privateJwk.kty).toBe('RSA');
    expect((await client.whoami()).firstName).toBe('Paige');

    // the link of the verification email opens the verify page, which confirms and says so
    const link = /https?:\/\/\S+\/app\/verify\/\?token=[0-9a-f]{64}/.exec((await mailTo(email, /confirm|verify/i)).text)![0];
    const verify = await open(new URL(link).pathname + new URL(link).search);
    await verify.page.waitForSelector('#result:not([hidden])');
    expect(await verify.page.textContent('#result-text')).toMatch(/confirmed/i);
    await verify.screenshot('verify-email');
    expect(problemsBut(verify)).toEqual([]);
    expect((await client.whoami()).isVerified).toBe(true);
    // opened again (a mail scanner came first): it says the address was already confirmed
    const again = await open(new URL(link).pathname + new URL(link).search);
    await again.page.waitForSelector('#result:not([hidden])');
    expect(await again.page.textContent('#result-text')).toMatch(/already/i);

    // the account page now shows the address confirmed, the session of this browser, the personal org
    await page.reload();
    await page.waitForSelector('body[data-ready="1"]');
    expect(await page.textContent('#who-verified')).toBe('confirmed');
    expect(await page.locator('#sessions li').count()).toBeGreaterThanOrEqual(2); // this browser and the SDK
    expect(await page.locator('#orgs li').count()).toBe(1);
    // the fingerprint teammates compare: the same as the one computed from the key the server hands out
    expect(await page.textContent('#who-fingerprint')).toBe(fingerprintOf((await client.whoami()).publicKey));
    await opened.screenshot('account');
  });

  it('a replaced or damaged verification link says so plainly and offers a new email', async () => {
    const { email, client } = await sdkAccount('relink');
    const opened = await signInPage(email, PASS, `/app/verify/?token=${'ab'.repeat(32)}`);
    await opened.page.waitForSelector('#again:not([hidden])');
    expect(await opened.page.textContent('#status')).toMatch(/does not work/);
    await opened.screenshot('verify-bad-link');
    // signed in, the page offers the new email itself
    expect(await opened.page.isVisible('#resend')).toBe(true);
    await opened.page.click('#resend');
    await opened.page.waitForSelector('#status[data-kind="ok"]');
    expect(await opened.page.textContent('#status')).toMatch(/already|confirmed/i); // this account is verified already
    expect(problemsBut(opened, refusedLoad(400))).toEqual([]);
    await client.logout();
  });

  it('the Insomnia hand-off: the sealed code opens with the app key pair, its token is a session and its key opens the account key', async () => {
    const { email, client } = await sdkAccount('handoff');
    const expected = (await client.unwrapKeys(PASS)).symmetricKey;
    // as the app does (docs/protocol.md §4.2): an X25519 key pair, the public key URI-encoded twice in the link
    const app = nacl.box.keyPair();
    const query = new URLSearchParams();
    query.set('loginKey', encodeURIComponent(bytesToBase64(app.publicKey)));
    const opened = await open(`/app/auth-app/?${query.toString()}&provider=email`);
    const { page } = opened;
    expect(await page.isVisible('#app-intro')).toBe(true);
    // someone new signs up and comes back to this very page, loginKey and all
    expect(await page.getAttribute('#signup-link', 'href')).toBe(`/app/signup/?next=${encodeURIComponent(new URL(page.url()).pathname + new URL(page.url()).search)}`);

    // a wrong passphrase is refused with a plain message, and nothing is handed over
    await page.fill('#signin-email', email);
    await page.fill('#signin-passphrase', 'not the passphrase');
    await page.click('#signin button[type=submit]');
    await page.waitForSelector('#status[data-kind="error"]');
    expect(await page.textContent('#status')).toMatch(/wrong email or passphrase/i);
    expect(await page.isVisible('#handoff')).toBe(false);

    await page.fill('#signin-passphrase', PASS);
    await opened.screenshot('sign-in-for-app');
    await page.click('#signin button[type=submit]');
    await page.waitForSelector('#handoff:not([hidden])', { timeout: 30_000 });
    const code = await page.inputValue('#code');
    expect(await page.getAttribute('#deep-link', 'href')).toBe(`insomnia://app/auth/finish?box=${encodeURIComponent(code)}`);
    await opened.screenshot('sign-in-handoff');
    expect(problemsBut(opened, refusedLoad(401))).toEqual([]);

    // the app's side: open the box, use the token as a session, unwrap the account key with the key
    const box = JSON.parse(new TextDecoder().decode(openSealedBox(base64ToBytes(code), app.publicKey, app.secretKey))) as { token: string; key: string };
    expect(Object.keys(box).sort()).toEqual(['key', 'token']);
    const whoami = await fetch(`${stack.baseUrl}/auth/whoami`, { headers: { 'X-Session-Id': box.token } });
    expect(whoami.status).toBe(200);
    const me = (await whoami.json()) as { email: string; encSymmetricKey: string };
    expect(me.email).toBe(email);
    const symmetricKey = JSON.parse(decryptAES(box.key, JSON.parse(me.encSymmetricKey))) as AesJwk;
    expect(symmetricKey).toEqual(expected);
    // the handed-over session is the app's: the page did not keep it
    expect(await page.evaluate('sessionStorage.getItem("somnus.session")')).toBeNull();
  });

  it('a damaged loginKey is refused before anything is typed', async () => {
    const opened = await open(`/app/auth-app/?loginKey=${encodeURIComponent('bm90IGEga2V5')}`);
    expect(await opened.page.isVisible('#signin')).toBe(false);
    expect(await opened.page.textContent('#status')).toMatch(/damaged/);
    expect(problemsBut(opened)).toEqual([]);
  });

  it('an invitation from the email link: sign up from it (verified by the link), then accept in the page', async () => {
    const { client: admin } = await sdkAccount('inviter');
    // a line break and a right-to-left override: neither may change how the invitation line reads
    const org = await admin.createOrg('Acme "Ops"\nTeam\u202E');
    const invitee = newEmail('invitee');
    await admin.invite(org.id, invitee, 'member', PASS);
    const mail = await mailTo(invitee, /invited you/i);
    const link = /https?:\/\/\S+\/app\/invite\/\?invite=[0-9a-f]{64}/.exec(mail.text)![0];

    const opened = await open(new URL(link).pathname + new URL(link).search);
    const { page } = opened;
    await page.waitForSelector('#signed-out:not([hidden])');
    await opened.screenshot('invite-landing');
    await Promise.all([page.waitForURL(/\/app\/signup\/\?invite=/), page.click('#invite-signup')]);
    await page.waitForSelector('body[data-ready="1"]');
    expect(await page.isVisible('#invite-note')).toBe(true);
    await page.fill('#signup-email', invitee);
    await page.fill('#signup-passphrase', PASS);
    await page.fill('#signup-confirm', PASS);
    await page.check('#signup-understood');
    await Promise.all([page.waitForURL(/\/app\/invite\/\?invite=/, { timeout: 30_000 }), page.click('#signup button[type=submit]')]);
    await page.waitForSelector('body[data-ready="1"]');
    await page.waitForSelector('#invitations:not([hidden])');
    const item = page.locator('#invites li');
    expect(await item.count()).toBe(1);
    // the org's name is someone else's text: shown quoted, on one line, isolated, never as markup
    expect(await item.locator('.quoted').first().textContent()).toBe('“Acme "Ops" Team”');
    await opened.screenshot('invite-pending');
    await item.locator('button[data-action="accept"]').click();
    await page.waitForSelector('#status[data-kind="ok"]');
    expect(await page.textContent('#status')).toMatch(/You joined/);
    await opened.screenshot('invite-accepted');
    expect(problemsBut(opened)).toEqual([]);

    // the SDK sees the invitee verified (by the link) and a member of the org
    const client = sdk();
    await client.login({ email: invitee, passphrase: PASS });
    expect((await client.whoami()).isVerified).toBe(true);
    expect((await client.listOrgs()).map((o) => o.id)).toContain(org.id);
    expect((await admin.members(org.id)).map((m) => m.email)).toContain(invitee);
  });

  it('change passphrase in the account page: the keys stay, the old passphrase stops working, every session ends', async () => {
    const { email, client } = await sdkAccount('changer');
    const before = await client.unwrapKeys(PASS);
    const opened = await signInPage(email, PASS);
    const { page } = opened;
    expect(page.url()).toBe(url('/app/'));
    const seen = stack.smtp.messagesTo(email).length;
    await page.click('#send-code');
    await page.waitForSelector('#status[data-kind="ok"]');
    const code = codeIn(await mailTo(email, /code|passphrase/i, seen));
    await page.fill('#change-code', code);
    await page.fill('#change-current', PASS);
    await page.fill('#change-new', NEW_PASS);
    await page.fill('#change-confirm', NEW_PASS);
    await opened.screenshot('change-passphrase');
    await Promise.all([page.waitForURL(/\/app\/auth-app\/\?changed=1/, { timeout: 30_000 }), page.click('#change button[type=submit]')]);
    await page.waitForSelector('body[data-ready="1"]');
    expect(await page.textContent('#status')).toMatch(/passphrase is changed/);
    expect(problemsBut(opened)).toEqual([]);

    // the SDK's session ended too; the new passphrase opens the very same keys, the old one logs in no more
    await expect(client.whoami()).rejects.toThrow();
    const fresh = sdk();
    await expect(fresh.login({ email, passphrase: PASS })).rejects.toThrow();
    await fresh.login({ email, passphrase: NEW_PASS });
    const after = await fresh.unwrapKeys(NEW_PASS);
    expect(after.symmetricKey).toEqual(before.symmetricKey);
    expect(after.privateJwk).toEqual(before.privateJwk);
  });

  it('reset a forgotten passphrase: the warning first, then new keys from the browser and the new passphrase logs in', async () => {
    const { email, client } = await sdkAccount('forgetful');
    const oldPublicKey = (await client.whoami()).publicKey;
    const opened = await open('/app/forgot/');
    const { page } = opened;
    expect(await page.textContent('.warning')).toMatch(/erases your encrypted data/);
    await page.fill('#request-email', email);
    const seen = stack.smtp.messagesTo(email).length;
    await page.click('#request button[type=submit]');
    await page.waitForSelector('#reset:not([hidden])');
    const code = codeIn(await mailTo(email, /reset/i, seen));
    await page.fill('#reset-code', code);
    await page.fill('#reset-passphrase', NEW_PASS);
    await page.fill('#reset-confirm', NEW_PASS);
    await opened.screenshot('forgot-passphrase');
    // without ticking the warning, nothing is sent
    await page.click('#reset button[type=submit]');
    await page.waitForSelector('#status[data-kind="error"]');
    expect(await page.textContent('#status')).toMatch(/Tick the box/);
    await page.check('#reset-understood');
    await page.click('#reset button[type=submit]');
    await page.waitForSelector('#status[data-kind="ok"]', { timeout: 30_000 });
    expect(await page.textContent('#status')).toMatch(/new keys/);
    await opened.screenshot('forgot-passphrase-done');
    expect(problemsBut(opened)).toEqual([]);

    const fresh = sdk();
    await fresh.login({ email, passphrase: NEW_PASS });
    const me = await fresh.whoami();
    expect(me.publicKey).not.toBe(oldPublicKey);
    await fresh.unwrapKeys(NEW_PASS);
  });

  it('an admin approves a member’s changed key in the account page by the fingerprint the member reads out', async () => {
    const { email: adminEmail, client: admin } = await sdkAccount('keyadmin');
    const { email: memberEmail, client: member } = await sdkAccount('keymember');
    const org = await admin.createOrg('Key Team');
    const invitation = await admin.invite(org.id, memberEmail, 'member', PASS);
    await member.acceptInvite(invitation.invitation.id);
    // the member forgets the passphrase and resets: a new key pair, quarantined in the org
    const seen = stack.smtp.messagesTo(memberEmail).length;
    await member.sendResetCode(memberEmail);
    await member.resetAccount({ email: memberEmail, code: codeIn(await mailTo(memberEmail, /reset/i, seen)), newPassphrase: NEW_PASS });
    await member.login({ email: memberEmail, passphrase: NEW_PASS });
    const memberMe = await member.whoami();
    const newFingerprint = fingerprintOf(memberMe.publicKey);

    const opened = await signInPage(adminEmail, PASS);
    const { page } = opened;
    const row = page.locator(`li[data-member="${memberMe.accountId}"]`);
    await row.waitFor();
    expect(await row.locator('.badge').textContent()).toBe('key changed: not approved');
    expect(await row.locator('code.fingerprint').textContent()).toBe(newFingerprint);
    // a fingerprint nobody compared (here: a wrong one) is refused by the server
    await row.locator('input[name=fingerprint]').fill('00000 00000 00000 00000 00000 00000');
    await row.locator('button[type=submit]').click();
    await page.waitForSelector('#status[data-kind="error"]');
    expect(await page.textContent('#status')).toMatch(/fingerprint/i);
    await opened.screenshot('approve-key');
    await row.locator('input[name=fingerprint]').fill(newFingerprint.replace(/ /g, '-'));
    await row.locator('button[type=submit]').click();
    await page.waitForSelector('#status[data-kind="ok"]');
    expect(await row.locator('.badge').textContent()).toBe('key approved');
    expect(problemsBut(opened, refusedLoad(409))).toEqual([]);
    const listed = (await admin.members(org.id)).find((m) => m.email === memberEmail.toLowerCase());
    expect(listed?.keyStatus).toBe('approved');
  });
});
