import {
  enqueueMail,
  copyInviteKeysTo,
  countAccountEventsSince,
  findAccountByEmail,
  findAccountById,
  findInviteInOrg,
  findMembership,
  findOrganization,
  findPendingInvite,
  insertInvite,
  insertInviteKeys,
  insertMembership,
  isUniqueViolation,
  listKeysOf,
  listPendingInvites,
  listPendingInvitesFor,
  findInviteOrgId,
  lockAccountCounter,
  lockInvite,
  lockOrganizationForInvites,
  lockOrgShared,
  projectIdsInOrg,
  recordAccountEvent,
  recordOrgEvent,
  seatsInUse,
  setInviteRole,
  setInviteStatus,
  setTenantOrg,
  type AccountRow,
  type InviteListRow,
  type InviteRole,
  type InviteRow,
  type OrganizationRow,
  type Queryable,
  memberKeyApproved,
} from '@somnus/db';
import { ownKeyPending } from './approve-key';
import { roleFromId, type CreateInviteBody } from '@somnus/models';
import {
  dispatchSoon,
  fail,
  hashLinkToken,
  newId,
  newLinkToken,
  ok,
  reserveMail,
  tenantOf,
  orgTransaction, tenantTransaction,
  type Failure,
  type OrgActor,
  type Result,
  type SessionActor,
} from '@somnus/runtime';
import type { PoolClient } from 'pg';
import type { InvitesDeps } from '../deps';

const INVITE_ID = /^inv_[0-9a-f]{32}$/;
const inviteNotFound = () => fail<never>('NOT_FOUND', 'No such invitation');
const closed = (i: InviteRow) => fail<never>('INVITE_CLOSED', `This invitation was already ${i.status}`);
const expired = () => fail<never>('INVITE_EXPIRED', 'This invitation has expired; ask for a new one');
const invalid = (message: string) => fail<never>('VALIDATION_ERROR', message);
/**
 * Only a verified address is proof of the mailbox an invitation went to (docs/protocol.md §6), and only a
 * verified account may send invitations (instructions and invites).
 */
const unverified = () =>
  fail<never>('EMAIL_NOT_VERIFIED', 'Verify your email address first: open the link of the verification email, or POST /auth/verify for a new one (somnus verify)');

/** Lookups of whether an email has an account (instructions, invites): 50 an hour per account, every one counted. */
const LOOKUP_WINDOW_MS = 60 * 60 * 1000;
const MAX_LOOKUPS_PER_WINDOW = 50;

const emailDomain = (email: string) => email.slice(email.lastIndexOf('@') + 1);

/** A role an invitation can carry: admin or member (ownership is transferred, never granted by invite). */
function inviteRole(roleIdOrName: string): Result<InviteRole> {
  const role = roleFromId(roleIdOrName);
  if (!role) return invalid(`Unknown role ${roleIdOrName}`);
  if (role === 'owner') return fail('FORBIDDEN', 'An invitation cannot make someone the owner; transfer ownership instead');
  return ok(role);
}

/**
 * The org's rules for inviting `email`, shared by instructions and invites: team orgs only, the
 * allowed domains (seed "Invite Controls"), not a member already, and a free seat. Null when allowed.
 */
async function mayInvite(tx: Queryable, org: OrganizationRow, email: string, invitee: AccountRow | null): Promise<Failure | null> {
  if (org.type === 'personal') return fail('FORBIDDEN', 'A personal organization cannot have other members; create a team organization') as Failure;
  const domains = org.allowed_invite_domains;
  if (domains.length > 0 && !domains.includes(emailDomain(email))) {
    return fail('FORBIDDEN', `This organization only invites addresses at ${domains.join(', ')}`) as Failure;
  }
  if (invitee && (await findMembership(tx, org.id, invitee.id))) return fail('ALREADY_MEMBER', `${email} is already a member`) as Failure;
  if (org.seat_limit !== null) {
    const { used, includesEmail } = await seatsInUse(tx, org.id, email);
    if (!includesEmail && used + 1 > org.seat_limit) {
      return fail('NEEDS_TO_INCREASE_SEATS', `All ${org.seat_limit} seats of this organization are taken (members and pending invitations)`) as Failure;
    }
  }
  return null;
}

