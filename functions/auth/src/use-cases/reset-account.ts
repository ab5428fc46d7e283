import {
  countCodeAttempt,
  countSourceRequest,
  deleteAllProjectKeysOf,
  enqueueMail,
  deletePendingInviteKeysFor,
  deleteProjectsOnlyAccountCouldDecrypt,
  findAccountByEmail,
  listAccountOrgMemberships,
  listOrgAdmins,
  lockOrgShared,
  lockAccount,
  lockOpenAccountCode,
  markAccountCodeUsed,
  markEmailVerified,
  markMembershipLacksKeys,
  recordAccountEvent,
  recordOrgEvent,
  replaceAccountKeyMaterial,
  revokeOtherSessions,
  setTenantContext,
  type AccountRow,
  type Queryable,
} from '@somnus/db';
import { fingerprintOf, type ResetBody } from '@somnus/models';
import { auditMeta, constantTimeEqual, dispatchSoon, fail, failAndKeep, ok, transaction, type Anonymous, type Result } from '@somnus/runtime';
import { hashCode } from '../codes';
import type { AuthDeps } from '../deps';
import { MAX_CODE_ATTEMPTS, MAX_RESETS_PER_IP, RESET_WINDOW_SECONDS } from '../policy';
import { rateLimited, requestRetryAfter } from '../rate-limit';

type Meta = { ip: string | null; client: string | null };

/** The owners and admins of one team org, to be asked to re-share keys once the reset has committed. */
interface ReshareRequest {
  orgId: string;
  orgName: string;
  admins: string[];
  /** the member, and the fingerprint of their new key, which the admins compare with them out of band */
  accountId: string;
  fingerprint: string;
}

const WRONG_CODE = 'The code is wrong or was already used; request a new one';

/**
 * What an unknown email is checked against: an account id and a code id no row can have (server-made ids
 * are random hex; these are not hex), and a hash no code matches. The unknown email goes through the same
 * statements as a known one with a wrong code, so the answer and the work behind it are the same.
 */
const NO_ACCOUNT_ID = 'acct_none';
const NO_CODE_ID = 'code_none';
const NO_CODE_HASH = Buffer.alloc(32);

/**
 * Resets an account whose passphrase is forgotten (the seed page "Forgot Passphrase": docs/protocol.md §4.3). In one transaction:
 * the code is checked (a wrong one is counted and committed), the client's new salts, verifier and key
 * material replace the old ones, every wrapped project key of the account is deleted (its old private key
 * is unrecoverable), projects nobody else can decrypt are deleted, team memberships stay but are marked
 * as lacking keys, and every session is revoked. The team admins are emailed after the commit.
 */
export async function resetAccount(deps: AuthDeps, actor: Anonymous, input: ResetBody): Promise<Result<{ ok: true }>> {
  const meta = auditMeta(actor);
  // per source, counted in its own statement first, as signup does: unknown emails and wrong codes count too
  const tries = meta.ip ? await countSourceRequest(deps.db, { scope: 'reset:ip', ip: meta.ip, windowSeconds: RESET_WINDOW_SECONDS }) : null;
  const wait = requestRetryAfter(tries, MAX_RESETS_PER_IP, deps.clock.now());
  if (wait !== null) return rateLimited(wait, 'Too many account resets from this address; try again later');

  // an unknown email gets the answer of a wrong code, after the same statements, so the endpoint tells
  // neither by its answer nor by its time which emails exist
  const known = await findAccountByEmail(deps.db, input.email);
  const accountId = known?.id ?? NO_ACCOUNT_ID;

  const outcome = await transaction(deps.db, async (tx) => {
    await setTenantContext(tx, { accountId, email: known?.email ?? input.email });
    const account = await lockAccount(tx, accountId);
    const open = await lockOpenAccountCode(tx, accountId, 'account_reset');
    const code = account && open && open.attempts < MAX_CODE_ATTEMPTS ? open : null;
    if (code && code.expires_at.getTime() <= deps.clock.now().getTime()) return fail<never>('CODE_EXPIRED', 'The code has expired; request a new one');
    const right = constantTimeEqual(code?.code_hash ?? NO_CODE_HASH, hashCode(deps.config.serverSecret, input.code));
    if (!account || !code || !right) {
      // counted on the code; without a usable code, against no row (the same statement, nothing changes)
      await countCodeAttempt(tx, code?.id ?? NO_CODE_ID);
      return failAndKeep<never>('INVALID_CODE', WRONG_CODE);
    }
    await markAccountCodeUsed(tx, code.id);
    const reshare = await resetInTransaction(tx, account, input, meta);
    return ok(await askAdminsToReshare(tx, reshare, account, code.id));
  });
  if (!outcome.ok) return outcome;
  dispatchSoon(deps.db, outcome.value);
  return ok({ ok: true as const });
}

