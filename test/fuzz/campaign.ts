import { createHash, randomBytes } from 'node:crypto';
import type http from 'node:http';
import fc from 'fast-check';
import { closeServer, createGateway, listen } from '@somnus/dev/src/gateway';
import { loadFunctions } from '@somnus/dev/src/function-loader';
import { ERROR_STATUS, ROUTES, errorBody, matchRoute, type Route } from '@somnus/models';
import { login } from '../support/accounts';
import { rawRequest, type RawAnswer } from '../support/raw-http';
import { createProjectOverGraphql } from '../support/graphql-projects';
import { fakeBlob, graphql, PUBLIC_FUNCTIONS, seedTenant, signupAndLogin, startTenantHarness, wrappedKey, type Harness, type User } from '../security/tenant-fixtures';
import { AUTHENTICATED, describeCase, fuzzCase, materialize, type Fixture, type FuzzCase, type WireRequest } from './cases';

/**
 * The fuzz campaign (issue 9 §9): hostile variants of every route (cases.ts) against the running stack —
 * every public function behind the local gateway, as `pnpm start` serves them — and, for each answer, the
 * properties every answer must have (docs/architecture.md §3, §7, §8):
 *
 * - no 5xx;
 * - every error is `{error, message}` with `Content-Type: application/json` exactly (a GraphQL route
 *   refuses with `200 {errors}`, docs/protocol.md §1; a browser page may redirect; a preflight is `204`);
 * - a page or asset of the web app (`/app/*`) is HTML, JavaScript or CSS with its Content-Security-Policy,
 *   or a 308 that stays under `/app/`;
 * - a success body matches its route's contract;
 * - nothing but a public route answers 2xx to a request without a live session;
 * - a refused request changes no row (the columns that count refused attempts by design excepted).
 */

export interface Violation {
  kind: string;
  detail: string;
}

export interface CaseResult {
  index: number;
  fuzzCase: FuzzCase;
  description: string;
  violations: Violation[];
}

export interface CampaignReport {
  passed: number;
  failed: number;
  failures: CaseResult[];
  /** how many cases each route, body kind and credential kind got */
  coverage: { routes: Map<string, number>; bodies: Map<string, number>; credentials: Map<string, number>; statuses: Map<string, number> };
}

// ---------------------------------------------------------------------------------------------------------
// the stack and its fixture

/**
 * Columns and tables a refused request changes by design, each for a rule of docs/architecture.md §2.3
 * and §7: wrong attempts are counted in the same transaction that refuses them (`failAndKeep`), login steps
 * are counted for rate limits whatever their outcome, and a live session records its use before the
 * request is judged. Anything else a refused request changes is a violation.
 */
const WRITTEN_BY_REFUSALS: Record<string, { columns?: readonly string[]; rows?: string } | 'whole table'> = {
  login_attempts: 'whole table', // every login step, for the per-email and per-IP limits
  rate_counters: 'whole table', // per-source limits (signup, account reset) count every try, refused or not
  login_sessions: { columns: ['attempts', 'consumed_at'] }, // wrong proofs on a handshake
  account_codes: { columns: ['attempts'] }, // wrong codes
  invites: { columns: ['accept_attempts'] }, // wrong invitation codes
  sessions: { columns: ['last_used_at'] }, // the lookup that accepts a session records its use
  // an invitation lookup is counted before the answer is known, so a refused probe counts too
  account_audit_events: { rows: `type = 'invite.lookup'` },
  // not by the request: emails queued by earlier, granted requests are published and sent meanwhile
  // (docs/architecture.md §11.3), and reset requests are decided (their account and address filled in, or
  // the address cleared); a row a refused request inserted would still show
  mail_outbox: {
    columns: ['state', 'attempts', 'last_error', 'dispatch_until', 'claim_token', 'claimed_at', 'published_at', 'sent_at', 'failed_at', 'data', 'account_id', 'email'],
  },
};

