import fs from 'node:fs';
import path from 'node:path';
import { MIGRATIONS_DIR } from '@somnus/db';
import { withClient } from '../../../test/support/database';
import { startFunctions } from '../../../test/support/function-server';
import { client, signUp, teamOrg } from './key-sharing-support';

/**
 * Migration 1764100000551 drops the invitation codes. Accounts that existed before verification count as
 * verified (…_550), so an invitation pending to one of them, which waited for its code, would become
 * acceptable by an account that never read it: those are closed. Invitations to addresses without an
 * account stay pending, since whoever signs up with one must verify it.
 */
let h: Awaited<ReturnType<typeof startFunctions>>;

beforeAll(async () => {
  h = await startFunctions('auth', 'keys', 'invites', 'sync');
});
afterAll(async () => h?.stop());

it('closes invitations pending to an existing account, keeps those to addresses without one', async () => {
  const jane = await signUp(h, 'jane@migrate.test');
  await signUp(h, 'has-account@migrate.test', 'pass phrase', { verified: false });
  const orgId = await teamOrg(h, jane, 'Before');
  const J = client(h.invites, jane);
  const toAccount = await J.post(`/v1/organizations/${orgId}/invites`, { inviteeEmail: 'has-account@migrate.test' });
  const toNobody = await J.post(`/v1/organizations/${orgId}/invites`, { inviteeEmail: 'nobody-yet@migrate.test' });
  expect([toAccount.status, toNobody.status]).toEqual([201, 201]);

  const sql = fs.readFileSync(path.join(MIGRATIONS_DIR, '1764100000551_invite-link-token.sql'), 'utf8');
  const [up, down] = sql.split('-- Down Migration');
  await withClient(h.db.migratorUrl, async (c) => {
    await c.query(down!);
    await c.query(up!.replace('-- Up Migration', ''));
  });
  const status = async (id: string) => (await h.db.query('SELECT status FROM invites WHERE id = $1', [id])).rows[0].status;
  expect(await status(toAccount.body.id)).toBe('expired');
  expect(await status(toNobody.body.id)).toBe('pending');
});
