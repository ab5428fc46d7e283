import { createAccountKeyMaterial, deriveKey, normalizeEmail, normalizePassphrase, type AccountKeyMaterial } from '@somnus/crypto';
import { computeClientSession, computeVerifier, createClientEphemeral, verifyServerProof, type SrpProfile } from '@somnus/srp';
import type { Api } from './api';
import { newestQueued, type SinkMessage, type SmtpSink } from './smtp';

export interface TestAccount {
  email: string;
  passphrase: string;
  profile: SrpProfile;
  material: AccountKeyMaterial;
  signupBody: Record<string, unknown>;
}

/** The SRP password of a profile: raw 32 bytes for Insomnia clients, the hex string for rfc2945 clients. */
export function srpPassword(profile: SrpProfile, authSecretHex: string): Buffer | string {
  return profile === 'insomnia' ? Buffer.from(authSecretHex, 'hex') : authSecretHex;
}

/** Key material and a signup body made the way a client makes them (the server never sees the passphrase). */
export async function newAccount(email: string, passphrase = 'correct horse battery staple', profile: SrpProfile = 'insomnia'): Promise<TestAccount> {
  const material = await createAccountKeyMaterial(passphrase, email);
  const identity = normalizeEmail(email);
  const verifier = computeVerifier(profile, identity, material.saltAuth, srpPassword(profile, material.authSecretHex));
  return {
    email: identity,
    passphrase,
    profile,
    material,
    signupBody: {
      email,
      firstName: 'Test',
      lastName: 'User',
      saltKey: material.saltKey,
      saltAuth: material.saltAuth,
      saltEnc: material.saltEnc,
      verifier,
      publicKey: material.publicKey,
      encPrivateKey: material.encPrivateKey,
      encSymmetricKey: material.encSymmetricKey,
      ...(profile === 'insomnia' ? {} : { srpProfile: profile }),
    },
  };
}

export interface LoginOutcome {
  status: number;
  body: any;
  token?: string;
  steps: { saltKey: string; saltAuth: string; srpA: string; srpB?: string; srpM1?: string; sessionStarterId?: string };
}

/** A full SRP login through the HTTP API with our client primitives. */
export async function login(http: Api, email: string, passphrase: string, profile: SrpProfile = 'insomnia'): Promise<LoginOutcome> {
  const identity = normalizeEmail(email);
  const salts = await http.post('/auth/login-s', { email });
  if (salts.status !== 200) throw new Error(`login-s ${salts.status} ${salts.text}`);
  const authSecret = await deriveKey(normalizePassphrase(passphrase), identity, salts.body.saltKey);
  const eph = createClientEphemeral();
  const steps: LoginOutcome['steps'] = { ...salts.body, srpA: eph.AHex };
  const a = await http.post('/auth/login-a', { email, srpA: eph.AHex });
  if (a.status !== 200) return { status: a.status, body: a.body, steps };
  steps.srpB = a.body.srpB;
  steps.sessionStarterId = a.body.sessionStarterId;
  const session = computeClientSession({
    profile,
    identity,
    saltHex: salts.body.saltAuth,
    password: srpPassword(profile, authSecret),
    aHex: eph.aHex,
    AHex: eph.AHex,
    BHex: a.body.srpB,
  });
  steps.srpM1 = session.M1Hex;
  const m1 = await http.post('/auth/login-m1', { sessionStarterId: a.body.sessionStarterId, srpM1: session.M1Hex });
  if (m1.status !== 200) return { status: m1.status, body: m1.body, steps };
  if (!verifyServerProof(session.expectedM2Hex, m1.body.srpM2)) throw new Error('server proof M2 did not verify');
  return { status: 200, body: m1.body, token: session.KHex, steps };
}

/** The verification email's subject (functions/auth/src/verification.ts). */
export const VERIFICATION_SUBJECT = /confirm your email address/i;

const isTo = (m: SinkMessage, email: string) => m.to.some((r) => r.toLowerCase() === normalizeEmail(email));

/** The newest verification email to `email`, waiting for the first one if none has arrived yet. */
export async function latestVerificationMail(smtp: SmtpSink, email: string): Promise<SinkMessage> {
  await smtp.waitForMessage((m) => isTo(m, email) && VERIFICATION_SUBJECT.test(m.subject), 10_000);
  return newestQueued(smtp.messagesTo(email).filter((m) => VERIFICATION_SUBJECT.test(m.subject)));
}

/** The token of the link in a verification email (`…/app/verify/?token=<64 hex>`, the web app's page). */
export function verificationToken(mail: SinkMessage): string {
  const m = /\/app\/verify\/\?token=([0-9a-f]{64})/.exec(mail.text);
  if (!m) throw new Error(`no verification link in email "${mail.subject}":\n${mail.text}`);
  return m[1]!;
}

/**
 * Does what the address's owner does (docs/protocol.md §4.1): opens the link of the newest verification
 * email. `auth` is an API that serves the auth function (the gateway, or the auth function itself).
 */
export async function verifyEmail(auth: Api, smtp: SmtpSink, email: string): Promise<void> {
  const token = verificationToken(await latestVerificationMail(smtp, email));
  const res = await auth.get(`/auth/verify?token=${token}`);
  if (res.status !== 200 || res.body.isVerified !== true) throw new Error(`verify ${res.status} ${res.text}`);
}

/**
 * Signup through the API, then the verification link followed: the account every test of something other
 * than verification starts from. Returns the signup answer's account id.
 */
export async function signupVerified(auth: Api, smtp: SmtpSink, account: TestAccount): Promise<string> {
  const res = await auth.post('/auth/signup', account.signupBody);
  if (res.status !== 200) throw new Error(`signup ${res.status} ${res.text}`);
  await verifyEmail(auth, smtp, account.email);
  return res.body.accountId;
}
