import { listLiveSessions, recordAccountEvent, revokeSession } from '@somnus/db';
import type { SessionListResponse } from '@somnus/models';
import { auditMeta, fail, ok, transaction, type Result, type SessionActor } from '@somnus/runtime';
import type { AuthDeps } from '../deps';

/** The caller's live sessions: when and from where, never the tokens (they are not stored). */
export async function listSessions(deps: AuthDeps, actor: SessionActor): Promise<Result<SessionListResponse>> {
  const rows = await listLiveSessions(deps.db, actor.accountId);
  return ok({
    sessions: rows.map((s) => ({
      id: s.id,
      created: s.created_at.toISOString(),
      lastUsed: s.last_used_at.toISOString(),
      expires: s.expires_at.toISOString(),
      client: s.client,
      ip: s.ip,
      current: s.id === actor.session.id,
    })),
  });
}

/** Revokes one of the caller's sessions; someone else's session id is "not found", never "forbidden". */
export async function revokeOwnSession(deps: AuthDeps, actor: SessionActor, input: { sessionId: string }): Promise<Result<{ ok: true }>> {
  return transaction(deps.db, async (tx) => {
    if (!(await revokeSession(tx, actor.accountId, input.sessionId))) return fail('NOT_FOUND', 'No such session');
    await recordAccountEvent(tx, { accountId: actor.accountId, type: 'session.revoked', ...auditMeta(actor) });
    return ok({ ok: true as const });
  });
}
