import {
  clearLacksKeysWhereComplete,
  existingKeyPairs,
  findMembership,
  insertProjectKeys,
  isUniqueViolation,
  listKeysOf,
  listMembersLackingKeys,
  projectIdsInOrg,
  quarantinedMembers,
  recordOrgEvent,
} from '@somnus/db';
import type { ReconcileKeysBody } from '@somnus/models';
import { fail, ok, orgTransaction, type OrgActor, type Result } from '@somnus/runtime';
import type { InvitesDeps } from '../deps';

const invalid = (message: string) => fail<never>('VALIDATION_ERROR', message);
const pairKey = (k: { projectId: string; accountId: string }) => `${k.projectId} ${k.accountId}`;

/**
 * GET …/my-project-keys (docs/protocol.md §6 step 3): the caller's wrapped copy of each project key, and
 * for each of those projects the members who still lack one (late sign-ups, accounts reset), with their
 * public key — exactly what the caller's client can re-wrap. Members whose changed key is not approved are
 * not listed (quarantine, docs/protocol.md §6), since current Insomnia clients wrap for everyone listed.
 */
export async function myProjectKeys(deps: InvitesDeps, actor: OrgActor) {
  return orgTransaction(deps.db, actor, async (tx) =>
    ok({
      projectKeys: (await listKeysOf(tx, actor.orgId, actor.accountId)).map((k) => ({ projectId: k.project_id, encKey: k.enc_symmetric_key })),
      members: (await listMembersLackingKeys(tx, actor.orgId, actor.accountId)).map((m) => ({
        accountId: m.account_id,
        projectId: m.project_id,
        publicKey: m.public_key,
      })),
    }),
  );
}

/**
 * POST …/reconcile-keys (§6 step 5): stores wrapped keys for members who lack them, all or nothing. Each
 * key must be for a project of this org that the caller holds (they could not have unwrapped it
 * otherwise), for a member of this org. Re-sending a key already stored unchanged is a no-op, so a
 * retry after a lost response succeeds; a different key for a pair that has one is a conflict.
 */
export async function reconcileKeys(deps: InvitesDeps, actor: OrgActor, input: ReconcileKeysBody): Promise<Result<{ count: number }>> {
  const { keys } = input;
  const { orgId } = actor;
  return orgTransaction(deps.db, actor, async (tx) => {
    if (new Set(keys.map(pairKey)).size !== keys.length) return invalid('keys lists a project and account pair more than once');
    const projectIds = [...new Set(keys.map((k) => k.projectId))];
    const accountIds = [...new Set(keys.map((k) => k.accountId))];
    const inOrgIds = await projectIdsInOrg(tx, orgId, projectIds);
    const held = new Map((await listKeysOf(tx, orgId, actor.accountId)).map((k) => [k.project_id, k.enc_symmetric_key]));
    for (const id of projectIds) {
      if (!inOrgIds.has(id)) return invalid(`keys: ${id} is not a project of this organization`);
      if (!held.has(id)) return invalid(`keys: you hold no key for ${id}, so you cannot share it`);
    }
    for (const id of accountIds) {
      if (!(await findMembership(tx, orgId, id))) return invalid(`keys: ${id} is not a member of this organization`);
    }
    // a member whose key changed and is not approved here yet gets nothing: the key may be an attacker's
    // (docs/protocol.md §6, key approval). Refused whole, before anything is stored.
    const quarantined = await quarantinedMembers(tx, orgId, accountIds);
    if (quarantined.length > 0) {
      return fail('KEY_NOT_APPROVED', `keys: the key of ${quarantined.join(', ')} changed and is not approved in this organization yet; an owner or admin approves it with approve-key after comparing fingerprints`);
    }

    const existing = await existingKeyPairs(tx, orgId, keys);
    const fresh = keys.filter((k) => !existing.has(pairKey(k)));
    for (const k of keys) {
      const stored = existing.get(pairKey(k));
      if (stored !== undefined && stored !== k.encSymmetricKey) return fail('KEY_EXISTS', `${k.accountId} already holds a key for ${k.projectId}`);
    }

    try {
      await insertProjectKeys(tx, orgId, fresh.map((k) => ({ ...k, autoLinked: false })));
    } catch (err) {
      if (isUniqueViolation(err)) return fail('KEY_EXISTS', 'Another request shared some of these keys at the same time; fetch my-project-keys again');
      throw err;
    }
    const completed = await clearLacksKeysWhereComplete(tx, orgId, accountIds);
    if (fresh.length > 0) {
      await recordOrgEvent(tx, {
        orgId,
        actorId: actor.accountId,
        type: 'keys.shared',
        ip: actor.meta.ip,
        details: { count: fresh.length, accounts: [...new Set(fresh.map((k) => k.accountId))], completed },
      });
    }
    return ok({ count: fresh.length });
  });
}
