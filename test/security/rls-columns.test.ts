import type { Client } from 'pg';
import { withClient } from '../support/database';
import { seedTenant, signupAndLogin, type Harness, type Tenant, type User, startTenantHarness } from './tenant-fixtures';

/**
 * Every column of a guarded table is covered (docs/architecture.md §4.4). The guarded tables are the ones
 * under Row-Level Security and the two audit logs; each of their columns is classified below as `frozen`
 * (the app role never changes it) or with who may change it. Three layers are checked:
 *  - the catalog: a column nobody classified fails the first test (a new column too: decide who may
 *    change it, grant exactly that in a migration, and let the table's guard trigger allow it);
 *  - the privileges: the app role may UPDATE (and, in the logs, INSERT) exactly the columns listed so;
 *  - the guards: a forged change of every frozen column is refused, through the privileges, and where the
 *    table has a guard trigger, by the trigger too with every column granted (a grant made by mistake).
 */

const FROZEN = 'frozen';
type Rule = typeof FROZEN | string;

/** Per table: its columns, and for each who may change it (the guard enforcing it in parentheses). */
const UPDATES: Record<string, { trigger: string | null; columns: Record<string, Rule> }> = {
  organizations: {
    trigger: 'organizations_guard_update',
    columns: {
      id: FROZEN,
      name: 'owners and admins (policy organizations_update)',
      type: FROZEN,
      owner_account_id: 'the owner, to a member of a team org (trigger)',
      storage_rule: 'owners and admins (policy)',
      allowed_invite_domains: 'owners and admins (policy)',
      seat_limit: FROZEN,
      created_at: FROZEN,
    },
  },
  memberships: {
    trigger: 'memberships_guard_update',
    columns: {
      org_id: FROZEN,
      account_id: FROZEN,
      role: 'owners; admins below owner; never the owner before a transfer (trigger)',
      lacks_keys: 'the member (account reset), owners and admins (reconcile-keys) (policy)',
      approved_fingerprint: 'owners and admins of the org, never for themselves, only to the member’s current key (trigger)',
      created_at: FROZEN,
    },
  },
  invites: {
    trigger: 'invites_guard_update',
    columns: {
      id: FROZEN,
      org_id: FROZEN,
      inviter_account_id: FROZEN,
      invitee_email: FROZEN,
      role: 'owners and admins, while pending (trigger)',
      status: 'owners and admins revoke or expire, the invitee accepts or declines, once (trigger)',
      created_at: FROZEN,
      expires_at: FROZEN,
      responded_at: 'with the status (trigger)',
      link_token_hash: FROZEN,
    },
  },
  projects: {
    trigger: 'projects_guard_update',
    columns: {
      id: FROZEN,
      org_id: FROZEN, // moved only by app_move_project, which runs as the table owner
      team_project_id: FROZEN,
      name: FROZEN,
      root_document_id: FROZEN,
      created_by: FROZEN,
      created_at: FROZEN,
      archived_at: 'once, by the creator, an owner or an admin (trigger)',
      shared_from_org: FROZEN, // set and cleared only by app_move_project
    },
  },
  vcs_branches: {
    trigger: 'vcs_branches_guard_update',
    columns: {
      org_id: FROZEN,
      project_id: FROZEN,
      name: FROZEN,
      snapshots: 'extended only: the old list stays its prefix (trigger)',
      created: FROZEN,
      modified: 'with each push (trigger)',
    },
  },
  team_projects: {
    trigger: null,
    columns: { id: FROZEN, org_id: FROZEN, name: 'members of the org (policy)', is_default: FROZEN, created_at: FROZEN },
  },
  presence: {
    trigger: null,
    columns: { org_id: FROZEN, account_id: FROZEN, team_project_id: FROZEN, file_id: FROZEN, seen_at: 'the member’s own heartbeat (policy)' },
  },
  project_keys: {
    trigger: null,
    columns: { org_id: FROZEN, project_id: FROZEN, account_id: FROZEN, enc_symmetric_key: FROZEN, auto_linked: FROZEN, created_at: FROZEN },
  },
  invite_keys: {
    trigger: null,
    columns: { org_id: FROZEN, invite_id: FROZEN, project_id: FROZEN, enc_symmetric_key: FROZEN, auto_linked: FROZEN },
  },
  vcs_blobs: { trigger: null, columns: { org_id: FROZEN, project_id: FROZEN, id: FROZEN, content: FROZEN, created_at: FROZEN } },
  vcs_snapshots: {
    trigger: null,
    columns: {
      org_id: FROZEN,
      project_id: FROZEN,
      id: FROZEN,
      parent: FROZEN,
      created: FROZEN,
      author_account_id: FROZEN,
      name: FROZEN,
      description: FROZEN,
      state: FROZEN,
      answer_bytes: FROZEN,
      pushed_at: FROZEN,
    },
  },
  org_audit_events: {
    trigger: null,
    columns: { id: FROZEN, org_id: FROZEN, actor_id: FROZEN, type: FROZEN, subject: FROZEN, details: FROZEN, ip: FROZEN, created_at: FROZEN },
  },
  account_audit_events: {
    trigger: null,
    columns: { id: FROZEN, account_id: FROZEN, type: FROZEN, ip: FROZEN, client: FROZEN, details: FROZEN, created_at: FROZEN },
  },
  // append-only, written only by the accounts_key_history trigger (docs/key-authenticity.md §2)
  account_key_history: {
    trigger: null,
    columns: { account_id: FROZEN, seq: FROZEN, fingerprint: FROZEN, created_at: FROZEN, prev_hash: FROZEN, hash: FROZEN },
  },
};

