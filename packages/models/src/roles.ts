/**
 * The role model, written down once: what each role may do. Use cases check it; `user-permissions`
 * (docs/protocol.md §6) is computed from it; the README's matrix is generated from it by a test.
 */
export const ROLES = ['owner', 'admin', 'member'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  owner: 'Owns the organization: everything an admin can do, plus deleting it and transferring ownership',
  admin: 'Manages members, invitations, roles below owner, team projects and the storage rule',
  member: 'Uses the organization’s projects; can leave',
};

/** Stable role ids for `PUT …/members/{id}/roles {roles:[roleId]}`. */
export const ROLE_IDS: Record<Role, string> = { owner: 'role_owner', admin: 'role_admin', member: 'role_member' };

/** Exactly the permission keys of `GET …/user-permissions` (docs/protocol.md §6). */
export const PERMISSIONS = [
  'own:organization',
  'read:organization',
  'delete:organization',
  'update:organization',
  'read:membership',
  'delete:membership',
  'update:membership',
  'read:invitation',
  'create:invitation',
  'delete:invitation',
  'create:enterprise_connection',
  'read:enterprise_connection',
  'delete:enterprise_connection',
  'update:enterprise_connection',
  'leave:organization',
  'create:team_project',
  'read:team_project',
  'update:team_project',
  'delete:team_project',
  'delete:file',
  'get:organization:transfers',
  'start:organization:transfer',
  'revoke:organization:transfer',
] as const;
/** Actions Somnus checks that are not part of the wire permission map. */
export const SOMNUS_ACTIONS = ['read:audit_log'] as const;
export type Permission = (typeof PERMISSIONS)[number] | (typeof SOMNUS_ACTIONS)[number];

const MEMBER: Permission[] = ['read:organization', 'read:membership', 'read:team_project', 'leave:organization'];
const ADMIN: Permission[] = [
  ...MEMBER,
  'update:organization',
  'update:membership',
  'delete:membership',
  'read:invitation',
  'create:invitation',
  'delete:invitation',
  'create:team_project',
  'update:team_project',
  'delete:team_project',
  'delete:file',
  'read:audit_log',
];
const OWNER: Permission[] = [
  ...ADMIN.filter((p) => p !== 'leave:organization'), // the owner transfers ownership instead of leaving
  'own:organization',
  'delete:organization',
  'get:organization:transfers',
  'start:organization:transfer',
  'revoke:organization:transfer',
];

/** Enterprise connections (SSO) are not offered by a self-hosted Somnus: nobody has them. */
export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  owner: new Set(OWNER),
  admin: new Set(ADMIN),
  member: new Set(MEMBER),
};

export function can(role: Role | null | undefined, permission: Permission): boolean {
  return !!role && ROLE_PERMISSIONS[role].has(permission);
}

export function permissionsOf(role: Role): Record<Permission, boolean> {
  return Object.fromEntries(PERMISSIONS.map((p) => [p, ROLE_PERMISSIONS[role].has(p)])) as Record<Permission, boolean>;
}

/** Accepts a role id (`role_admin`) or a role name (`admin`), as clients send either. */
export function roleFromId(roleId: string): Role | null {
  const name = roleId.startsWith('role_') ? roleId.slice('role_'.length) : roleId;
  return (ROLES as readonly string[]).includes(name) ? (name as Role) : null;
}
