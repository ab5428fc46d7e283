import { setLogDestination } from '@somnus/runtime';
import { randomId, signupAndLogin, startTenantHarness, type Harness, type User } from '../../../test/security/tenant-fixtures';

/**
 * What a client syncs never reaches the logs: not blob contents, not document names or ids, not the
 * variables of a GraphQL call — whether the call succeeds, fails validation or breaks a limit.
 */

const CANARY = 'canary-7f3a9c1e-do-not-log';
const lines: string[] = [];
const consoleLines: string[] = [];
let h: Harness;
let jane: User;

beforeAll(async () => {
  process.env.LOG_LEVEL = 'info';
  setLogDestination({ write: (line: string) => void lines.push(line) });
  console.error = (...args: unknown[]) => void consoleLines.push(args.map(String).join(' '));
  h = await startTenantHarness();
  jane = await signupAndLogin(h, 'jane');
});
afterAll(async () => {
  setLogDestination(process.stdout);
  await h?.stop();
});

it('no log line carries synced content, names or variables', async () => {
  const id = randomId('prj');
  const call = (query: string, variables: Record<string, unknown>) => h.sync.call('POST', '/graphql?logs', { query, variables }, jane.headers);
  const wrapped = 'ab'.repeat(256);
  await call('mutation ($name: String!, $id: ID!, $rootDocumentId: ID!, $teamKeys: [ProjectCreateKeyInput!]) { projectCreate(name: $name, id: $id, rootDocumentId: $rootDocumentId, teamKeys: $teamKeys) { id } }', {
    name: `Project ${CANARY}`,
    id,
    rootDocumentId: 'wrk_1',
    teamKeys: [{ accountId: jane.id, encSymmetricKey: wrapped }],
  });
  const content = JSON.stringify({ iv: '0'.repeat(24), t: '0'.repeat(32), d: Buffer.from(CANARY).toString('hex'), ad: '' });
  await call('mutation ($project: ID!, $blobs: [BlobInput!]!) { blobsCreate(project: $project, blobs: $blobs) { count } }', { project: id, blobs: [{ id: 'b1', content }] });
  await call('mutation ($project: ID!, $snapshots: [SnapshotInput!]!, $branch: String!) { snapshotsCreate(project: $project, snapshots: $snapshots, branch: $branch) { id } }', {
    project: id,
    branch: 'master',
    snapshots: [{ id: 's1', parent: '0'.repeat(40), created: new Date().toISOString(), name: CANARY, state: [{ key: `req_${CANARY}`, name: CANARY, blob: 'b1' }] }],
  });
  // refusals too: a bad blob, a wrong type, a broken limit, a parse error
  await call('mutation ($project: ID!, $blobs: [BlobInput!]!) { blobsCreate(project: $project, blobs: $blobs) { count } }', { project: id, blobs: [{ id: 'b2', content: CANARY }] });
  await call('query ($id: ID!) { project(id: $id) { id } }', { id: { nested: CANARY } });
  await call(`query { ${CANARY.replace(/-/g, '_')} }`, {});
  await call(`query { teams { id } ${'}'.repeat(3)} ${CANARY}`, {});

  expect(lines.length).toBeGreaterThan(5); // the calls were logged at all
  expect([...lines, ...consoleLines].filter((l) => l.includes(CANARY) || l.includes(Buffer.from(CANARY).toString('hex')))).toEqual([]);
});