/** The append-only logs: the columns the app role writes; the others (id, time) are the database's. */
const INSERTS: Record<string, string[]> = {
  org_audit_events: ['org_id', 'actor_id', 'type', 'subject', 'ip', 'details'],
  account_audit_events: ['account_id', 'type', 'ip', 'client', 'details'],
};

let h: Harness;
let victim: Tenant;
let jane: User; // owner
let bob: User; // member
let carol: User; // invited
let columns: Map<string, { name: string; type: string }[]>;

beforeAll(async () => {
  h = await startTenantHarness();
  jane = await signupAndLogin(h, 'jane');
  bob = await signupAndLogin(h, 'bob');
  const ada = await signupAndLogin(h, 'ada');
  carol = await signupAndLogin(h, 'carol');
  victim = await seedTenant(h, jane, { members: { member: bob, admin: ada }, invitee: carol, name: 'Victim' });
  const guarded = await h.db.query<{ relname: string }>(
    `SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' AND (relrowsecurity OR relname = ANY($1))`,
    [Object.keys(INSERTS)],
  );
  const { rows } = await h.db.query<{ table_name: string; column_name: string; data_type: string }>(
    `SELECT table_name, column_name, data_type FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name = ANY($1) ORDER BY table_name, ordinal_position`,
    [guarded.rows.map((r) => r.relname)],
  );
  columns = new Map(guarded.rows.map((r) => [r.relname, []]));
  for (const r of rows) columns.get(r.table_name)!.push({ name: r.column_name, type: r.data_type });
});
afterAll(async () => h?.stop());

const updatable = (table: string) =>
  Object.entries(UPDATES[table]?.columns ?? {})
    .filter(([, rule]) => rule !== FROZEN)
    .map(([c]) => c)
    .sort();
const frozen = (table: string) =>
  Object.entries(UPDATES[table]?.columns ?? {})
    .filter(([, rule]) => rule === FROZEN)
    .map(([c]) => c);

