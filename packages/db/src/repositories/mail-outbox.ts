import type { Queryable } from '../pool';

/**
 * The mail outbox (migration …_800_incidents-mail-outbox; docs/architecture.md §11.3): one row per email,
 * written in the transaction that causes it, published by the dispatcher, sent once by `notify`.
 */

/**
 * `reset_request` (migration …_810_reset-requests): POST /auth/send-reset-code asked for a reset code for
 * the row's address; `notify` decides whether one goes out (docs/architecture.md §11.3).
 */
export type OutboxKind = 'incident' | 'verification' | 'password_code' | 'reset_code' | 'reset_request' | 'invitation' | 'reshare_keys' | 'key_changed';
/** `skipped`: settled without sending (a reset request for an unknown email, or over a limit). */
export type OutboxState = 'queued' | 'published' | 'sending' | 'sent' | 'failed' | 'skipped';
export const OUTBOX_STATES: readonly OutboxState[] = ['queued', 'published', 'sending', 'sent', 'failed', 'skipped'];
/** States a row never leaves: a message for such a row is a duplicate. */
export const SETTLED_OUTBOX_STATES: readonly OutboxState[] = ['sent', 'failed', 'skipped'];

export interface OutboxRow {
  id: string;
  kind: OutboxKind;
  dedupe_key: string;
  incident_id: string | null;
  account_id: string | null;
  email: string;
  /**
   * Template data. A secret the email carries (a code, a link token) lives under `secret`, and what a
   * reset request's source was under `request`; both are cleared once the row is settled.
   */
  data: Record<string, unknown>;
  state: OutboxState;
  attempts: number;
  last_error: string | null;
  claim_token: string | null;
  claimed_at: Date | null;
  created_at: Date;
  published_at: Date | null;
  sent_at: Date | null;
  failed_at: Date | null;
}

/** What the dispatcher publishes: the message of `breach-notifications`. */
export interface OutboxDispatchRow {
  id: string;
  kind: OutboxKind;
  incident_id: string | null;
  account_id: string | null;
  email: string;
}

export interface NewOutboxMail {
  kind: OutboxKind;
  /** The exactly-once key: writing a second row with it is a no-op. */
  dedupeKey: string;
  accountId: string | null;
  email: string;
  data: Record<string, unknown>;
}

/** Queues one email; returns its id, or null when a row with the same dedupe key exists. */
export async function enqueueMail(db: Queryable, m: NewOutboxMail): Promise<string | null> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO mail_outbox (kind, dedupe_key, account_id, email, data) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
    [m.kind, m.dedupeKey, m.accountId, m.email, JSON.stringify(m.data)],
  );
  return rows[0]?.id ?? null;
}

/** One outbox row per recipient of the incident, keyed (incident, account); returns how many were written. */
export async function enqueueIncidentMails(db: Queryable, incidentId: string): Promise<number> {
  const r = await db.query(
    `INSERT INTO mail_outbox (kind, dedupe_key, incident_id, account_id, email)
     SELECT 'incident', 'incident:' || incident_id || ':' || account_id, incident_id, account_id, email
     FROM incident_recipients WHERE incident_id = $1
     ORDER BY account_id
     ON CONFLICT (dedupe_key) DO NOTHING`,
    [incidentId],
  );
  return r.rowCount ?? 0;
}

export interface DispatchClaim {
  limit: number;
  /** How long the claimed rows are left to this dispatcher before another may publish them. */
  leaseSeconds: number;
  /** Rows published (or claimed by `notify`) this long ago and still not settled are published again. */
  staleSeconds: number;
  /** Only these rows (a request dispatching what it just wrote). */
  ids?: readonly string[];
}

/**
 * Takes rows to publish: queued rows, and rows whose message seems lost (published or claimed long ago,
 * never settled). Each is leased to this dispatcher for a while, so two dispatchers rarely publish one
 * row twice (a duplicate is harmless: `notify` sends once).
 */
export async function claimForDispatch(db: Queryable, c: DispatchClaim): Promise<OutboxDispatchRow[]> {
  const { rows } = await db.query<OutboxDispatchRow>(
    `UPDATE mail_outbox SET dispatch_until = now() + make_interval(secs => $2)
     WHERE id IN (
       SELECT id FROM mail_outbox
       WHERE (state = 'queued'
              OR (state = 'published' AND published_at < now() - make_interval(secs => $3))
              OR (state = 'sending' AND claimed_at < now() - make_interval(secs => $3)))
         AND (dispatch_until IS NULL OR dispatch_until < now())
         AND ($4::bigint[] IS NULL OR id = ANY($4::bigint[]))
       ORDER BY id LIMIT $1
       FOR UPDATE SKIP LOCKED)
     RETURNING id, kind, incident_id, account_id, email`,
    [c.limit, c.leaseSeconds, c.staleSeconds, c.ids ? [...c.ids] : null],
  );
  return rows.sort((a, b) => Number(a.id) - Number(b.id));
}

