import type { Queryable } from '../pool';

/** Breach incidents and their recipients (migration …_800_incidents-mail-outbox). */

export type IncidentScopeRow = { type: 'all' } | { type: 'orgs'; ids: string[] } | { type: 'accounts'; ids: string[] };

export interface IncidentRow {
  id: string;
  idempotency_key: string;
  title: string;
  summary: string;
  details: string;
  severity: 'low' | 'medium' | 'high' | 'critical';
  scope: IncidentScopeRow;
  postmortem_url: string | null;
  created_by: string;
  created_at: Date;
}

export type NewIncident = Omit<IncidentRow, 'created_at'>;

/** Inserts unless the idempotency key is taken; returns whether this call inserted it. */
export async function insertIncident(db: Queryable, i: NewIncident): Promise<boolean> {
  const r = await db.query(
    `INSERT INTO incidents (id, idempotency_key, title, summary, details, severity, scope, postmortem_url, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (idempotency_key) DO NOTHING`,
    [i.id, i.idempotency_key, i.title, i.summary, i.details, i.severity, JSON.stringify(i.scope), i.postmortem_url, i.created_by],
  );
  return r.rowCount === 1;
}

/** Serialises two creations with one idempotency key within their transactions. */
export async function lockIncidentKey(db: Queryable, key: string): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtextextended('incident:' || $1, 0))`, [key]);
}

export async function findIncidentByKey(db: Queryable, key: string): Promise<IncidentRow | null> {
  const { rows } = await db.query<IncidentRow>(`SELECT * FROM incidents WHERE idempotency_key = $1`, [key]);
  return rows[0] ?? null;
}

export async function findIncident(db: Queryable, id: string): Promise<IncidentRow | null> {
  const { rows } = await db.query<IncidentRow>(`SELECT * FROM incidents WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

export async function listIncidents(db: Queryable, limit: number, offset: number): Promise<{ rows: IncidentRow[]; total: number }> {
  const { rows } = await db.query<IncidentRow & { total: string }>(
    `SELECT *, count(*) OVER () AS total FROM incidents ORDER BY created_at DESC, id LIMIT $1 OFFSET $2`,
    [limit, offset],
  );
  const total = rows[0] ? Number(rows[0].total) : (await db.query<{ n: string }>(`SELECT count(*) AS n FROM incidents`)).rows[0]!.n;
  return { rows: rows.map(({ total: _t, ...r }) => r as IncidentRow), total: Number(total) };
}

/** Of the given organization ids, those that exist (through a SECURITY DEFINER function: orgs are under RLS). */
export async function existingOrgIds(db: Queryable, ids: readonly string[]): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(`SELECT app_existing_org_ids($1::text[]) AS id`, [ids]);
  return rows.map((r) => r.id);
}

export async function existingAccountIds(db: Queryable, ids: readonly string[]): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(`SELECT id FROM accounts WHERE id = ANY($1::text[])`, [ids]);
  return rows.map((r) => r.id);
}

/** Writes the incident's recipients as its stored scope selects them now; returns how many. */
export async function snapshotIncidentRecipients(db: Queryable, incidentId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT app_snapshot_incident_recipients($1) AS n`, [incidentId]);
  return rows[0]!.n;
}

/** The outbox rows of an incident still waiting to be published, to publish right after the answer. */
export async function queuedIncidentOutboxIds(db: Queryable, incidentId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(`SELECT id::text AS id FROM mail_outbox WHERE incident_id = $1 AND state = 'queued' ORDER BY id`, [incidentId]);
  return rows.map((r) => r.id);
}
