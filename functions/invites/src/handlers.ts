import { defineFunction } from '@somnus/runtime';
import { invitesDeps } from './deps';
import { orgAuditEvents } from './use-cases/audit-events';
import { acceptInvite, createInvite, declineInvite, inviteInstructions, listMyInvites, listOrgInvites, revokeInvite, updateInviteRole } from './use-cases/invites';
import { myProjectKeys, reconcileKeys } from './use-cases/key-sharing';
import { approveMemberKeyUseCase } from './use-cases/approve-key';
import { getMemberRole, leaveOrganization, listOrgMembers, removeMember, setMemberRole, transferOwnership } from './use-cases/members';
import { createTeamOrganization, deleteOrg, getOrganization, listMyOrganizations, listRoles, renameOrg } from './use-cases/organizations';
import { checkSeats, getInvitePolicy, getStorageRule, orgFeatures, putInvitePolicy, putStorageRule, userPermissions } from './use-cases/settings';
import { createOrgTeamProject, deleteOrgTeamProject, listOrgTeamProjects, renameOrgTeamProject } from './use-cases/team-projects';

/**
 * Thin handlers: the runtime has checked the session, the membership and role for the org in the path,
 * and the body and query against each route's contract.
 */
export const handleInvites = defineFunction('invites', {
  deps: invitesDeps,
  handlers: {
    'GET /v1/organizations': ({ deps, actor, query }) => listMyOrganizations(deps, actor, query),
    'POST /v1/organizations': ({ deps, actor, body }) => createTeamOrganization(deps, actor, body),
    'GET /v1/organizations/roles': ({ deps, actor }) => listRoles(deps, actor),
    'GET /v1/organizations/:orgId': ({ deps, actor }) => getOrganization(deps, actor),
    'PATCH /v1/organizations/:orgId': ({ deps, actor, body }) => renameOrg(deps, actor, body),
    'DELETE /v1/organizations/:orgId': ({ deps, actor }) => deleteOrg(deps, actor),
    'GET /v1/organizations/:orgId/members': ({ deps, actor, query }) => listOrgMembers(deps, actor, query),
    'GET /v1/organizations/:orgId/members/:accountId/roles': ({ deps, actor, params }) => getMemberRole(deps, actor, params),
    'PUT /v1/organizations/:orgId/members/:accountId/roles': ({ deps, actor, params, body }) =>
      setMemberRole(deps, actor, { accountId: params.accountId, roleId: body.roles[0]! }),
    'POST /v1/organizations/:orgId/members/:accountId/approve-key': ({ deps, actor, params, body }) =>
      approveMemberKeyUseCase(deps, actor, { accountId: params.accountId, fingerprint: body.fingerprint }),
    'DELETE /v1/organizations/:orgId/members/:accountId': ({ deps, actor, params }) => removeMember(deps, actor, params),
    'POST /v1/organizations/:orgId/leave': ({ deps, actor }) => leaveOrganization(deps, actor),
    'POST /v1/organizations/:orgId/transfer-ownership': ({ deps, actor, body }) => transferOwnership(deps, actor, body),
    'GET /v1/organizations/:orgId/features': ({ deps, actor }) => orgFeatures(deps, actor),
    'GET /v1/organizations/:orgId/storage-rule': ({ deps, actor }) => getStorageRule(deps, actor),
    'PUT /v1/organizations/:orgId/storage-rule': ({ deps, actor, body }) => putStorageRule(deps, actor, body),
    'GET /v1/organizations/:orgId/invite-policy': ({ deps, actor }) => getInvitePolicy(deps, actor),
    'PUT /v1/organizations/:orgId/invite-policy': ({ deps, actor, body }) => putInvitePolicy(deps, actor, body),
    'GET /v1/organizations/:orgId/user-permissions': ({ deps, actor }) => userPermissions(deps, actor),
    'POST /v1/organizations/:orgId/check-seats': ({ deps, actor, body }) => checkSeats(deps, actor, body),
    'GET /v1/organizations/:orgId/team-projects': ({ deps, actor }) => listOrgTeamProjects(deps, actor),
    'POST /v1/organizations/:orgId/team-projects': ({ deps, actor, body }) => createOrgTeamProject(deps, actor, body),
    'PATCH /v1/organizations/:orgId/team-projects/:projectId': ({ deps, actor, params, body }) =>
      renameOrgTeamProject(deps, actor, { projectId: params.projectId, name: body.name }),
    'DELETE /v1/organizations/:orgId/team-projects/:projectId': ({ deps, actor, params }) => deleteOrgTeamProject(deps, actor, params),
    'GET /v1/organizations/:orgId/audit-events': ({ deps, actor, query }) => orgAuditEvents(deps, actor, query),
    'POST /v1/organizations/:orgId/invites/instructions': ({ deps, actor, body }) => inviteInstructions(deps, actor, body),
    'GET /v1/organizations/:orgId/invites': ({ deps, actor }) => listOrgInvites(deps, actor),
    'POST /v1/organizations/:orgId/invites': async ({ deps, actor, body, log }) => {
      const sent = await createInvite(deps, actor, body);
      if (sent.ok && !sent.value.emailSent) log.warn({ route: 'invites' }, 'invitation email could not be sent');
      return sent;
    },
    'PATCH /v1/organizations/:orgId/invites/:invitationId': ({ deps, actor, params, body }) =>
      updateInviteRole(deps, actor, { invitationId: params.invitationId, roleId: body.roles[0]! }),
    'DELETE /v1/organizations/:orgId/invites/:invitationId': ({ deps, actor, params }) => revokeInvite(deps, actor, params),
    'GET /v1/invites': ({ deps, actor }) => listMyInvites(deps, actor),
    'POST /v1/invites/:invitationId/accept': ({ deps, actor, params }) => acceptInvite(deps, actor, { invitationId: params.invitationId }),
    'POST /v1/invites/:invitationId/decline': ({ deps, actor, params }) => declineInvite(deps, actor, params),
    'GET /v1/organizations/:orgId/my-project-keys': ({ deps, actor }) => myProjectKeys(deps, actor),
    'POST /v1/organizations/:orgId/reconcile-keys': ({ deps, actor, body }) => reconcileKeys(deps, actor, body),
  },
});