/** Pub/Sub acknowledged these: they are published (unless `notify` got there first and moved them on). */
export async function markPublished(db: Queryable, ids: readonly string[]): Promise<number> {
  const r = await db.query(
    `UPDATE mail_outbox SET published_at = now(), dispatch_until = NULL,
            state = CASE WHEN state = 'queued' THEN 'published' ELSE state END
     WHERE id = ANY($1::bigint[]) AND state IN ('queued', 'published', 'sending')`,
    [ids],
  );
  return r.rowCount ?? 0;
}

/** Publishing failed: the rows may be taken again at once. */
export async function releaseDispatch(db: Queryable, ids: readonly string[]): Promise<void> {
  await db.query(`UPDATE mail_outbox SET dispatch_until = NULL WHERE id = ANY($1::bigint[])`, [ids]);
}

/**
 * Claims the rows of one message for sending, in one statement, under one token, counting an attempt each:
 * rows waiting to be sent, and rows claimed longer than `leaseSeconds` ago by an instance that never
 * finished (it was killed). A row missing from the answer is settled, held by a live
 * claim, or unknown (outboxStatesOf tells which).
 */
export async function claimManyForSend(db: Queryable, ids: readonly string[], token: string, leaseSeconds: number): Promise<OutboxRow[]> {
  const { rows } = await db.query<OutboxRow>(
    `UPDATE mail_outbox SET state = 'sending', attempts = attempts + 1, claim_token = $2, claimed_at = now()
     WHERE id IN (
       SELECT id FROM mail_outbox
       WHERE id = ANY($1::bigint[]) AND (state IN ('queued', 'published') OR (state = 'sending' AND claimed_at < now() - make_interval(secs => $3)))
       -- rows locked in id order: two messages naming the same rows cannot deadlock each other
       ORDER BY id FOR UPDATE)
     RETURNING *`,
    [ids, token, leaseSeconds],
  );
  return rows.sort((a, b) => Number(a.id) - Number(b.id));
}

/** The state of each of these rows that exists. */
export async function outboxStatesOf(db: Queryable, ids: readonly string[]): Promise<Map<string, OutboxState>> {
  const { rows } = await db.query<{ id: string; state: OutboxState }>(`SELECT id::text AS id, state FROM mail_outbox WHERE id = ANY($1::bigint[])`, [ids]);
  return new Map(rows.map((r) => [r.id, r.state]));
}

/**
 * The SMTP server took them. Only the holder of the claim settles a row: the ids settled (a row whose
 * claim was taken over meanwhile is not).
 */
export async function markManySent(db: Queryable, ids: readonly string[], token: string): Promise<Set<string>> {
  const { rows } = await db.query<{ id: string }>(
    `UPDATE mail_outbox SET state = 'sent', sent_at = now(), claim_token = NULL, last_error = NULL, data = data - 'secret' - 'request'
     WHERE id = ANY($1::bigint[]) AND claim_token = $2 AND state = 'sending'
     RETURNING id::text AS id`,
    [ids, token],
  );
  return new Set(rows.map((r) => r.id));
}

/**
 * Claimed but never tried (the delivery ran out of time before their turn to send): back to waiting, the
 * attempt the claim counted given back, for the next delivery of the message.
 */
export async function releaseUntried(db: Queryable, ids: readonly string[], token: string): Promise<number> {
  const r = await db.query(
    `UPDATE mail_outbox SET state = 'published', attempts = greatest(attempts - 1, 0), claim_token = NULL, claimed_at = NULL
     WHERE id = ANY($1::bigint[]) AND claim_token = $2 AND state = 'sending'`,
    [ids, token],
  );
  return r.rowCount ?? 0;
}

/** A transient failure: the row waits for the next delivery of its message. */
export async function markRetry(db: Queryable, id: string, token: string, error: string): Promise<boolean> {
  const r = await db.query(
    `UPDATE mail_outbox SET state = 'published', claim_token = NULL, claimed_at = NULL, last_error = $3
     WHERE id = $1 AND claim_token = $2 AND state = 'sending'`,
    [id, token, error],
  );
  return r.rowCount === 1;
}

/** Given up: after the last attempt, or a refusal that no retry changes. */
export async function markFailed(db: Queryable, id: string, token: string | null, error: string): Promise<boolean> {
  const r = await db.query(
    `UPDATE mail_outbox SET state = 'failed', failed_at = now(), claim_token = NULL, last_error = $3, data = data - 'secret' - 'request'
     WHERE id = $1 AND (($2::text IS NULL AND state IN ('queued', 'published')) OR (claim_token = $2 AND state = 'sending'))`,
    [id, token, error],
  );
  return r.rowCount === 1;
}

