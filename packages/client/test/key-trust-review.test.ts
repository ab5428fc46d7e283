/**
 * Two ways a compromised server got past the SDK's key checks (outside review of issue 14), each refused now
 * (docs/key-authenticity.md): a member listed twice with two different keys (one checked, the other
 * wrapped for), and an approval whose answer names another key than the one the person typed.
 */
import crypto from 'node:crypto';
import { fingerprintOf } from '@somnus/models';
import { FingerprintMismatchError, KeyChangedError, KeyHistoryError, SomnusClient } from '../src';
import { latestVerificationMail } from '../../../test/support/accounts';
import { withClient } from '../../../test/support/database';
import { extractCode } from '../../../test/support/smtp';
import { startTestStack, type TestStack } from '../../../test/support/stack';
import { PASS, signedUp, type SyncUser } from './sync-support';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ env: { LOG_LEVEL: 'silent' } });
});
afterAll(async () => {
  await stack?.stop();
});
const asOwner = (sql: string, values: unknown[] = []) => withClient(stack.db.migratorUrl, (c) => c.query(sql, values));

/** A man in the middle between Ann's SDK and the real server: rewrites answers or requests on the way. */
let rewriteAnswer: ((url: string, res: Response) => Promise<Response>) | null = null;
let rewriteRequest: ((url: string, init: RequestInit | undefined) => RequestInit | undefined) | null = null;
const sent: Array<{ url: string; body: any }> = [];
const mitmFetch: typeof fetch = async (input, init) => {
  const url = String(input instanceof Request ? input.url : input);
  const req = rewriteRequest ? rewriteRequest(url, init) : init;
  if (typeof req?.body === 'string') sent.push({ url, body: JSON.parse(req.body) });
  const res = await fetch(input, req);
  return rewriteAnswer ? rewriteAnswer(url, res) : res;
};

async function annBehindMitm(): Promise<SyncUser> {
  const email = `ann.${process.pid}.${crypto.randomUUID().slice(0, 6)}@example.com`;
  const client = new SomnusClient({ baseUrl: stack.baseUrl, fetch: mitmFetch });
  const { accountId } = await client.signup({ email, passphrase: PASS });
  await client.login({ email, passphrase: PASS });
  await client.verifyEmail(extractCode(await latestVerificationMail(stack.smtp, email)));
  return { email, accountId, client, keys: await client.unwrapKeys(PASS) } as SyncUser;
}

const otherPublicKey = () =>
  JSON.stringify({ ...crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' }), alg: 'RSA-OAEP-256', ext: true, key_ops: ['encrypt'] });

async function teamOfTwo(): Promise<{ ann: SyncUser; bob: SyncUser; orgId: string }> {
  const ann = await annBehindMitm();
  const bob = await signedUp(stack, 'bob');
  const { id: orgId } = await ann.client.createOrg('Review team');
  const { invitation } = await ann.client.invite(orgId, bob.email, 'member', ann.keys);
  await bob.client.acceptInvite(invitation.id);
  // Ann wraps for Bob's real key once: pinned
  await ann.client.createProject({ orgId, name: 'first', publicJwk: ann.keys.publicJwk });
  return { ann, bob, orgId };
}

afterEach(() => {
  rewriteAnswer = null;
  rewriteRequest = null;
  sent.length = 0;
});

it('a member listed twice, with the real key and another, is refused before anything is wrapped', async () => {
  const { ann, bob, orgId } = await teamOfTwo();
  const evil = otherPublicKey();
  rewriteAnswer = async (url, res) => {
    if (!url.includes('teamMemberKeys')) return res;
    const body = (await res.json()) as { data: { teamMemberKeys: { memberKeys: Array<{ accountId: string; publicKey: string }> } } };
    const keys = body.data.teamMemberKeys.memberKeys;
    const real = keys.find((k) => k.accountId === bob.accountId)!;
    keys.splice(keys.indexOf(real), 0, { ...real, publicKey: evil });
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  };
  sent.length = 0;
  const err = await ann.client.createProject({ orgId, name: 'second', publicJwk: ann.keys.publicJwk }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(KeyHistoryError);
  expect((err as KeyHistoryError).reason).toMatch(/two different public keys/);
  // nothing was sent to create the project, so nothing was wrapped for the other key
  expect(sent.filter((s) => s.url.includes('projectCreate') || JSON.stringify(s.body).includes('projectCreate'))).toEqual([]);
});

it('approveKey pins the fingerprint the person typed, and refuses when the server approved another key', async () => {
  const { ann, bob, orgId } = await teamOfTwo();
  const typed = fingerprintOf(JSON.stringify(bob.keys.publicJwk)); // what Bob reads out: his real key
  // the compromised server swaps Bob's key and approves it itself
  const evil = otherPublicKey();
  await asOwner('UPDATE accounts SET public_key = $2 WHERE id = $1', [bob.accountId, evil]);
  await asOwner('ALTER TABLE memberships DISABLE TRIGGER USER');
  try {
    await asOwner('UPDATE memberships SET approved_fingerprint = (SELECT key_fingerprint FROM accounts WHERE id = $1) WHERE account_id = $1', [bob.accountId]);
  } finally {
    await asOwner('ALTER TABLE memberships ENABLE TRIGGER USER');
  }
  await expect(ann.client.createProject({ orgId, name: 'blocked', publicJwk: ann.keys.publicJwk })).rejects.toBeInstanceOf(KeyChangedError);
  // whatever Ann types, the server approves (and answers with) its own key's fingerprint
  rewriteRequest = (url, init) => (url.includes('/approve-key') ? { ...init, body: JSON.stringify({ fingerprint: fingerprintOf(evil) }) } : init);
  await expect(ann.client.approveKey(orgId, bob.accountId, typed)).rejects.toBeInstanceOf(FingerprintMismatchError);
  rewriteRequest = null;
  // nothing was pinned: the swapped key is still refused
  await expect(ann.client.createProject({ orgId, name: 'after', publicJwk: ann.keys.publicJwk })).rejects.toBeInstanceOf(KeyChangedError);
});
