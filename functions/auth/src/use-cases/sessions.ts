import type { Pool } from 'pg';
import { listLiveSessions, recordAccountEvent, revokeSession, withTransaction, type SessionRow } from '@somnus/db';
import type { SessionListResponse } from '@somnus/models';
import { fail, ok, type Result } from '../result';

/** The caller's live sessions: when and from where, never the tokens (they are not stored). */
export async function listSessions(db: Pool, current: SessionRow): Promise<SessionListResponse> {
  const rows = await listLiveSessions(db, current.account_id);
  return {
    sessions: rows.map((s) => ({
      id: s.id,
      created: s.created_at.toISOString(),
      lastUsed: s.last_used_at.toISOString(),
      expires: s.expires_at.toISOString(),
      client: s.client,
      ip: s.ip,
      current: s.id === current.id,
    })),
  };
}

/** Revokes one of the caller's sessions; someone else's session id is "not found", never "forbidden". */
export async function revokeOwnSession(
  db: Pool,
  current: SessionRow,
  sessionId: string,
  meta: { ip: string | null; client: string | null },
): Promise<Result<{ ok: true }>> {
  const revoked = await withTransaction(db, async (tx) => {
    const done = await revokeSession(tx, current.account_id, sessionId);
    if (done) await recordAccountEvent(tx, { accountId: current.account_id, type: 'session.revoked', ...meta });
    return done;
  });
  return revoked ? ok({ ok: true }) : fail('NOT_FOUND', 'No such session');
}
