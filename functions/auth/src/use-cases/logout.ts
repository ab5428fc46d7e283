import { recordAccountEvent, revokeSession } from '@somnus/db';
import { auditMeta, ok, transaction, type Result, type SessionActor } from '@somnus/runtime';
import type { AuthDeps } from '../deps';

/** Revokes the caller's own session; the token stops working at once. */
export async function logout(deps: AuthDeps, actor: SessionActor): Promise<Result<{ ok: true }>> {
  return transaction(deps.db, async (tx) => {
    await revokeSession(tx, actor.accountId, actor.session.id);
    await recordAccountEvent(tx, { accountId: actor.accountId, type: 'session.logout', ...auditMeta(actor) });
    return ok({ ok: true as const });
  });
}