/** An expression that changes the column's value, whatever it is now. */
function forged(column: string, type: string): string {
  const c = `"${column}"`;
  switch (type) {
    case 'text':
      return `coalesce(${c}, '') || '-forged'`;
    case 'boolean':
      return `NOT coalesce(${c}, false)`;
    case 'integer':
    case 'bigint':
      return `coalesce(${c}, 0) + 1`;
    case 'timestamp with time zone':
      return `coalesce(${c}, now()) - interval '1 day'`;
    case 'bytea':
      return `coalesce(${c}, ''::bytea) || '\\x00'::bytea`;
    case 'jsonb':
      return `coalesce(${c}, '{}'::jsonb) || '{"forged": true}'::jsonb`;
    case 'ARRAY':
      return `coalesce(${c}, '{}') || 'forged'::text`;
    default:
      throw new Error(`teach forged() to change a ${type} column (${column})`);
  }
}

/**
 * The primary key of one row of the table: the forger's own where given (`[column, value]`), else one of the
 * victim org (of jane, for her own log).
 */
async function oneRow(table: string, own?: [string, string]): Promise<{ where: string; values: unknown[] }> {
  const pk = await h.db.query<{ attname: string }>(
    `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
      WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY a.attnum`,
    [table],
  );
  const keys = pk.rows.map((r) => r.attname);
  const owner = own ?? (table === 'organizations' ? ['id', victim.orgId] : ['account_audit_events', 'account_key_history'].includes(table) ? ['account_id', jane.id] : ['org_id', victim.orgId]);
  const { rows } = await h.db.query(`SELECT ${keys.map((k) => `"${k}"`).join(', ')} FROM "${table}" WHERE "${owner[0]}" = $1 LIMIT 1`, [owner[1]]);
  if (!rows[0]) throw new Error(`no row of ${table} to forge: seed one in tenant-fixtures.ts`);
  return { where: keys.map((k, i) => `"${k}" = $${i + 1}`).join(' AND '), values: keys.map((k) => rows[0][k]) };
}

async function setContext(c: Client, user: User, orgId: string | null) {
  await c.query(`SELECT set_config('app.account_id', $1, true), set_config('app.email', $2, true), set_config('app.org_id', $3, true)`, [
    user.id,
    user.email.toLowerCase(),
    orgId ?? '',
  ]);
}

/** One forged UPDATE of one column, in a savepoint: 'refused' (42501), 'changed', 'no row' or the error code. */
async function forge(c: Client, table: string, column: { name: string; type: string }, row: { where: string; values: unknown[] }): Promise<string> {
  await c.query('SAVEPOINT forge');
  try {
    const r = await c.query(`UPDATE "${table}" SET "${column.name}" = ${forged(column.name, column.type)} WHERE ${row.where}`, row.values);
    return r.rowCount ? 'changed' : 'no row';
  } catch (err) {
    const code = (err as { code?: string }).code;
    // 42501: no privilege; 428C9: a generated column, which nobody can set
    return code === '42501' || code === '428C9' ? 'refused' : `error ${code}: ${(err as Error).message}`;
  } finally {
    await c.query('ROLLBACK TO SAVEPOINT forge');
  }
}

/**
 * Who forges, per table: the org's owner on any row of the org; on their own row, the invitee (their
 * invitation) and a plain member (their membership), who pass the update policies there.
 */
const forgers = (table: string): Array<{ who: () => User; orgId: () => string | null; own?: () => [string, string] }> => [
  { who: () => jane, orgId: () => (['account_audit_events', 'account_key_history'].includes(table) ? null : victim.orgId) },
  ...(table === 'invites' ? [{ who: () => carol, orgId: () => null, own: (): [string, string] => ['id', victim.invitationId] }] : []),
  ...(table === 'memberships' ? [{ who: () => bob, orgId: () => victim.orgId, own: (): [string, string] => ['account_id', bob.id] }] : []),
];