export interface FuzzTarget {
  baseUrl: string;
  fixture: Fixture;
  h: Harness;
  /** A hash per table of every row, minus what refusals change by design. */
  state(): Promise<Record<string, string>>;
  /** Puts back what a granted request may have taken from the fixture (a session, the org, ownership). */
  repair(): Promise<void>;
  stop(): Promise<void>;
}

const sha256 = (token: string) => createHash('sha256').update(token).digest();

async function stateQuery(h: Harness): Promise<string> {
  const { rows } = await h.db.query<{ table_name: string; columns: string[] }>(
    `SELECT t.table_name, array_agg(c.column_name::text ORDER BY c.column_name) AS columns
       FROM information_schema.tables t JOIN information_schema.columns c USING (table_schema, table_name)
      WHERE t.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND t.table_name NOT LIKE 'pgmigrations%'
      GROUP BY t.table_name ORDER BY t.table_name`,
  );
  const parts = rows
    .filter((r) => WRITTEN_BY_REFUSALS[r.table_name] !== 'whole table')
    .map((r) => {
      const rule = WRITTEN_BY_REFUSALS[r.table_name];
      const skip = rule && rule !== 'whole table' ? (rule.columns ?? []) : [];
      const without = skip.length ? ` - ARRAY[${skip.map((c) => `'${c}'`).join(',')}]::text[]` : '';
      const where = rule && rule !== 'whole table' && rule.rows ? ` WHERE NOT (${rule.rows})` : '';
      return `SELECT '${r.table_name}' AS t, md5(coalesce(string_agg(r, '|' ORDER BY r), '')) AS h FROM (SELECT (to_jsonb(x)${without})::text AS r FROM "${r.table_name}" x${where}) s`;
    });
  return parts.join(' UNION ALL ');
}

export async function startFuzzTarget(): Promise<FuzzTarget> {
  const h = await startTenantHarness();
  let gateway: http.Server | undefined;
  try {
    const owner = await signupAndLogin(h, 'fuzz-owner');
    const [member, invitee, outsider, spare] = await Promise.all(['fuzz-member', 'fuzz-invitee', 'fuzz-outsider', 'fuzz-spare'].map((n) => signupAndLogin(h, n)));
    const tenant = await seedTenant(h, owner!, { members: { member: member! }, invitee: invitee!, name: 'Fuzz' });
    // a session that was live and has expired, and one that was ended by logout
    const expired = (await login(h.auth, spare!.email, 'pass')).token!;
    await h.db.query(`UPDATE sessions SET expires_at = now() - interval '1 hour' WHERE token_hash = $1`, [sha256(expired)]);
    const revoked = (await login(h.auth, spare!.email, 'pass')).token!;
    const out = await h.auth.post('/auth/logout', {}, { 'X-Session-Id': revoked });
    if (out.status !== 200) throw new Error(`fuzz fixture: logout ${out.status}`);

    const fixture: Fixture = {
      ...(await tenantIds(h, tenant.orgId)),
      foreignOrgId: (await h.db.query<{ org_id: string }>(`SELECT org_id FROM memberships WHERE account_id = $1 LIMIT 1`, [outsider!.id])).rows[0]!.org_id,
      invitationId: tenant.invitationId,
      ownerId: owner!.id,
      memberId: member!.id,
      tokens: { owner: owner!.token, member: member!.token, outsider: outsider!.token, expired, revoked },
    };
    // a fresh set of servers for the same loaded functions, behind the gateway that stands for the load balancer
    gateway = createGateway({ functions: loadFunctions(PUBLIC_FUNCTIONS) });
    const { url } = await listen(gateway, 0);
    const query = await stateQuery(h);
    const users: Record<'owner' | 'member' | 'outsider', User> = { owner: owner!, member: member!, outsider: outsider! };
    const g = gateway;
    return {
      baseUrl: url,
      fixture,
      h,
      state: async () => Object.fromEntries((await h.db.query<{ t: string; h: string }>(query)).rows.map((r) => [r.t, r.h])),
      repair: () => repair(h, fixture, users),
      stop: async () => {
        await closeServer(g, 0);
        await h.stop();
      },
    };
  } catch (err) {
    if (gateway) await closeServer(gateway, 0);
    await h.stop();
    throw err;
  }
}