async function resetInTransaction(tx: Queryable, account: AccountRow, input: ResetBody, meta: Meta): Promise<ReshareRequest[]> {
  // the new key is quarantined in every team org (docs/protocol.md §6, key approval): its membership keeps
  // the fingerprint approved before, so nothing is wrapped for it until an owner or admin approves this one
  const fingerprint = fingerprintOf(input.publicKey);
  const context = { accountId: account.id, email: account.email };
  // Every org's lock, in org id order, before any row of it is touched: a member removal or role change in
  // one of them (which holds its org's lock exclusively) finishes first or waits, so the two never take
  // each other's row locks in opposite orders. Listed again once locked: a removal may have just committed.
  for (const m of await listAccountOrgMemberships(tx, account.id)) await lockOrgShared(tx, m.org_id);
  const memberships = await listAccountOrgMemberships(tx, account.id);
  const reshare: ReshareRequest[] = [];
  let projectsDeleted = 0;

  for (const m of memberships) {
    // org-scoped rows (other members' keys, projects, the org's audit log) are visible only with the org set
    await setTenantContext(tx, { ...context, orgId: m.org_id });
    const personal = m.org_type === 'personal';
    const deleted = await deleteProjectsOnlyAccountCouldDecrypt(tx, m.org_id, account.id, { personalOrg: personal });
    projectsDeleted += deleted.length;
    if (personal) continue;
    await markMembershipLacksKeys(tx, m.org_id, account.id);
    await recordOrgEvent(tx, {
      orgId: m.org_id,
      actorId: account.id,
      type: 'member.keys_reset',
      subject: account.id,
      ip: meta.ip,
      details: { projectsDeleted: deleted.length, fingerprint, previousFingerprint: account.key_fingerprint },
    });
    const admins = await listOrgAdmins(tx, m.org_id, account.id);
    reshare.push({ orgId: m.org_id, orgName: m.org_name, admins: admins.map((a) => a.email), accountId: account.id, fingerprint });
  }

  await setTenantContext(tx, context);
  const keysDeleted = await deleteAllProjectKeysOf(tx, account.id);
  const inviteKeysDeleted = await deletePendingInviteKeysFor(tx, account.email);
  await replaceAccountKeyMaterial(tx, account.id, input);
  // a login started before the reset cannot finish: M1 is checked against the new verifier (docs/protocol.md §3)
  const sessionsRevoked = await revokeOtherSessions(tx, account.id, null);
  // the code came through the mailbox, which is what verifying the address asks (docs/protocol.md §4.1):
  // so whoever reads the mailbox takes back an address someone else signed up with
  await markEmailVerified(tx, account.id);
  await recordAccountEvent(tx, {
    accountId: account.id,
    type: 'account.reset',
    ...meta,
    details: { keysDeleted, inviteKeysDeleted, projectsDeleted, sessionsRevoked, teamOrgs: reshare.length, fingerprint },
  });
  return reshare;
}

/**
 * The owners and admins of each team org are told that the member's key changed, with its new fingerprint
 * to compare out of band, and asked to approve it, then re-share keys (docs/protocol.md §6, key approval):
 * one outbox row per (org, admin), in the reset's transaction, sent by `notify` after the commit
 * (docs/architecture.md §11.3). Returns the rows.
 */
async function askAdminsToReshare(tx: Queryable, requests: ReshareRequest[], member: AccountRow, codeId: string): Promise<string[]> {
  const ids: string[] = [];
  for (const r of requests) {
    for (const to of r.admins) {
      const id = await enqueueMail(tx, {
        kind: 'key_changed',
        // one reset (its code) tells each admin of each org once
        dedupeKey: `key_changed:${codeId}:${r.orgId}:${to}`,
        accountId: null,
        email: to,
        data: { memberEmail: member.email, memberAccountId: r.accountId, fingerprint: r.fingerprint, orgId: r.orgId, orgName: r.orgName },
      });
      if (id) ids.push(id);
    }
  }
  return ids;
}
