import { randomBytes } from 'node:crypto';
import { FUNCTION_REGISTRY, type Role } from '@somnus/models';
import { startFunctions } from '../support/function-server';
import { createProjectOverGraphql } from '../support/graphql-projects';
import { login, newAccount, signupVerified } from '../support/accounts';
import type { Api, ApiResponse } from '../support/api';
import type { FunctionHarness } from '../support/function-server';

/**
 * Tenants with data in every tenant table, built through the API only, for the isolation suites
 * (rls.test.ts, isolation-matrix.test.ts). Plus the superuser's view of those tables.
 */

export interface Harness extends FunctionHarness {
  auth: Api;
  invites: Api;
  sync: Api;
}

/** The functions behind the gateway: a tenant's rows are made through all of them. */
export const PUBLIC_FUNCTIONS = FUNCTION_REGISTRY.filter((f) => f.trigger.type === 'http' && f.trigger.public).map((f) => f.name);

export const startTenantHarness = async (): Promise<Harness> => (await startFunctions(...PUBLIC_FUNCTIONS)) as Harness;

/** A ciphertext-shaped blob (an AESMessage as JSON): the server checks the shape, never the content. */
export const fakeBlob = () =>
  JSON.stringify({ iv: randomBytes(12).toString('hex'), t: randomBytes(16).toString('hex'), d: randomBytes(64).toString('hex'), ad: '' }, null, 2);

/** One GraphQL call as a client makes it; throws on any GraphQL error. */
export async function graphql(h: Harness, u: User, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const r = await h.sync.call('POST', '/graphql?fixture', { query, variables }, u.headers);
  if (r.status !== 200 || r.body.errors) throw new Error(`graphql: ${r.status} ${r.text}`);
  return r.body.data;
}

export interface User {
  id: string;
  email: string;
  token: string;
  headers: Record<string, string>;
}

export const wrappedKey = () => randomBytes(256).toString('hex');
export const randomId = (prefix: string) => `${prefix}_${randomBytes(16).toString('hex')}`;

let seq = 0;
export async function signupAndLogin(h: Harness, name: string): Promise<User> {
  const email = `${name}-${++seq}-${randomBytes(3).toString('hex')}@tenants.example.com`;
  const account = await newAccount(email, 'pass');
  // verified, as a user who follows the link of the verification email (docs/protocol.md §4.1)
  const id = await signupVerified(h.auth, h.smtp, account);
  const session = await login(h.auth, email, 'pass');
  return { id, email, token: session.token!, headers: { 'X-Session-Id': session.token! } };
}

async function ok(res: Promise<ApiResponse>, what: string): Promise<ApiResponse> {
  const r = await res;
  if (r.status >= 300) throw new Error(`${what}: ${r.status} ${r.text}`);
  return r;
}

export interface Tenant {
  orgId: string;
  owner: User;
  /** a non-default team project */
  teamProjectId: string;
  /** a VCS project the owner holds a key for */
  projectId: string;
  /** a pending invitation (with a wrapped key) to `invitee` */
  invitationId: string;
  members: Partial<Record<Exclude<Role, 'owner'>, User>>;
}

/**
 * A team org with every kind of row: members by invite + accept (with keys), a team project, a VCS
 * project with wrapped keys, a pending invite carrying a wrapped key, a changed storage rule, audit events.
 */