/**
 * Anyone can own a team org, so an answer that depends on whether an email has an account (instructions'
 * public key, invites' keys and ids) would let an account probe addresses in bulk. Every such lookup, from
 * either endpoint, is recorded and capped per account before the account is read; the caller's refusals
 * after it keep the record (`kept`), so a refused probe counts too.
 */
async function countLookup(tx: PoolClient, deps: InvitesDeps, actor: OrgActor): Promise<Result<null>> {
  await lockAccountCounter(tx, actor.accountId, 'invite.lookup');
  const since = new Date(deps.clock.now().getTime() - LOOKUP_WINDOW_MS);
  if ((await countAccountEventsSince(tx, actor.accountId, 'invite.lookup', since)) >= MAX_LOOKUPS_PER_WINDOW) {
    return fail('RATE_LIMITED', 'Too many invitation lookups; try again later', { headers: { 'Retry-After': String(LOOKUP_WINDOW_MS / 1000) } });
  }
  await recordAccountEvent(tx, { accountId: actor.accountId, type: 'invite.lookup', ip: actor.meta.ip, client: null, details: { orgId: actor.orgId } });
  return ok(null);
}

/** A refusal after a counted lookup: the lookup's record is the only write so far, and it must stay. */
const kept = <T>(r: Result<T>): Result<T> => (r.ok ? r : { ...r, commit: true });

/**
 * The invitee as the inviter may know it: an account whose address is verified. An account that has not
 * shown it reads the invited mailbox is treated as no account (docs/architecture.md §11.1): no invitation
 * email goes to it, its public key is not handed out, and keys reach it through reconcile-keys once it
 * has verified and accepted.
 */
const verifiedOnly = (account: AccountRow | null): AccountRow | null => (account?.email_verified_at ? account : null);

/**
 * Who an address is, as an inviter may learn it: one lookup, counted against the cap (a refusal by the
 * org's invite policy keeps the count), then the policy. `account` is whoever holds the address;
 * `invitee` is that account only when verified: an unverified one is no account to the inviter.
 */
async function lookUpInvitee(
  tx: PoolClient,
  deps: InvitesDeps,
  actor: OrgActor,
  org: OrganizationRow,
  email: string,
): Promise<Result<{ account: AccountRow | null; invitee: AccountRow | null }>> {
  const counted = await countLookup(tx, deps, actor);
  if (!counted.ok) return counted;
  const account = await findAccountByEmail(tx, email);
  const refused = await mayInvite(tx, org, email, account);
  if (refused) return kept(refused);
  return ok({ account, invitee: verifiedOnly(account) });
}

/**
 * The rule for invitees whose key changed recently (docs/protocol.md §6, key approval): whoever takes over a
 * mailbox can reset the account behind it, and the invitation goes to that mailbox. So a key that changed
 * less than one invitation lifetime before `reference` is not trusted on the invitation's word: it is not
 * offered in instructions, keys are not accepted for it with an invitation, and accepting an invitation
 * whose lifetime saw the change joins quarantined until an owner or admin approves the key. A key older
 * than that (an invitation re-issued a lifetime after the reset) is treated as any other.
 */
export function keyTooRecent(account: Pick<AccountRow, 'key_changed_at'>, reference: Date, inviteTtlSeconds: number): boolean {
  return account.key_changed_at !== null && account.key_changed_at.getTime() > reference.getTime() - inviteTtlSeconds * 1000;
}

interface Instructions {
  inviteeId: string;
  inviteeEmail: string;
  inviteePublicKey: string;
  inviteeAutoLinked: boolean;
  inviteKeys: { projectId: string; encSymmetricKey: string; autoLinked: boolean }[];
}


