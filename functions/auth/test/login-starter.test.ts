import crypto from 'node:crypto';
import { LOGIN_STARTER_MAX_LENGTH, loginAResponse } from '@somnus/models';
import { openStarter, sealStarter, type StarterContent } from '../src/login-starter';

/** The sealed sessionStarterId (docs/protocol.md §3): only the server can read it, nobody can change it. */
const secret = crypto.randomBytes(32);
const NOW = 1_800_000_000;
const content = (email = 'someone@example.com'): StarterContent => ({
  expiresAt: NOW + 300,
  bHex: crypto.randomBytes(32).toString('hex'),
  BHex: crypto.randomBytes(256).toString('hex'),
  AHex: crypto.randomBytes(256).toString('hex'),
  email,
});

it('opens what it sealed, with a fresh id each time', () => {
  const c = content();
  const a = sealStarter(secret, c);
  const b = sealStarter(secret, c);
  expect(a).not.toBe(b);
  const opened = openStarter(secret, a, NOW);
  expect(opened).toMatchObject(c);
  expect(opened!.id).toHaveLength(16);
  expect(opened!.id.equals(openStarter(secret, b, NOW)!.id)).toBe(false);
  expect(loginAResponse.shape.sessionStarterId.safeParse(a).success).toBe(true);
});

it('keeps b secret: nothing of the plaintext shows in the starter', () => {
  const c = content();
  const raw = Buffer.from(sealStarter(secret, c).slice(4), 'base64url');
  for (const part of [c.bHex, c.BHex.slice(0, 64), c.AHex.slice(0, 64), Buffer.from(c.email).toString('hex')]) {
    expect(raw.toString('hex')).not.toContain(part);
  }
});

it('expires at the sealed time', () => {
  const s = sealStarter(secret, content());
  expect(openStarter(secret, s, NOW + 299)).not.toBeNull();
  expect(openStarter(secret, s, NOW + 300)).toBeNull();
});

it('refuses a starter altered anywhere, sealed under another secret, truncated or malformed', () => {
  const s = sealStarter(secret, content());
  const raw = Buffer.from(s.slice(4), 'base64url');
  for (let i = 0; i < raw.length; i += 7) {
    const altered = Buffer.from(raw);
    altered[i] = altered[i]! ^ 1;
    expect(openStarter(secret, `lss_${altered.toString('base64url')}`, NOW)).toBeNull();
  }
  expect(openStarter(crypto.randomBytes(32), s, NOW)).toBeNull();
  expect(openStarter(secret, s.slice(0, -10), NOW)).toBeNull();
  for (const bad of ['', 'lss_', `lss_${'0'.repeat(32)}`, s.replace('lss_', 'sess_'), `${s}!`, `lss_${crypto.randomBytes(900).toString('base64url')}`]) {
    expect(openStarter(secret, bad, NOW)).toBeNull();
  }
});

it('fits the longest email in LOGIN_STARTER_MAX_LENGTH', () => {
  const longest = `${'a'.repeat(64)}@${'b'.repeat(185)}.com`;
  expect(longest).toHaveLength(254);
  const s = sealStarter(secret, content(longest));
  expect(s.length).toBeLessThanOrEqual(LOGIN_STARTER_MAX_LENGTH);
  expect(openStarter(secret, s, NOW)!.email).toBe(longest);
});
