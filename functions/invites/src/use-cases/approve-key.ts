import { approveMemberKey, lockMemberKeyState, memberKeyApproved, recordOrgEvent } from '@somnus/db';
import { sameFingerprint, type ApproveKeyResponse } from '@somnus/models';
import { fail, ok, orgTransaction, type OrgActor, type Result } from '@somnus/runtime';
import type { InvitesDeps } from '../deps';

/**
 * POST …/members/{accountId}/approve-key (docs/protocol.md §6, key approval): an owner or admin, having
 * compared fingerprints with the member out of band, lifts the quarantine of the member's changed key. The
 * fingerprint must be that of the member's current key, so an approval given for one key cannot be replayed
 * onto a later one. Idempotent: approving the key already approved changes nothing and logs nothing.
 * Nobody approves their own key (whoever reset an admin's account would otherwise let themselves in); the
 * database refuses it too (migration 1764100000830).
 */
/** The refusal for an owner or admin whose own changed key is not approved in the org yet. */
export const ownKeyPending = () =>
  fail(
    'FORBIDDEN',
    'Your own key changed (an account reset) and is not approved in this organization yet: until another owner or admin approves it, you cannot approve keys or invite here',
  );

export async function approveMemberKeyUseCase(
  deps: InvitesDeps,
  actor: OrgActor,
  input: { accountId: string; fingerprint: string },
): Promise<Result<ApproveKeyResponse>> {
  return orgTransaction(deps.db, actor, async (tx) => {
    const member = await lockMemberKeyState(tx, actor.orgId, input.accountId);
    if (!member) return fail('NOT_FOUND', 'No such member');
    if (input.accountId === actor.accountId) return fail('FORBIDDEN', 'Nobody approves their own key: another owner or admin compares it with you and approves it');
    if (!(await memberKeyApproved(tx, actor.orgId, actor.accountId))) return ownKeyPending();
    const current = member.key_fingerprint;
    if (!current || !sameFingerprint(input.fingerprint, current)) {
      return fail('FINGERPRINT_MISMATCH', 'This is not the fingerprint of the member’s current key: compare it with the member again (their key may have changed since)');
    }
    const done = { accountId: input.accountId, fingerprint: current, keyStatus: 'approved' as const };
    if (member.approved_fingerprint === current) return ok(done);
    await approveMemberKey(tx, actor.orgId, input.accountId, current);
    await recordOrgEvent(tx, {
      orgId: actor.orgId,
      actorId: actor.accountId,
      type: 'member.key_approved',
      subject: input.accountId,
      ip: actor.meta.ip,
      details: { fingerprint: current, previous: member.approved_fingerprint },
    });
    return ok(done);
  });
}
