import { randomBytes } from 'node:crypto';
import { Client, type QueryConfig } from 'pg';
import { findBlobs, findBlobsWithin, findBranch, findSnapshots, findSnapshotsWithin, missingBlobIds, setTenantContext, type Queryable } from '@somnus/db';
import { graphql, signupAndLogin, startTenantHarness, wrappedKey, type Harness, type User } from '../../../test/security/tenant-fixtures';

/**
 * The reads of a pull and a push stay index lookups as a project grows: on a database holding a few
 * thousand blobs, snapshots and branches in one project and as many in another, with statistics
 * collected, the plans Postgres picks for the repository's own queries (findBlobs, missingBlobIds,
 * findSnapshots, findBranch) reach vcs_blobs, vcs_snapshots and vcs_branches through their primary keys,
 * never by a sequential scan. A sequential scan there would make every pull cost grow with the size of
 * the table, not with what the client asks for.
 *
 * The SQL is not copied: each repository function is called with a Queryable that EXPLAINs the text and
 * values it is given, so the plan is that of the exact statement the function sends. It runs as the app
 * role under the caller's tenant context, as in a request, so the RLS predicates are part of the plan.
 */

let h: Harness;
let owner: User;
let orgId: string;
let projectId: string;
let otherProjectId: string;

const BLOBS = 4000;
const SNAPSHOTS = 2000;
const BRANCHES = 2000;
const ROOT = '0'.repeat(40);

/** SQL for the id the bulk insert gives row `n` (SQL expressions): 40 hex like Insomnia's SHA-1 ids. */
const idSql = (project: string, kind: 'b' | 's', n: string) => `md5('${kind}' || ${project} || ${n}) || left(md5((${n})::text), 8)`;

/**
 * Blobs, a snapshot chain naming them and many branches, as the superuser in bulk: going through the API
 * would take minutes for rows whose only role is to make the tables big enough for the planner to care.
 * Contents are ~1.3 KB of random hex in an AESMessage shape, as incompressible as real ciphertext, so the
 * table has the page count of a real one.
 */
async function fill(project: string): Promise<void> {
  const p = '$2::text';
  await h.db.query(
    `INSERT INTO vcs_blobs (org_id, project_id, id, content)
     SELECT $1, $2, ${idSql(p, 'b', 'i')},
            json_build_object('iv', left(md5(random()::text), 24), 't', md5(random()::text),
              'd', (SELECT string_agg(md5(random()::text || i || g), '') FROM generate_series(1, 40) g), 'ad', '')::text
       FROM generate_series(1, ${BLOBS}) i`,
    [orgId, project],
  );
  await h.db.query(
    `INSERT INTO vcs_snapshots (org_id, project_id, id, parent, created, author_account_id, name, description, state)
     SELECT $1, $2, ${idSql(p, 's', 'i')},
            CASE WHEN i = 1 THEN '${ROOT}' ELSE ${idSql(p, 's', 'i - 1')} END,
            now() - (${SNAPSHOTS} - i) * interval '1 minute', $3, 'Commit ' || i, '',
            jsonb_build_array(jsonb_build_object('key', 'req_' || i, 'name', 'Request ' || i, 'blob', ${idSql(p, 'b', `(i % ${BLOBS}) + 1`)}))
       FROM generate_series(1, ${SNAPSHOTS}) i`,
    [orgId, project, owner.id],
  );
  await h.db.query(
    `INSERT INTO vcs_branches (org_id, project_id, name, snapshots)
     SELECT $1, $2, CASE WHEN i = 1 THEN 'master' ELSE 'feature-' || i END,
            CASE WHEN i = 1 THEN ARRAY(SELECT ${idSql(p, 's', 'j')} FROM generate_series(1, ${SNAPSHOTS}) j) ELSE '{}' END
       FROM generate_series(1, ${BRANCHES}) i`,
    [orgId, project],
  );
}

/** `n` ids of the project as the bulk insert made them (1-based, from `from`). */
async function ids(project: string, kind: 'b' | 's', from: number, n: number): Promise<string[]> {
  const { rows } = await h.db.query<{ id: string }>(`SELECT ${idSql('$1::text', kind, 'i')} AS id FROM generate_series($2::int, $3::int) i`, [project, from, from + n - 1]);
  return rows.map((r) => r.id);
}

beforeAll(async () => {
  h = await startTenantHarness();
  owner = await signupAndLogin(h, 'planner');
  orgId = (await h.invites.call('POST', '/v1/organizations', { name: 'Plans' }, owner.headers)).body.id;
  const create = 'mutation ($name: String!, $id: ID!, $rootDocumentId: ID!, $teamId: ID, $teamKeys: [ProjectCreateKeyInput!]) { projectCreate(name: $name, id: $id, rootDocumentId: $rootDocumentId, teamId: $teamId, teamKeys: $teamKeys) { id } }';
  projectId = `prj_${randomBytes(16).toString('hex')}`;
  otherProjectId = `prj_${randomBytes(16).toString('hex')}`;
  for (const id of [projectId, otherProjectId]) {
    await graphql(h, owner, create, { name: 'Plans', id, rootDocumentId: `wrk_${id.slice(4, 12)}`, teamId: orgId, teamKeys: [{ accountId: owner.id, encSymmetricKey: wrappedKey() }] });
  }
  await fill(projectId);
  await fill(otherProjectId);
  // what autovacuum would have done by the time a table is this big; without it the planner guesses
  await h.db.query('ANALYZE vcs_blobs, vcs_snapshots, vcs_branches, accounts, projects, project_keys');
});
afterAll(async () => h?.stop());

interface PlanNode {
  'Node Type': string;
  'Join Type'?: string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Plans?: PlanNode[];
}