/**
 * POST …/invites/instructions (docs/protocol.md §6 step 2): the invitee's public key, so the inviter's
 * client can wrap the org's project keys for them. An email without a verified account gets empty ids:
 * its keys are shared after sign-up (or verification) through reconcile-keys.
 */
export async function inviteInstructions(deps: InvitesDeps, actor: OrgActor, input: { inviteeEmail: string }) {
  // an unverified sender could mail anyone and multiply the lookup cap with throwaway accounts
  if (!actor.emailVerified) return unverified();
  const { inviteeEmail } = input;
  return orgTransaction(deps.db, actor, async (tx): Promise<Result<Instructions>> => {
    const org = await findOrganization(tx, actor.orgId);
    if (!org) return fail('NOT_FOUND', 'No such organization');
    if (!(await memberKeyApproved(tx, actor.orgId, actor.accountId))) return ownKeyPending();
    const looked = await lookUpInvitee(tx, deps, actor, org, inviteeEmail);
    if (!looked.ok) return looked;
    // a key that changed recently is answered as no usable key: the client wraps nothing for it (keyTooRecent)
    const invitee = looked.value.invitee;
    const known = invitee && !keyTooRecent(invitee, deps.clock.now(), deps.config.inviteTtlSeconds) ? invitee : null;
    return ok({
      inviteeId: known?.id ?? '',
      inviteeEmail,
      inviteePublicKey: known?.public_key ?? '',
      inviteeAutoLinked: false,
      inviteKeys: [],
    });
  });
}

/**
 * The keys sent with an invitation, checked before anything about the invitee is read, so that made-up
 * keys are refused the same way for every address (issue 9 §5): each for a project of this org, once, that
 * the inviter holds a key for.
 */
async function checkInviteKeys(tx: Queryable, orgId: string, inviterId: string, keys: CreateInviteBody['inviteKeys']): Promise<Failure | null> {
  const projectIds = keys.map((k) => k.projectId);
  if (new Set(projectIds).size !== projectIds.length) return invalid('inviteKeys lists a project more than once') as Failure;
  if (projectIds.length === 0) return null;
  const inOrgIds = await projectIdsInOrg(tx, orgId, projectIds);
  const held = new Set((await listKeysOf(tx, orgId, inviterId)).map((k) => k.project_id));
  for (const id of projectIds) {
    if (!inOrgIds.has(id)) return invalid(`inviteKeys: ${id} is not a project of this organization`) as Failure;
    if (!held.has(id)) return invalid(`inviteKeys: you hold no key for ${id}, so you cannot share it`) as Failure;
  }
  return null;
}

interface SentInvite {
  id: string;
  email: string;
  role: InviteRole;
  expiresAt: Date;
  /** false when the address has an account that is not verified: only its own mail goes there (§11.1) */
  mailed: boolean;
  /** its email in the mail outbox, when mailed */
  outboxId: string | null;
}

/**
 * POST …/invites (§6 step 4): a pending invitation carrying the project keys wrapped for the invitee. In
 * order: the role and the keys (nothing about the invitee read yet), the lookup of the invitee's account
 * (counted, like instructions), the org's rules, then the mail limits (per address across every org, per
 * inviting account: docs/architecture.md §11.1). The email goes out after the commit with a link whose
 * token verifies the address when used (docs/protocol.md §6); only its keyed hash is stored.
 */
