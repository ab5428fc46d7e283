import type { Queryable } from '../pool';

/** The emails a request can make the server send, each counted on its own (migration …_552_mail-sends). */
export type MailKind = 'verification' | 'password_code' | 'reset_code' | 'invitation';

/** Who caused an email: an account (a session's request), or for a request without one, its IP. */
export type MailSender = { accountId: string } | { ip: string };

export interface MailWindow {
  count: number;
  /** the oldest counted send: the window frees a slot when it leaves */
  oldest: Date | null;
}

/**
 * Serialises the decisions to mail one recipient until the transaction ends, so two concurrent requests
 * cannot both take the last slot. Advisory: needs no privilege, and the key is the recipient's HMAC.
 */
export async function lockMailRecipient(db: Queryable, recipientHash: Buffer): Promise<void> {
  await db.query({
    name: 'lock-mail-recipient',
    text: `SELECT pg_advisory_xact_lock(hashtextextended('mail:' || encode($1::bytea, 'hex'), 0))`,
    values: [recipientHash],
  });
}

/**
 * Serialises reservations by one sender (an account or an IP): its limit counts across recipients, and two
 * reservations for different recipients would otherwise both read the count below the limit. Taken after
 * the recipient's lock, in every transaction, and each transaction reserves one email: no two can wait on
 * each other's locks in the opposite order.
 */
export async function lockMailSender(db: Queryable, sender: MailSender): Promise<void> {
  await db.query({
    name: 'lock-mail-sender',
    text: `SELECT pg_advisory_xact_lock(hashtextextended('mail-sender:' || $1, 0))`,
    values: ['ip' in sender ? `ip:${sender.ip}` : `account:${sender.accountId}`],
  });
}

export async function mailsToRecipientSince(db: Queryable, recipientHash: Buffer, kind: MailKind, since: Date): Promise<MailWindow> {
  const { rows } = await db.query<{ n: string; oldest: Date | null }>(
    `SELECT count(*) AS n, min(created_at) AS oldest FROM mail_sends WHERE recipient_hash = $1 AND kind = $2 AND created_at >= $3`,
    [recipientHash, kind, since],
  );
  return { count: Number(rows[0]?.n ?? 0), oldest: rows[0]?.oldest ?? null };
}

/**
 * Sends to one recipient from one source: an IP (reset codes, asked without a session) or an organization
 * (invitations). The hard limits are per such pair, so that one source cannot use up a recipient's mail.
 */
export type MailPair = { ip: string } | { orgId: string };

export async function mailsToRecipientFromSince(db: Queryable, recipientHash: Buffer, kind: MailKind, pair: MailPair, since: Date): Promise<MailWindow> {
  const [column, value] = 'ip' in pair ? ['sender_ip', pair.ip] : ['sender_org_id', pair.orgId];
  const { rows } = await db.query<{ n: string; oldest: Date | null }>(
    `SELECT count(*) AS n, min(created_at) AS oldest FROM mail_sends WHERE recipient_hash = $1 AND kind = $2 AND ${column} = $3 AND created_at >= $4`,
    [recipientHash, kind, value, since],
  );
  return { count: Number(rows[0]?.n ?? 0), oldest: rows[0]?.oldest ?? null };
}

export async function mailsFromSenderSince(db: Queryable, sender: MailSender, kind: MailKind, since: Date): Promise<MailWindow> {
  const [column, value] = 'accountId' in sender ? ['sender_account_id', sender.accountId] : ['sender_ip', sender.ip];
  const { rows } = await db.query<{ n: string; oldest: Date | null }>(
    `SELECT count(*) AS n, min(created_at) AS oldest FROM mail_sends WHERE ${column} = $1 AND kind = $2 AND created_at >= $3`,
    [value, kind, since],
  );
  return { count: Number(rows[0]?.n ?? 0), oldest: rows[0]?.oldest ?? null };
}

export async function recordMailSend(db: Queryable, m: { kind: MailKind; recipientHash: Buffer; sender: MailSender | null; orgId?: string | null }): Promise<void> {
  await db.query(
    `INSERT INTO mail_sends (kind, recipient_hash, sender_account_id, sender_ip, sender_org_id) VALUES ($1, $2, $3, $4, $5)`,
    [m.kind, m.recipientHash, m.sender && 'accountId' in m.sender ? m.sender.accountId : null, m.sender && 'ip' in m.sender ? m.sender.ip : null, m.orgId ?? null],
  );
}

/** The longest window is a day (invitations per recipient); two days of rows are more than any limit reads. */
export async function cleanupMailSends(db: Queryable): Promise<number> {
  const r = await db.query(`DELETE FROM mail_sends WHERE created_at < now() - interval '2 days'`);
  return r.rowCount ?? 0;
}