const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

/** Runs `call` with a Queryable that EXPLAINs, as the app role under the owner's tenant context, whatever it is sent. */
async function planOf(call: (db: Queryable) => Promise<unknown>): Promise<PlanNode> {
  const plans = await plansOf(call);
  expect(plans).toHaveLength(1);
  return plans[0]!;
}

/** The plan of every statement `call` sends, in order (each is explained, not run: it sees no rows). */
async function plansOf(call: (db: Queryable) => Promise<unknown>): Promise<PlanNode[]> {
  const client = new Client({ connectionString: h.db.appUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    await setTenantContext(client, { accountId: owner.id, email: owner.email, orgId });
    const plans: PlanNode[] = [];
    const explaining = {
      async query(textOrConfig: string | QueryConfig, values?: unknown[]) {
        const text = typeof textOrConfig === 'string' ? textOrConfig : textOrConfig.text;
        const params = typeof textOrConfig === 'string' ? values : textOrConfig.values;
        const { rows } = await client.query(`EXPLAIN (FORMAT JSON) ${text}`, params);
        plans.push(rows[0]['QUERY PLAN'][0].Plan);
        return { rows: [], rowCount: 0 };
      },
    } as Queryable;
    await call(explaining);
    return plans;
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    await client.end();
  }
}

/** The plan as an outline, one node a line, for a failure message. */
const outline = (n: PlanNode, depth = 0): string =>
  [`${'  '.repeat(depth)}${n['Node Type']}${n['Join Type'] ? ` (${n['Join Type']})` : ''}${n['Relation Name'] ? ` on ${n['Relation Name']}` : ''}${n['Index Name'] ? ` using ${n['Index Name']}` : ''}`, ...(n.Plans ?? []).map((c) => outline(c, depth + 1))].join('\n');

/**
 * Every read of `table` in the plan is a lookup of the wanted keys in its primary key: no Seq Scan, and
 * each index condition names `id`, not only `project_id` (an index range over the whole project would
 * cost as much as the project is big, the very thing these reads must not do). `projectRange` accepts
 * such a range, still through the primary key.
 */
function expectKeyLookups(plan: PlanNode, table: string, { projectRange = false } = {}): void {
  const all = nodes(plan);
  const fail = (why: string) => {
    throw new Error(`${table}: ${why}\n${outline(plan)}`);
  };
  if (all.some((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === table)) fail('a Seq Scan');
  // an index scan names its table; a bitmap heap scan's index is on its Bitmap Index Scan child
  const viaIndex = all.filter((n) => n['Index Name'] !== undefined && (n['Relation Name'] === table || (n['Node Type'] === 'Bitmap Index Scan' && n['Index Name'].startsWith(`${table}_`))));
  if (viaIndex.length === 0) fail('not read through an index');
  for (const n of viaIndex) {
    if (n['Index Name'] !== `${table}_pkey`) fail(`read through ${n['Index Name']}, not ${table}_pkey`);
    const keyColumn = table === 'vcs_branches' ? 'name' : 'id';
    if (!projectRange && !new RegExp(`\\b${keyColumn} = `).test(n['Index Cond'] ?? '')) fail(`an index range, not a key lookup (Index Cond: ${n['Index Cond']})`);
  }
}

describe('the plans of the sync reads use the primary keys', () => {
  it('findBlobs: one chunk of a pull (50 ids)', async () => {
    const wanted = await ids(projectId, 'b', 1001, 50);
    expectKeyLookups(await planOf((db) => findBlobs(db, projectId, wanted)), 'vcs_blobs');
  });

  it('findBlobsWithin: the pull as the sync function reads it (sizes first, contents only if they fit)', async () => {
    const wanted = await ids(projectId, 'b', 1051, 50);
    expectKeyLookups(await planOf((db) => findBlobsWithin(db, projectId, wanted, 8 * 1024 * 1024)), 'vcs_blobs');
  });

  it('missingBlobIds: a push of 200 blobs, half of them stored', async () => {
    const some = [...(await ids(projectId, 'b', 2001, 100)), ...Array.from({ length: 100 }, () => randomBytes(20).toString('hex'))];
    expectKeyLookups(await planOf((db) => missingBlobIds(db, projectId, some)), 'vcs_blobs');
  });

  // Insomnia sends every blob id of a push in one blobsMissing call, so a push of a big workspace asks
  // many: still key lookups, whatever the size of the project.
  it('missingBlobIds: 1000 ids (900 stored) are key lookups', async () => {
    const most = [...(await ids(projectId, 'b', 1, 900)), ...Array.from({ length: 100 }, () => randomBytes(20).toString('hex'))];
    expectKeyLookups(await planOf((db) => missingBlobIds(db, projectId, most)), 'vcs_blobs');
  });

  it('findSnapshots: one chunk of a pull (20 ids)', async () => {
    const wanted = await ids(projectId, 's', SNAPSHOTS - 19, 20);
    expectKeyLookups(await planOf((db) => findSnapshots(db, projectId, wanted)), 'vcs_snapshots');
  });

  it('findSnapshotsWithin: the sizes first, then the snapshots, both by key', async () => {
    const wanted = await ids(projectId, 's', SNAPSHOTS - 39, 20);
    const plans = await plansOf((db) => findSnapshotsWithin(db, projectId, wanted, 16 * 1024 * 1024));
    expect(plans).toHaveLength(2);
    for (const plan of plans) expectKeyLookups(plan, 'vcs_snapshots');
  });

  it('findBranch: the first call of every pull and push', async () => {
    expectKeyLookups(await planOf((db) => findBranch(db, projectId, 'master')), 'vcs_branches');
  });
});