export async function createInvite(deps: InvitesDeps, actor: OrgActor, body: CreateInviteBody) {
  // only a verified sender invites: anyone can sign up with any address, and an invitation is an email to
  // someone else (docs/architecture.md §11.1); checked before anything, so nothing is looked up or counted
  if (!actor.emailVerified) return unverified();
  const role = inviteRole(body.role ?? 'member');
  if (!role.ok) return role;
  const linkToken = newLinkToken();
  const { orgId } = actor;
  const sent = await orgTransaction(deps.db, actor, async (tx): Promise<Result<SentInvite>> => {
    await lockOrganizationForInvites(tx, orgId);
    const org = await findOrganization(tx, orgId);
    const inviter = await findAccountById(tx, actor.accountId);
    if (!org || !inviter) return fail('NOT_FOUND', 'No such organization');
    if (!(await memberKeyApproved(tx, orgId, actor.accountId))) return ownKeyPending();
    const email = body.inviteeEmail;
    const keys = body.inviteKeys;
    const badKeys = await checkInviteKeys(tx, orgId, actor.accountId, keys);
    if (badKeys) return badKeys;

    const looked = await lookUpInvitee(tx, deps, actor, org, email);
    if (!looked.ok) return looked;
    const { account, invitee } = looked.value;
    const mailed = !account || invitee !== null;
    if (body.inviteeId && body.inviteeId !== invitee?.id) return kept(invalid('inviteeId is not the account of inviteeEmail'));
    if (keys.length > 0 && !invitee) {
      return kept(invalid('inviteKeys need the invitee’s public key; this email has no account yet, so share keys with reconcile-keys after they join'));
    }
    if (keys.length > 0 && keyTooRecent(invitee!, deps.clock.now(), deps.config.inviteTtlSeconds)) {
      return kept(fail<never>('KEY_NOT_APPROVED', 'inviteKeys: this account’s key changed recently, so no keys go with the invitation; an owner or admin approves the key after the invitee joins, then re-shares'));
    }
    const pending = await findPendingInvite(tx, orgId, email);
    if (pending && pending.expires_at > deps.clock.now()) return kept(fail<never>('INVITE_EXISTS', `${email} already has a pending invitation (${pending.id})`));
    // revoking and inviting again is one more email each time: the limits count emails, not invitations
    const allowance = mailed
      ? await reserveMail(tx, deps.config.serverSecret, deps.clock.now(), { kind: 'invitation', to: email, sender: { accountId: actor.accountId }, orgId })
      : ({ allowed: true } as const);
    if (!allowance.allowed) {
      const wait = String(allowance.retryAfterSeconds);
      const what = { pair: 'This address has received too many invitations from this organization', recipient: 'This address has received too many invitations', sender: 'You have sent too many invitations' }[allowance.limitedBy];
      return kept(fail<never>('RATE_LIMITED', `${what} recently; try again in ${wait} seconds`, { headers: { 'Retry-After': wait } }));
    }

    if (pending) await setInviteStatus(tx, pending.id, 'expired');
    const id = newId('inv');
    // read late in the transaction: created_at is its start, and the TTL must not come out a hair short
    const expiresAt = new Date(deps.clock.now().getTime() + deps.config.inviteTtlSeconds * 1000);
    const linkTokenHash = hashLinkToken(deps.config.serverSecret, 'invite-link', linkToken);
    try {
      await insertInvite(tx, { id, orgId, inviterId: actor.accountId, email, role: role.value, expiresAt, linkTokenHash });
    } catch (err) {
      if (isUniqueViolation(err)) return fail<never>('INVITE_EXISTS', `${email} already has a pending invitation`);
      throw err;
    }
    await insertInviteKeys(tx, orgId, id, keys);
    await recordOrgEvent(tx, { orgId, actorId: actor.accountId, type: 'invite.sent', subject: id, ip: actor.meta.ip, details: { email, role: role.value, keys: keys.length } });
    const inviterName = [inviter.first_name, inviter.last_name].filter(Boolean).join(' ') || inviter.email;
    // the email is an outbox row of this transaction, sent by notify (docs/architecture.md §11.3)
    const outboxId = mailed
      ? await enqueueMail(tx, {
          kind: 'invitation',
          dedupeKey: `invitation:${id}`,
          accountId: invitee?.id ?? null,
          email,
          data: { inviteId: id, orgName: org.name, inviterName, inviterEmail: inviter.email, role: role.value, expiresAt: expiresAt.toISOString(), secret: { linkToken } },
        })
      : null;
    return ok({ id, email, role: role.value, expiresAt, mailed, outboxId });
  });
  if (!sent.ok) return sent;
  const invite = sent.value;
  if (invite.outboxId) dispatchSoon(deps.db, [invite.outboxId]);
  // queued with the invitation (the outbox sends it, retrying a mail server that is down); not mailed: the
  // account finds it with GET /v1/invites once its address is verified
  return ok({ id: invite.id, inviteeEmail: invite.email, role: invite.role, expiresAt: invite.expiresAt.toISOString(), emailSent: invite.mailed });
}

