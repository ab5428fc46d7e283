import fs from 'node:fs';
import path from 'node:path';
import { can, PERMISSIONS, permissionsOf, roleFromId } from '../src';
import { renderRoleMatrix } from '../src/roles-doc';

describe('role model', () => {
  it('docs/roles.md is the rendered role table', () => {
    const doc = fs.readFileSync(path.resolve(__dirname, '../../../docs/roles.md'), 'utf8');
    expect(doc).toBe(renderRoleMatrix());
  });

  it('user-permissions has exactly the wire keys of §6, all booleans', () => {
    for (const role of ['owner', 'admin', 'member'] as const) {
      const perms = permissionsOf(role);
      expect(Object.keys(perms).sort()).toEqual([...PERMISSIONS].sort());
      expect(Object.values(perms).every((v) => typeof v === 'boolean')).toBe(true);
    }
  });

  it('orders the roles: owner ⊇ admin ⊇ member, except that the owner cannot leave', () => {
    for (const p of PERMISSIONS) {
      if (can('member', p) && p !== 'leave:organization') expect(can('admin', p)).toBe(true);
      if (can('admin', p) && p !== 'leave:organization') expect(can('owner', p)).toBe(true);
    }
    expect(can('member', 'create:invitation')).toBe(false);
    expect(can('admin', 'delete:organization')).toBe(false);
    expect(can('owner', 'leave:organization')).toBe(false);
    expect(can(null, 'read:organization')).toBe(false);
  });

  it('accepts role ids and names, nothing else', () => {
    expect(roleFromId('role_admin')).toBe('admin');
    expect(roleFromId('member')).toBe('member');
    expect(roleFromId('role_root')).toBeNull();
    expect(roleFromId('')).toBeNull();
  });
});