/**
 * The row `notify` has claimed with `token`, locked for the rest of the transaction; null when the claim
 * was lost (it expired and another instance took the row over). Resolving a reset request happens under
 * this lock, so it happens once per row.
 */
export async function lockClaimedMail(db: Queryable, id: string, token: string): Promise<OutboxRow | null> {
  const { rows } = await db.query<OutboxRow>(`SELECT * FROM mail_outbox WHERE id = $1 AND claim_token = $2 AND state = 'sending' FOR UPDATE`, [id, token]);
  return rows[0] ?? null;
}

/**
 * A reset request whose account was found and whose code was issued: the row now names the account, its
 * address, and carries only the code (the request's hashes and source go), and the claim is renewed, so
 * the row is sent like any other email and never resolved again.
 */
export async function markResetRequestResolved(db: Queryable, id: string, token: string, r: { accountId: string; email: string; code: string }): Promise<OutboxRow | null> {
  const { rows } = await db.query<OutboxRow>(
    `UPDATE mail_outbox SET account_id = $3, email = $4, data = jsonb_build_object('secret', jsonb_build_object('code', $5::text)), claimed_at = now()
     WHERE id = $1 AND claim_token = $2 AND state = 'sending' AND kind = 'reset_request'
     RETURNING *`,
    [id, token, r.accountId, r.email, r.code],
  );
  return rows[0] ?? null;
}

/**
 * Settled without sending: a reset request for an unknown email, or over a limit. `reason` says which
 * (never the address); the address and everything the request carried are cleared from the row.
 */
export async function markSkipped(db: Queryable, id: string, token: string, reason: string): Promise<boolean> {
  const r = await db.query(
    `UPDATE mail_outbox SET state = 'skipped', claim_token = NULL, last_error = $3, email = '', data = '{}'
     WHERE id = $1 AND claim_token = $2 AND state = 'sending'`,
    [id, token, reason],
  );
  return r.rowCount === 1;
}

/** An incident's rows are never skipped (only reset requests are). */
export type StateCounts = Record<Exclude<OutboxState, 'skipped'>, number>;

const emptyCounts = (): StateCounts => ({ queued: 0, published: 0, sending: 0, sent: 0, failed: 0 });

/** Counts by state for each of the incidents. */
export async function incidentOutboxCounts(db: Queryable, incidentIds: readonly string[]): Promise<Map<string, StateCounts>> {
  const { rows } = await db.query<{ incident_id: string; state: OutboxState; n: string }>(
    `SELECT incident_id, state, count(*) AS n FROM mail_outbox WHERE incident_id = ANY($1::text[]) AND state <> 'skipped' GROUP BY incident_id, state`,
    [incidentIds],
  );
  const out = new Map<string, StateCounts>(incidentIds.map((id) => [id, emptyCounts()]));
  for (const r of rows) if (r.state !== 'skipped') out.get(r.incident_id)![r.state] = Number(r.n);
  return out;
}

export interface OutboxFailure {
  account_id: string | null;
  attempts: number;
  last_error: string | null;
  failed_at: Date | null;
}

export async function incidentFailures(db: Queryable, incidentId: string, limit: number): Promise<OutboxFailure[]> {
  const { rows } = await db.query<OutboxFailure>(
    `SELECT account_id, attempts, last_error, failed_at FROM mail_outbox
     WHERE incident_id = $1 AND state = 'failed' ORDER BY id LIMIT $2`,
    [incidentId, limit],
  );
  return rows;
}

/** Failed rows of the incident go back to the queue with a fresh count of attempts; returns their ids. */
export async function requeueFailed(db: Queryable, incidentId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `UPDATE mail_outbox SET state = 'queued', attempts = 0, failed_at = NULL, dispatch_until = NULL, published_at = NULL
     WHERE incident_id = $1 AND state = 'failed' RETURNING id`,
    [incidentId],
  );
  return rows.map((r) => r.id).sort((a, b) => Number(a) - Number(b));
}

/**
 * Settled rows of other kinds than incidents are kept a week (their secrets were cleared when they settled;
 * a skipped reset request keeps no address at all).
 */
export async function cleanupMailOutbox(db: Queryable): Promise<number> {
  const r = await db.query(`DELETE FROM mail_outbox WHERE kind <> 'incident' AND state IN ('sent', 'failed', 'skipped') AND created_at < now() - interval '7 days'`);
  return r.rowCount ?? 0;
}