function presentInvitation(i: InviteListRow) {
  return {
    id: i.id,
    inviter: { name: i.inviter_name },
    invitee: { email: i.invitee_email },
    created_at: i.created_at.toISOString(),
    expires_at: i.expires_at.toISOString(),
    roles: [i.role],
  };
}

/** GET …/invites: pending, unexpired invitations (§6 shape, not paginated). */
export async function listOrgInvites(deps: InvitesDeps, actor: OrgActor) {
  return orgTransaction(deps.db, actor, async (tx) => ok({ invitations: (await listPendingInvites(tx, actor.orgId)).map(presentInvitation) }));
}

async function pendingInviteInOrg(tx: Queryable, orgId: string, invitationId: string): Promise<Result<InviteRow>> {
  const invite = INVITE_ID.test(invitationId) ? await findInviteInOrg(tx, orgId, invitationId) : null;
  if (!invite) return inviteNotFound();
  if (invite.status !== 'pending') return closed(invite);
  return ok(invite);
}

/** PATCH …/invites/{id} {roles:[roleId]} (§6 step 6: the client sets a non-default role after inviting). */
export async function updateInviteRole(deps: InvitesDeps, actor: OrgActor, input: { invitationId: string; roleId: string }) {
  const role = inviteRole(input.roleId);
  if (!role.ok) return role;
  return orgTransaction(deps.db, actor, async (tx) => {
    if (!(await memberKeyApproved(tx, actor.orgId, actor.accountId))) return ownKeyPending();
    const found = await pendingInviteInOrg(tx, actor.orgId, input.invitationId);
    if (!found.ok) return found;
    const invite = found.value;
    if (invite.expires_at <= deps.clock.now()) return expired();
    if (invite.role !== role.value) {
      await setInviteRole(tx, invite.id, role.value);
      await recordOrgEvent(tx, {
        orgId: actor.orgId,
        actorId: actor.accountId,
        type: 'invite.updated',
        subject: invite.id,
        ip: actor.meta.ip,
        details: { from: invite.role, to: role.value },
      });
    }
    // the database clock decides expiry in that list; if it just passed, say so rather than fail
    const row = (await listPendingInvites(tx, actor.orgId)).find((i) => i.id === invite.id);
    return row ? ok(presentInvitation(row)) : expired();
  });
}

/** DELETE …/invites/{id}: revoked, with its wrapped keys left unusable (accept refuses it). */
export async function revokeInvite(deps: InvitesDeps, actor: OrgActor, input: { invitationId: string }): Promise<Result<{ ok: true }>> {
  return orgTransaction(deps.db, actor, async (tx) => {
    const found = await pendingInviteInOrg(tx, actor.orgId, input.invitationId);
    if (!found.ok) return found;
    const invite = found.value;
    await setInviteStatus(tx, invite.id, 'revoked');
    await recordOrgEvent(tx, { orgId: actor.orgId, actorId: actor.accountId, type: 'invite.revoked', subject: invite.id, ip: actor.meta.ip, details: { email: invite.invitee_email } });
    return ok({ ok: true as const });
  });
}

/**
 * GET /v1/invites: the caller's own live invitations, found by their email (RLS invitee clause). Only for
 * a verified address: anyone can sign up with any address, and an invitation names its org, its inviter
 * and the role (docs/protocol.md §6). The tenant context leaves an unverified email out too (tenantOf).
 */
