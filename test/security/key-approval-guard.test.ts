import type { Client } from 'pg';
import { generateRsaKeyPair } from '@somnus/crypto';
import { fingerprintOf } from '@somnus/models';
import { withClient } from '../support/database';
import { seedTenant, signupAndLogin, startTenantHarness, type Harness, type Tenant, type User } from './tenant-fixtures';

/**
 * The quarantine for changed keys holds in the database on its own (docs/architecture.md §4.4; migration
 * 1764100000830), whatever a use case does: a membership's approved fingerprint changes only by an owner or
 * admin of the org, never for their own membership, and only to the member's current key; a public key
 * that changes stamps key_changed_at.
 */
let h: Harness;
let org: Tenant;
let jane: User; // owner
let ada: User; // admin
let bob: User; // member

beforeAll(async () => {
  h = await startTenantHarness();
  jane = await signupAndLogin(h, 'jane');
  ada = await signupAndLogin(h, 'ada');
  bob = await signupAndLogin(h, 'bob');
  const carol = await signupAndLogin(h, 'carol');
  org = await seedTenant(h, jane, { members: { member: bob, admin: ada }, invitee: carol, name: 'Guarded' });
});
afterAll(async () => h?.stop());

/** A reset, as far as the keys go: a new public key stored for the account (as the migrator, past every guard). */
async function newKeyFor(user: User): Promise<string> {
  const { publicJwk } = await generateRsaKeyPair();
  await withClient(h.db.migratorUrl, (c) => c.query('UPDATE accounts SET public_key = $2 WHERE id = $1', [user.id, JSON.stringify(publicJwk)]));
  return fingerprintOf(publicJwk);
}

/** One statement as the app role with `who`'s tenant context in the org; 'ok' or the SQLSTATE. */
async function asApp(who: User, sql: string, params: unknown[]): Promise<string> {
  return withClient(h.db.appUrl, async (c: Client) => {
    await c.query('BEGIN');
    try {
      await c.query(`SELECT set_config('app.account_id', $1, true), set_config('app.email', $2, true), set_config('app.org_id', $3, true)`, [who.id, who.email.toLowerCase(), org.orgId]);
      const r = await c.query(sql, params);
      await c.query('COMMIT');
      return r.rowCount ? 'ok' : 'no row';
    } catch (err) {
      await c.query('ROLLBACK');
      return (err as { code?: string }).code ?? 'error';
    }
  });
}

const approve = (who: User, member: User, fingerprint: string) =>
  asApp(who, 'UPDATE memberships SET approved_fingerprint = $3 WHERE org_id = $1 AND account_id = $2', [org.orgId, member.id, fingerprint]);

const state = async (member: User) =>
  (
    await h.db.query<{ approved: string | null; current: string | null; changed: Date | null }>(
      `SELECT m.approved_fingerprint AS approved, a.key_fingerprint AS current, a.key_changed_at AS changed
         FROM memberships m JOIN accounts a ON a.id = m.account_id WHERE m.org_id = $1 AND m.account_id = $2`,
      [org.orgId, member.id],
    )
  ).rows[0]!;

describe('approving a changed key, in the database', () => {
  it('joining approved the key of the moment; a new key leaves the member quarantined and stamps key_changed_at', async () => {
    const before = await state(bob);
    expect(before.approved).toBe(before.current);
    expect(before.changed).toBeNull();
    const fingerprint = await newKeyFor(bob);
    const after = await state(bob);
    expect(after).toMatchObject({ approved: before.approved, current: fingerprint });
    expect(after.changed).toBeInstanceOf(Date);
  });

  it('the member cannot approve their own key; an admin cannot approve anything but the current key; an admin can approve it', async () => {
    const current = (await state(bob)).current!;
    expect(await approve(bob, bob, current)).toBe('42501');
    expect(await approve(ada, bob, '12345 67890 12345 67890 12345 67890')).toBe('42501');
    expect(await approve(ada, bob, current)).toBe('ok');
    expect((await state(bob)).approved).toBe(current);
  });

  it('an admin whose own key changed cannot approve it; the owner can', async () => {
    const fingerprint = await newKeyFor(ada);
    expect(await approve(ada, ada, fingerprint)).toBe('42501');
    expect((await state(ada)).approved).not.toBe(fingerprint);
    expect(await approve(jane, ada, fingerprint)).toBe('ok');
  });

  it('an admin whose own key is quarantined approves nobody else either, until theirs is approved', async () => {
    const adaKey = await newKeyFor(ada);
    const bobKey = await newKeyFor(bob);
    expect(await approve(ada, bob, bobKey)).toBe('42501');
    expect((await state(bob)).approved).not.toBe(bobKey);
    expect(await approve(jane, ada, adaKey)).toBe('ok');
    expect(await approve(ada, bob, bobKey)).toBe('ok');
  });
});