/** The org's team project, VCS project and a blob of it, as seeded. */
async function tenantIds(h: Harness, orgId: string): Promise<Pick<Fixture, 'orgId' | 'teamProjectId' | 'projectId' | 'blobId'>> {
  const { rows } = await h.db.query<{ project_id: string; team_project_id: string; blob_id: string }>(
    `SELECT p.id AS project_id, p.team_project_id, b.id AS blob_id
       FROM projects p JOIN vcs_blobs b ON b.project_id = p.id
      WHERE p.org_id = $1 LIMIT 1`,
    [orgId],
  );
  const row = rows[0];
  if (!row) throw new Error('fuzz fixture: the seeded tenant has no VCS project with a blob');
  return { orgId, teamProjectId: row.team_project_id, projectId: row.project_id, blobId: row.blob_id };
}

async function repair(h: Harness, fx: Fixture, users: Record<'owner' | 'member' | 'outsider', User>): Promise<void> {
  // a live session ended by a granted logout: a new one for the same account, written as login writes it
  for (const who of ['owner', 'member', 'outsider'] as const) {
    const live = await h.db.query(`SELECT 1 FROM sessions WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()`, [sha256(fx.tokens[who])]);
    if (live.rowCount) continue;
    const { rows } = await h.db.query<{ id: string }>(`SELECT id FROM sessions WHERE account_id = $1 ORDER BY created_at LIMIT 1`, [users[who].id]);
    const prefix = (rows[0]?.id ?? 'sess_').replace(/[0-9a-f]+$/, '');
    const token = randomBytes(32).toString('hex');
    await h.db.query(`INSERT INTO sessions (id, token_hash, account_id, expires_at) VALUES ($1, $2, $3, now() + interval '1 day')`, [
      `${prefix}${randomBytes(16).toString('hex')}`,
      sha256(token),
      users[who].id,
    ]);
    fx.tokens[who] = token;
    users[who].token = token;
    users[who].headers = { 'X-Session-Id': token };
  }
  // the org deleted, or handed to someone else: a new one with a team project and a VCS project holding a
  // blob, made through the API. No members or invitations this time: invitations send mail, which is rate
  // limited per address, and the later cases only need the objects.
  const owned = await h.db.query(`SELECT 1 FROM memberships WHERE org_id = $1 AND account_id = $2 AND role = 'owner'`, [fx.orgId, fx.ownerId]);
  if (owned.rowCount) return;
  const headers = users.owner.headers;
  const org = await h.invites.post('/v1/organizations', { name: 'Fuzz again' }, headers);
  const tp = await h.invites.post(`/v1/organizations/${org.body.id}/team-projects`, { name: 'Team project' }, headers);
  if (org.status !== 201 || tp.status !== 201) throw new Error(`fuzz fixture: recreating the org: ${org.status} ${tp.status}`);
  const project = await createProjectOverGraphql(h.sync, headers, {
    name: 'Collection',
    teamId: org.body.id,
    teamProjectId: tp.body.id,
    teamKeys: [{ accountId: fx.ownerId, encSymmetricKey: wrappedKey() }],
  });
  await graphql(h, users.owner, 'mutation ($project: ID!, $blobs: [BlobInput!]!) { blobsCreate(project: $project, blobs: $blobs) { count } }', {
    project: project.id,
    blobs: [{ id: `blob_${randomBytes(8).toString('hex')}`, content: fakeBlob() }],
  });
  Object.assign(fx, await tenantIds(h, org.body.id));
}

// ---------------------------------------------------------------------------------------------------------
// the properties

