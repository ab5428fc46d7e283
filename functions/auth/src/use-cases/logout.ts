import type { Pool } from 'pg';
import { recordAccountEvent, revokeSession, withTransaction, type SessionRow } from '@somnus/db';

/** Revokes the caller's own session; the token stops working at once. */
export async function logout(db: Pool, session: SessionRow, meta: { ip: string | null; client: string | null }): Promise<void> {
  await withTransaction(db, async (tx) => {
    await revokeSession(tx, session.account_id, session.id);
    await recordAccountEvent(tx, { accountId: session.account_id, type: 'session.logout', ...meta });
  });
}
