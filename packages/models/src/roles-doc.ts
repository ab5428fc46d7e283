import { PERMISSIONS, ROLE_DESCRIPTIONS, ROLE_PERMISSIONS, ROLES, SOMNUS_ACTIONS } from './roles';

/** The role matrix as Markdown; docs/roles.md holds this text and a test keeps the two equal. */
export function renderRoleMatrix(): string {
  const actions = [...PERMISSIONS, ...SOMNUS_ACTIONS];
  const lines = [
    '# Roles and permissions',
    '',
    'Generated from `packages/models/src/roles.ts`, the one place the role model is written down; use cases',
    'check it and `GET /v1/organizations/{orgId}/user-permissions` is computed from it. A test fails when this',
    'page and the code disagree.',
    '',
    ...ROLES.map((r) => `- **${r}**: ${ROLE_DESCRIPTIONS[r]}`),
    '',
    `| permission | ${ROLES.join(' | ')} |`,
    `|---|${ROLES.map(() => '---').join('|')}|`,
    ...actions.map((a) => `| \`${a}\` | ${ROLES.map((r) => (ROLE_PERMISSIONS[r].has(a) ? 'yes' : '—')).join(' | ')} |`),
    '',
    'Also enforced regardless of role: the owner cannot be demoted, removed or leave (ownership is transferred',
    'instead), an organization always has exactly one owner, and a personal organization cannot be deleted,',
    'left or shared. Enterprise connections (SSO) are not offered by a self-hosted Somnus.',
    '',
  ];
  return lines.join('\n');
}