/** The rows the stack routes this request to: the gateway matches the normalised path, a function the raw one. */
export function servedRoutes(method: string, path: string): Route[] {
  const raw = path.split('?')[0]!;
  let normalised = raw;
  try {
    normalised = new URL(raw, 'http://fuzz.invalid').pathname;
  } catch {
    // an unparsable path is routed nowhere
  }
  const out: Route[] = [];
  for (const p of new Set([raw, normalised])) {
    const m = matchRoute(method, p, ROUTES);
    if ('route' in m) out.push(m.route);
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A GraphQL answer that refused: errors, and no data beyond nulls. */
function graphqlRefusal(body: unknown): boolean {
  if (!isObject(body) || !Array.isArray(body.errors) || body.errors.length === 0) return false;
  return body.data === undefined || body.data === null || (isObject(body.data) && Object.values(body.data).every((v) => v === null));
}

export interface Observation {
  fuzzCase: FuzzCase;
  wire: WireRequest;
  answer: RawAnswer;
  /** table → hash before and after the request */
  before: Record<string, string>;
  after: Record<string, string>;
}

export function violationsOf({ fuzzCase: c, wire, answer, before, after }: Observation): Violation[] {
  const out: Violation[] = [];
  const { status } = answer;
  const contentType = answer.headers['content-type'];
  const served = servedRoutes(wire.method, wire.path);
  const graphql = served.some((r) => 'errorFormat' in r && r.errorFormat === 'graphql');
  const head = wire.method === 'HEAD';
  const preflight = wire.method === 'OPTIONS' && status === 204;
  const redirect = status === 302 && served.some((r) => 'responseFormat' in r && r.responseFormat === 'redirect');
  // the web app's pages and assets (docs/architecture.md §13): files, and 308 to a page's canonical URL
  const page = served.some((r) => 'responseFormat' in r && r.responseFormat === 'static') && (status === 200 || status === 308) && !preflight;
  if (page && !answer.headers['content-security-policy']) out.push({ kind: 'page without its CSP', detail: `${status} ${wire.path}` });
  const shown = answer.text.length > 300 ? `${answer.text.slice(0, 300)}…` : answer.text;

  if (status >= 500) out.push({ kind: '5xx', detail: `${status} ${shown}` });
  // a GraphQL route answers a thrown error as 200 with an INTERNAL error: the same bug as a 500
  if (graphql && isObject(answer.body) && Array.isArray(answer.body.errors)) {
    if (answer.body.errors.some((e) => isObject(e) && isObject(e.extensions) && e.extensions.code === 'INTERNAL')) out.push({ kind: '5xx', detail: `GraphQL INTERNAL: ${shown}` });
  }
  if (status >= 400) {
    if (contentType !== 'application/json') out.push({ kind: 'error not JSON', detail: `${status} Content-Type ${contentType}: ${shown}` });
    else if (!head && !errorBody.safeParse(answer.body).success) out.push({ kind: 'error not {error, message}', detail: `${status} ${shown}` });
    else if (!head && isObject(answer.body) && ERROR_STATUS[answer.body.error as keyof typeof ERROR_STATUS] !== status) {
      out.push({ kind: 'error status not its code’s', detail: `${status} ${shown}` });
    }
  } else if (page) {
    if (status === 308 && !/^\/app\//.test(answer.headers.location ?? '')) out.push({ kind: 'page redirect off the app', detail: `to ${answer.headers.location}` });
    if (status === 200 && !/^text\/(html|javascript|css); charset=utf-8$/.test(contentType ?? '')) out.push({ kind: 'page of an unexpected type', detail: `${contentType}` });
  } else if (status >= 300 && !redirect) {
    out.push({ kind: 'unexpected redirect', detail: `${status} to ${answer.headers.location}` });
  } else if (status >= 200 && !preflight && !redirect && !head) {
    if (contentType !== 'application/json') out.push({ kind: 'answer not JSON', detail: `${status} Content-Type ${contentType}: ${shown}` });
    else if (graphql && status === 200) {
      if (!isObject(answer.body) || !('data' in answer.body || 'errors' in answer.body)) out.push({ kind: 'GraphQL answer without data or errors', detail: shown });
    } else {
      const row = served[0];
      const parsed = row?.response.safeParse(answer.body);
      if (row && parsed && !parsed.success) out.push({ kind: 'success breaks the contract', detail: `${row.method} ${row.path} ${status}: ${shown}` });
    }
  }

  const refused = status >= 400 || (graphql && status === 200 && graphqlRefusal(answer.body));
  const granted = !refused && status >= 200 && status < 300 && !preflight;
  if (granted && !AUTHENTICATED.has(c.credential) && !served.some((r) => r.access === 'public')) {
    out.push({ kind: '2xx without credentials', detail: `${status} ${shown}` });
  }
  if (refused) {
    const changed = Object.keys({ ...before, ...after }).filter((t) => before[t] !== after[t]);
    if (changed.length) out.push({ kind: 'a refused request changed rows', detail: `${status} changed ${changed.join(', ')}: ${shown}` });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// the loop

export interface CampaignOptions {
  numRuns: number;
  seed: number;
  /** called after each case, e.g. for progress */
  onCase?: (result: CaseResult) => void;
}

/**
 * Runs `numRuns` cases generated from `seed`. Routes are taken in turn (case i is on route i mod the table's
 * length), so a few hundred cases walk every route several times; everything else about a case is drawn.
 */
export async function runCampaign(target: FuzzTarget, opts: CampaignOptions): Promise<CampaignReport> {
  const report: CampaignReport = { passed: 0, failed: 0, failures: [], coverage: { routes: new Map(), bodies: new Map(), credentials: new Map(), statuses: new Map() } };
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const drawn = fc.sample(fuzzCase, { numRuns: opts.numRuns, seed: opts.seed });
  for (let index = 0; index < drawn.length; index++) {
    const c: FuzzCase = { ...drawn[index]!, route: index % ROUTES.length };
    const wire = materialize(c, target.fixture);
    bump(report.coverage.routes, `${wire.route.method} ${wire.route.path}`);
    bump(report.coverage.bodies, c.body.kind);
    bump(report.coverage.credentials, c.credential);
    const before = await target.state();
    let violations: Violation[];
    let answer: RawAnswer | null = null;
    try {
      answer = await rawRequest(target.baseUrl, { method: wire.method, path: wire.path, headers: wire.headers, body: wire.body }, 20_000);
      violations = violationsOf({ fuzzCase: c, wire, answer, before, after: await target.state() });
    } catch (err) {
      violations = [{ kind: 'no answer', detail: (err as Error).message }];
    }
    bump(report.coverage.statuses, answer ? String(answer.status) : 'none');
    // a granted request may have logged out, deleted the org or handed it over: the next case needs them
    if (answer && answer.status < 300 && wire.method !== 'GET' && AUTHENTICATED.has(c.credential)) await target.repair();
    const result: CaseResult = { index, fuzzCase: c, description: describeCase(c, wire), violations };
    if (violations.length) {
      report.failed++;
      report.failures.push(result);
    } else report.passed++;
    opts.onCase?.(result);
  }
  return report;
}

/** One line per failure kind and route, with the first case that showed it. */
export function summarizeFailures(failures: CaseResult[], seed: number): string[] {
  const seen = new Map<string, { first: CaseResult; v: Violation; count: number }>();
  for (const f of failures) {
    for (const v of f.violations) {
      const route = ROUTES[f.fuzzCase.route % ROUTES.length]!;
      const key = `${v.kind} on ${route.method} ${route.path}`;
      const entry = seen.get(key);
      if (entry) entry.count++;
      else seen.set(key, { first: f, v, count: 1 });
    }
  }
  return [...seen.entries()].map(
    ([key, { first, v, count }]) => `${key} (${count}×; first: seed ${seed} case ${first.index}: ${first.description} → ${v.detail})`,
  );
}
