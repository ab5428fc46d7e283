/**
 * Two accounts in one team org on the REAL stack, set up the way users do it with the SDK: sign up, log
 * in, verify the address with the code of the verification email (read from the SMTP sink), create the
 * org, invite, accept. Each account's
 * client goes through a recording fetch that forwards to the real server.
 */
import type { AccountKeys } from '@somnus/crypto';
import { SomnusClient } from '../src';
import { queryRows } from '../../../test/support/database';
import type { TestStack } from '../../../test/support/stack';
import { latestVerificationMail } from '../../../test/support/accounts';
import { extractCode } from '../../../test/support/smtp';
import { recordingFetch, type RecordedRequest, type RecordingFetch } from './recording-fetch';

export const PASS = 'correct horse battery staple';

let n = 0;

export interface SyncUser {
  email: string;
  accountId: string;
  client: SomnusClient;
  keys: AccountKeys;
  rec: RecordingFetch;
}

export async function signedUp(stack: TestStack, tag: string): Promise<SyncUser> {
  const email = `${tag}.${process.pid}.${++n}@example.com`;
  const rec = recordingFetch();
  const client = new SomnusClient({ baseUrl: stack.baseUrl, fetch: rec.fetch });
  const { accountId } = await client.signup({ email, passphrase: PASS });
  await client.login({ email, passphrase: PASS });
  await client.verifyEmail(extractCode(await latestVerificationMail(stack.smtp, email)));
  return { email, accountId, client, keys: await client.unwrapKeys(PASS), rec };
}

/** `owner` creates a team org and `member` joins it through an emailed invitation. */
export async function team(stack: TestStack, owner: SyncUser, member: SyncUser): Promise<string> {
  const { id: orgId } = await owner.client.createOrg(`Sync team ${++n}`);
  const { invitation } = await owner.client.invite(orgId, member.email, 'member', owner.keys);
  await member.client.acceptInvite(invitation.id);
  return orgId;
}

/** The GraphQL requests among `requests`. */
export const graphqlRequests = (requests: readonly RecordedRequest[]) => requests.filter((r) => r.method === 'POST' && r.path === '/graphql');

/** Their labels (`?<label>`), runs of one label collapsed: [blobs, blobs, blobs] → [blobs]. */
export function labelRuns(requests: readonly RecordedRequest[]): string[] {
  const out: string[] = [];
  for (const r of graphqlRequests(requests)) {
    const label = r.search.slice(1);
    if (out.at(-1) !== label) out.push(label);
  }
  return out;
}

/**
 * Every row of every table, as text, read as the superuser: what someone holding a dump of the database
 * would see. (`pg_dump` is not available to the tests; a row cast to text shows every column.)
 */
export async function databaseRows(stack: TestStack): Promise<Array<{ table: string; row: string }>> {
  const tables = await queryRows<{ name: string }>(
    stack.db.adminUrl,
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
  );
  const rows: Array<{ table: string; row: string }> = [];
  for (const { name } of tables) {
    const quoted = `"${name.replace(/"/g, '""')}"`;
    for (const r of await queryRows<{ row: string }>(stack.db.adminUrl, `SELECT t::text AS row FROM ${quoted} t`)) rows.push({ table: name, row: r.row });
  }
  return rows;
}