export async function listMyInvites(deps: InvitesDeps, actor: SessionActor) {
  if (!actor.emailVerified) return unverified();
  return tenantTransaction(deps.db, tenantOf(actor), async (tx) =>
    ok({
      invitations: (await listPendingInvitesFor(tx, actor.email)).map((i) => ({
        id: i.id,
        organization: { id: i.org_id, name: i.org_name },
        inviter: { name: i.inviter_name, email: i.inviter_email ?? '' },
        role: i.role,
        created_at: i.created_at.toISOString(),
        expires_at: i.expires_at.toISOString(),
      })),
    }),
  );
}

/**
 * The invitee's own invitation, locked. Someone else's invitation is not visible (RLS) and is the same
 * 404 as one that does not exist; the email check repeats what RLS already enforces.
 */
async function myPendingInvite(tx: Queryable, actor: SessionActor, invitationId: string, now: Date): Promise<Result<InviteRow>> {
  const orgId = INVITE_ID.test(invitationId) ? await findInviteOrgId(tx, invitationId) : null;
  if (!orgId) return inviteNotFound();
  // the org's lock before the invite's row lock, in the order every org action takes them: an org being
  // deleted (which locks the org, then cascades to its invites) finishes first, or waits for this one
  await lockOrgShared(tx, orgId);
  const invite = await lockInvite(tx, invitationId);
  if (!invite || invite.invitee_email !== actor.email) return inviteNotFound();
  if (invite.status !== 'pending') return closed(invite);
  if (invite.expires_at <= now) return expired();
  return ok(invite);
}

/**
 * POST /v1/invites/{id}/accept: in one transaction under the invitee's context, the membership with the
 * invitation's role, the wrapped keys it carried, and the audit event. Only for a verified address, which
 * is what proves the invitee reads the mailbox the invitation went to (docs/protocol.md §6); RLS lets the
 * invitee add only themselves, only to an org with a live invitation for their verified email
 * (app_may_join_as).
 */
export async function acceptInvite(deps: InvitesDeps, actor: SessionActor, input: { invitationId: string }) {
  if (!actor.emailVerified) return unverified();
  return tenantTransaction(deps.db, tenantOf(actor), async (tx) => {
    const found = await myPendingInvite(tx, actor, input.invitationId, deps.clock.now());
    if (!found.ok) return found;
    const invite = found.value;
    const orgId = invite.org_id;
    await setTenantOrg(tx, orgId);
    const existing = await findMembership(tx, orgId, actor.accountId);
    // joining approves the current key, unless it changed within the invitation's lifetime (keyTooRecent)
    const account = existing ? null : await findAccountById(tx, actor.accountId);
    const keyPending = account !== null && keyTooRecent(account, invite.created_at, deps.config.inviteTtlSeconds);
    if (!existing) await insertMembership(tx, { orgId, accountId: actor.accountId, role: invite.role, keyPending });
    const projectKeys = await copyInviteKeysTo(tx, invite.id, actor.accountId);
    await setInviteStatus(tx, invite.id, 'accepted');
    await recordOrgEvent(tx, { orgId, actorId: actor.accountId, type: 'invite.accepted', subject: invite.id, ip: actor.meta.ip, details: { role: invite.role, keys: projectKeys, ...(keyPending ? { keyPending } : {}) } });
    return ok({ organizationId: orgId, role: existing?.role ?? invite.role, projectKeys });
  });
}

/** POST /v1/invites/{id}/decline. The event is written while the invitation is still live (RLS policy org_audit_events_invitee_decline). */
export async function declineInvite(deps: InvitesDeps, actor: SessionActor, input: { invitationId: string }): Promise<Result<{ ok: true }>> {
  // declining is answering someone else's invitation too: only the verified owner of the address may
  if (!actor.emailVerified) return unverified();
  return tenantTransaction(deps.db, tenantOf(actor), async (tx) => {
    const found = await myPendingInvite(tx, actor, input.invitationId, deps.clock.now());
    if (!found.ok) return found;
    await recordOrgEvent(tx, { orgId: found.value.org_id, actorId: actor.accountId, type: 'invite.declined', subject: found.value.id, ip: actor.meta.ip });
    await setInviteStatus(tx, found.value.id, 'declined');
    return ok({ ok: true as const });
  });
}