describe('every column of a guarded table is covered', () => {
  it('every column of every guarded table is classified here (a new column fails until it is)', () => {
    expect([...columns.keys()].sort()).toEqual(Object.keys(UPDATES).sort());
    for (const [table, cols] of columns) {
      const names = cols.map((c) => c.name);
      const classified = Object.keys(UPDATES[table]?.columns ?? {});
      expect({ table, unclassified: names.filter((n) => !classified.includes(n)), gone: classified.filter((n) => !names.includes(n)) }).toEqual({
        table,
        unclassified: [],
        gone: [],
      });
    }
  });

  it('the app role may update exactly the columns classified as changeable', async () => {
    for (const [table, cols] of columns) {
      const { rows } = await h.db.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1
            AND has_column_privilege('somnus_app', format('public.%I', table_name), column_name, 'UPDATE')`,
        [table],
      );
      expect({ table, updatable: rows.map((r) => r.column_name).sort() }).toEqual({ table, updatable: updatable(table) });
      expect(cols.length).toBeGreaterThan(0);
    }
  });

  it('the logs are append-only: the app role writes only its columns, never changes or deletes a row', async () => {
    for (const [table, written] of Object.entries(INSERTS)) {
      const { rows } = await h.db.query<{ column_name: string; ins: boolean }>(
        `SELECT column_name, has_column_privilege('somnus_app', format('public.%I', table_name), column_name, 'INSERT') AS ins
           FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1`,
        [table],
      );
      expect({ table, insertable: rows.filter((r) => r.ins).map((r) => r.column_name).sort() }).toEqual({ table, insertable: [...written].sort() });
      const { rows: priv } = await h.db.query(`SELECT has_table_privilege('somnus_app', $1, 'UPDATE') AS upd, has_table_privilege('somnus_app', $1, 'DELETE') AS del`, [
        `public.${table}`,
      ]);
      expect({ table, ...priv[0] }).toEqual({ table, upd: false, del: false });
    }
  });

  it('a forged change of any frozen column is refused, for the owner, an invitee and a member alike', async () => {
    for (const [table, cols] of columns) {
      for (const forger of forgers(table)) {
        const row = await oneRow(table, forger.own?.());
        await withClient(h.db.appUrl, async (c) => {
          await c.query('BEGIN');
          try {
            await setContext(c, forger.who(), forger.orgId());
            for (const column of cols.filter((col) => frozen(table).includes(col.name))) {
              const who = forger.who().email;
              expect({ table, column: column.name, who, outcome: await forge(c, table, column, row) }).toEqual({ table, column: column.name, who, outcome: 'refused' });
            }
          } finally {
            await c.query('ROLLBACK');
          }
        });
      }
    }
  });

  it('a guard trigger refuses every frozen column even when a migration granted it by mistake', async () => {
    for (const [table, spec] of Object.entries(UPDATES)) {
      if (!spec.trigger) continue;
      const { rows: trig } = await h.db.query('SELECT 1 FROM pg_trigger WHERE tgrelid = $1::regclass AND tgname = $2 AND NOT tgisinternal', [table, spec.trigger]);
      expect({ table, trigger: spec.trigger, present: trig.length === 1 }).toEqual({ table, trigger: spec.trigger, present: true });
      for (const forger of forgers(table)) {
        const row = await oneRow(table, forger.own?.());
        // as the superuser, in a transaction that is rolled back: grant everything, then act as the app role
        await withClient(h.db.adminUrl, async (c) => {
          await c.query('BEGIN');
          try {
            await c.query(`GRANT UPDATE ON "${table}" TO somnus_app`);
            await c.query('SET LOCAL ROLE somnus_app');
            await setContext(c, forger.who(), forger.orgId());
            for (const column of columns.get(table)!.filter((col) => frozen(table).includes(col.name))) {
              const who = forger.who().email;
              expect({ table, column: column.name, who, outcome: await forge(c, table, column, row) }).toEqual({ table, column: column.name, who, outcome: 'refused' });
            }
          } finally {
            await c.query('ROLLBACK');
          }
        });
      }
    }
  });
});
