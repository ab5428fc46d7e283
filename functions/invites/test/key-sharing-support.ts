import { decryptRSAWithJWK, encryptRSAWithJWK, generateAesJwk, parseAesJwk, unwrapAccountKeys, type AccountKeys, type AesJwk } from '@somnus/crypto';
import type { Api } from '../../../test/support/api';
import { login, newAccount, verifyEmail, type TestAccount } from '../../../test/support/accounts';
import type { startFunctions } from '../../../test/support/function-server';
import { createProjectOverGraphql } from '../../../test/support/graphql-projects';
import type { SinkMessage } from '../../../test/support/smtp';

/** Helpers for the invite and key-sharing suites: real accounts, real key material, real HTTP. */

export type Harness = Awaited<ReturnType<typeof startFunctions>>;

export interface User {
  id: string;
  email: string;
  account: TestAccount;
  token: string;
  keys: AccountKeys;
  /** the JSON public key string exactly as the server stores it */
  publicKey: string;
}

/**
 * Signs up (client-side key material), follows the link of the verification email unless `verified` is
 * false (docs/protocol.md §4.1), logs in with SRP, and unwraps the account keys locally.
 */
export async function signUp(h: Harness, email: string, passphrase = 'pass phrase', { verified = true } = {}): Promise<User> {
  const account = await newAccount(email, passphrase);
  const res = await h.auth.post('/auth/signup', account.signupBody);
  if (res.status !== 200 && res.status !== 201) throw new Error(`signup ${res.status} ${res.text}`);
  if (verified) await verifyEmail(h.auth, h.smtp, account.email);
  const session = await login(h.auth, email, passphrase);
  const keys = await unwrapAccountKeys({ passphrase, email, ...account.material });
  return { id: res.body.accountId, email: account.email, account, token: session.token!, keys, publicKey: account.material.publicKey };
}

export const as = (u: User) => ({ 'X-Session-Id': u.token });

/** A small client for the invites function, as one user. */
export function client(api: Api, u: User) {
  return {
    get: (path: string) => api.get(path, as(u)),
    post: (path: string, body?: unknown) => api.post(path, body ?? {}, as(u)),
    patch: (path: string, body?: unknown) => api.call('PATCH', path, body ?? {}, as(u)),
    delete: (path: string) => api.delete(path, as(u)),
  };
}

/** The email of an invitation, as only the invitee's mailbox receives it (the SMTP sink). */
export function invitationMail(h: Harness, email: string, inviteId: string): Promise<SinkMessage> {
  return h.smtp.waitForMessage((m) => m.to.includes(email) && /invited you/i.test(m.subject) && m.text.includes(inviteId));
}

/** The token of the link in an invitation email (`…/app/invite/?invite=<64 hex>`). */
export function invitationToken(mail: SinkMessage): string {
  const m = /\/app\/invite\/\?invite=([0-9a-f]{64})/.exec(mail.text);
  if (!m) throw new Error(`no invitation link in email "${mail.subject}"`);
  return m[1]!;
}

/** POST /v1/invites/{id}/accept as the invitee (whose address is verified). */
export async function accept(h: Harness, u: User, inviteId: string) {
  return client(h.invites, u).post(`/v1/invites/${inviteId}/accept`);
}

/** Wraps a project key for a member's public key (a JWK JSON string), as the Insomnia client does. */
export const wrapFor = (publicKey: string, projectKey: AesJwk) => encryptRSAWithJWK(JSON.parse(publicKey), JSON.stringify(projectKey));

/** Unwraps a project key with the member's private key. */
export const unwrap = (u: User, encKey: string): AesJwk => parseAesJwk(JSON.parse(decryptRSAWithJWK(u.keys.privateJwk, encKey)));

/** Creates a team org as `owner` and returns its id. */
export async function teamOrg(h: Harness, owner: User, name = 'Acme'): Promise<string> {
  const res = await h.invites.post('/v1/organizations', { name }, as(owner));
  if (res.status !== 201) throw new Error(`create org ${res.status} ${res.text}`);
  return res.body.id;
}

/**
 * Creates a project through GraphQL projectCreate with its key wrapped for `members` (the first is the
 * caller); returns the key too. The server refuses unless `members` are exactly the org's members.
 */
export async function createProject(h: Harness, orgId: string, members: User[], name = 'API'): Promise<{ id: string; key: AesJwk }> {
  const key = generateAesJwk();
  const { id } = await createProjectOverGraphql(h.sync, as(members[0]!), {
    name,
    teamId: orgId,
    teamKeys: members.map((m) => ({ accountId: m.id, encSymmetricKey: wrapFor(m.publicKey, key) })),
  });
  return { id, key };
}

/** Row counts of every table the invite flow writes: "nothing changed" is these being equal. */
export async function counts(h: Harness): Promise<Record<string, number>> {
  const tables = ['invites', 'invite_keys', 'memberships', 'project_keys', 'projects', 'org_audit_events'];
  const out: Record<string, number> = {};
  for (const t of tables) out[t] = Number((await h.db.query(`SELECT count(*) AS n FROM ${t}`)).rows[0].n);
  const statuses = await h.db.query(`SELECT string_agg(id || ':' || status || ':' || role, ',' ORDER BY id) AS s FROM invites`);
  out[`invite_states:${statuses.rows[0].s ?? ''}`] = 1;
  const lacks = await h.db.query(`SELECT count(*) AS n FROM memberships WHERE lacks_keys`);
  out.lacks_keys = Number(lacks.rows[0].n);
  return out;
}