export async function seedTenant(
  h: Harness,
  owner: User,
  opts: { members: Partial<Record<Exclude<Role, 'owner'>, User>>; invitee: User; name?: string },
): Promise<Tenant> {
  const call = (u: User, method: string, path: string, body?: unknown) => h.invites.call(method, path, body ?? {}, u.headers);
  const org = await ok(call(owner, 'POST', '/v1/organizations', { name: opts.name ?? 'Tenant' }), 'create org');
  const orgId: string = org.body.id;
  const base = `/v1/organizations/${orgId}`;
  const tp = await ok(call(owner, 'POST', `${base}/team-projects`, { name: 'Team project' }), 'team project');
  // made while the owner is the only member: projectCreate wants a key for each, the others get theirs by invitation
  const { id: projectId } = await createProjectOverGraphql(h.sync, owner.headers, {
    name: 'Collection',
    teamId: orgId,
    teamProjectId: tp.body.id,
    teamKeys: [{ accountId: owner.id, encSymmetricKey: wrappedKey() }],
  });
  for (const [role, member] of Object.entries(opts.members) as Array<[Exclude<Role, 'owner'>, User]>) {
    const inv = await ok(
      call(owner, 'POST', `${base}/invites`, {
        inviteeId: member.id,
        inviteeEmail: member.email,
        role: `role_${role}`,
        inviteKeys: [{ projectId, encSymmetricKey: wrappedKey() }],
      }),
      'invite member',
    );
    // the member's address is verified, which is what accepting asks
    await ok(call(member, 'POST', `/v1/invites/${inv.body.id}/accept`), 'accept');
  }
  const pending = await ok(
    call(owner, 'POST', `${base}/invites`, {
      inviteeId: opts.invitee.id,
      inviteeEmail: opts.invitee.email,
      inviteKeys: [{ projectId, encSymmetricKey: wrappedKey() }],
    }),
    'pending invite',
  );
  // version control: a blob, a snapshot naming it, and the branch holding the snapshot
  const blob = `blob_${randomBytes(8).toString('hex')}`;
  await graphql(h, owner, 'mutation ($project: ID!, $blobs: [BlobInput!]!) { blobsCreate(project: $project, blobs: $blobs) { count } }', {
    project: projectId,
    blobs: [{ id: blob, content: fakeBlob() }],
  });
  const snapshot = { id: randomBytes(20).toString('hex'), parent: '0'.repeat(40), created: new Date().toISOString(), name: 'First', state: [{ key: 'wrk_1', name: 'Workspace', blob }] };
  await graphql(h, owner, 'mutation ($project: ID!, $snapshots: [SnapshotInput!]!, $branch: String!) { snapshotsCreate(project: $project, snapshots: $snapshots, branch: $branch) { id } }', {
    project: projectId,
    branch: 'master',
    snapshots: [snapshot],
  });
  await ok(h.sync.call('POST', `${base}/collaborators`, { project: tp.body.id, file: 'wrk_1' }, owner.headers), 'presence');
  await ok(call(owner, 'PUT', `${base}/storage-rule`, { storage: 'cloud_only' }), 'storage rule');
  return { orgId, owner, teamProjectId: tp.body.id, projectId, invitationId: pending.body.id, members: opts.members };
}

export interface TenantTable {
  name: string;
  /** the column holding the org id: `id` for organizations, `org_id` elsewhere */
  orgColumn: string;
}

/** Every table that is or belongs to a tenant, discovered from the catalog so new tables are covered. */
export async function tenantTables(h: Harness): Promise<TenantTable[]> {
  const { rows } = await h.db.query<{ table_name: string }>(
    `SELECT c.table_name FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = 'public' AND c.column_name = 'org_id' AND t.table_type = 'BASE TABLE'
      ORDER BY c.table_name`,
  );
  return [{ name: 'organizations', orgColumn: 'id' }, ...rows.map((r) => ({ name: r.table_name, orgColumn: 'org_id' }))];
}

/** Row count and a content hash of every tenant table, as the superuser (no RLS in the way). */
export async function snapshot(h: Harness, tables: TenantTable[]): Promise<Record<string, { rows: number; md5: string | null }>> {
  const out: Record<string, { rows: number; md5: string | null }> = {};
  for (const t of tables) {
    const { rows } = await h.db.query(
      `SELECT count(*)::int AS rows, md5(string_agg(x::text, '|' ORDER BY x::text)) AS md5 FROM "${t.name}" x`,
    );
    out[t.name] = rows[0];
  }
  return out;
}
