import {
  acceptInviteBody,
  checkSeatsBody,
  createInviteBody,
  createOrganizationBody,
  createProjectBody,
  inviteInstructionsBody,
  KEYS_BODY_LIMIT,
  reconcileKeysBody,
  invitePolicyBody,
  membersQuery,
  pageQuery,
  ROLE_DESCRIPTIONS,
  ROLE_IDS,
  ROLES,
  storageRuleBody,
  teamProjectBody,
  updateMemberRolesBody,
  updateOrganizationBody,
} from '@somnus/models';
import { defineFunction, loadConfig, parseBody, parseValue, requireSession, type RequestContext } from '@somnus/runtime';
import { z } from 'zod';
import { orgAuditEvents } from './use-cases/audit-events';
import { getMemberRole, leaveOrganization, listOrgMembers, removeMember, setMemberRole, transferOwnership } from './use-cases/members';
import { createTeamOrganization, deleteOrg, getOrganization, listMyOrganizations, renameOrg } from './use-cases/organizations';
import { checkSeats, getInvitePolicy, getStorageRule, orgFeatures, putInvitePolicy, putStorageRule, userPermissions } from './use-cases/settings';
import { createOrgTeamProject, deleteOrgTeamProject, listOrgTeamProjects, renameOrgTeamProject } from './use-cases/team-projects';
import {
  acceptInvite,
  createInvite,
  declineInvite,
  inviteInstructions,
  listMyInvites,
  listOrgInvites,
  revokeInvite,
  updateInviteRole,
} from './use-cases/invites';
import { myProjectKeys, reconcileKeys } from './use-cases/key-sharing';
import { createProject, listOrgProjects } from './use-cases/projects';

const p = (ctx: RequestContext, name: string) => ctx.params[name] ?? '';
const ok = { ok: true };
const transferBody = z.object({ accountId: z.string().max(64) });

/** Thin handlers: authenticate, parse, run the use case (which checks membership and role), respond. */
export const handleInvites = defineFunction('invites', {
  'GET /v1/organizations': async (ctx) => ({
    body: await listMyOrganizations(await requireSession(ctx.req), parseValue(ctx.req.query, pageQuery, 'query')),
  }),
  'POST /v1/organizations': async (ctx) => {
    const session = await requireSession(ctx.req);
    const { name } = parseBody(ctx.req, createOrganizationBody);
    return { status: 201, body: await createTeamOrganization(session, name, loadConfig().orgSeatLimit, ctx.ip) };
  },
  'GET /v1/organizations/roles': async (ctx) => {
    await requireSession(ctx.req);
    return { body: ROLES.map((name) => ({ id: ROLE_IDS[name], name, description: ROLE_DESCRIPTIONS[name] })) };
  },
  'GET /v1/organizations/:orgId': async (ctx) => ({ body: await getOrganization(await requireSession(ctx.req), p(ctx, 'orgId')) }),
  'PATCH /v1/organizations/:orgId': async (ctx) => {
    const session = await requireSession(ctx.req);
    const { name } = parseBody(ctx.req, updateOrganizationBody);
    return { body: await renameOrg(session, p(ctx, 'orgId'), name, ctx.ip) };
  },
  'DELETE /v1/organizations/:orgId': async (ctx) => {
    await deleteOrg(await requireSession(ctx.req), p(ctx, 'orgId'));
    return { body: ok };
  },
  'GET /v1/organizations/:orgId/members': async (ctx) => ({
    body: await listOrgMembers(await requireSession(ctx.req), p(ctx, 'orgId'), parseValue(ctx.req.query, membersQuery, 'query')),
  }),
  'GET /v1/organizations/:orgId/members/:accountId/roles': async (ctx) => ({
    body: await getMemberRole(await requireSession(ctx.req), p(ctx, 'orgId'), p(ctx, 'accountId')),
  }),
  'PUT /v1/organizations/:orgId/members/:accountId/roles': async (ctx) => {
    const session = await requireSession(ctx.req);
    const { roles } = parseBody(ctx.req, updateMemberRolesBody);
    return { body: await setMemberRole(session, p(ctx, 'orgId'), p(ctx, 'accountId'), roles[0]!, ctx.ip) };
  },
  'DELETE /v1/organizations/:orgId/members/:accountId': async (ctx) => {
    await removeMember(await requireSession(ctx.req), p(ctx, 'orgId'), p(ctx, 'accountId'), ctx.ip);
    return { body: ok };
  },
  'POST /v1/organizations/:orgId/leave': async (ctx) => {
    await leaveOrganization(await requireSession(ctx.req), p(ctx, 'orgId'), ctx.ip);
    return { body: ok };
  },
  'POST /v1/organizations/:orgId/transfer-ownership': async (ctx) => {
    const session = await requireSession(ctx.req);
    const { accountId } = parseBody(ctx.req, transferBody);
    return { body: await transferOwnership(session, p(ctx, 'orgId'), accountId, ctx.ip) };
  },
  'GET /v1/organizations/:orgId/features': async (ctx) => ({ body: await orgFeatures(await requireSession(ctx.req), p(ctx, 'orgId')) }),
  'GET /v1/organizations/:orgId/storage-rule': async (ctx) => ({ body: await getStorageRule(await requireSession(ctx.req), p(ctx, 'orgId')) }),
  'PUT /v1/organizations/:orgId/storage-rule': async (ctx) => {
    const session = await requireSession(ctx.req);
    const { storage } = parseBody(ctx.req, storageRuleBody);
    return { body: await putStorageRule(session, p(ctx, 'orgId'), storage, ctx.ip) };
  },
  'GET /v1/organizations/:orgId/invite-policy': async (ctx) => ({ body: await getInvitePolicy(await requireSession(ctx.req), p(ctx, 'orgId')) }),
  'PUT /v1/organizations/:orgId/invite-policy': async (ctx) => {
    const session = await requireSession(ctx.req);
    const { allowedDomains } = parseBody(ctx.req, invitePolicyBody);
    return { body: await putInvitePolicy(session, p(ctx, 'orgId'), allowedDomains, ctx.ip) };
  },
  'GET /v1/organizations/:orgId/user-permissions': async (ctx) => ({ body: await userPermissions(await requireSession(ctx.req), p(ctx, 'orgId')) }),
  'POST /v1/organizations/:orgId/check-seats': async (ctx) => {
    const session = await requireSession(ctx.req);
    const { emails } = parseBody(ctx.req, checkSeatsBody);
    return { body: await checkSeats(session, p(ctx, 'orgId'), emails) };
  },
  'GET /v1/organizations/:orgId/team-projects': async (ctx) => ({ body: await listOrgTeamProjects(await requireSession(ctx.req), p(ctx, 'orgId')) }),
  'POST /v1/organizations/:orgId/team-projects': async (ctx) => {
    const session = await requireSession(ctx.req);
    const { name } = parseBody(ctx.req, teamProjectBody);
    return { status: 201, body: await createOrgTeamProject(session, p(ctx, 'orgId'), name, ctx.ip) };
  },
  'PATCH /v1/organizations/:orgId/team-projects/:projectId': async (ctx) => {
    const session = await requireSession(ctx.req);
    const { name } = parseBody(ctx.req, teamProjectBody);
    return { body: await renameOrgTeamProject(session, p(ctx, 'orgId'), p(ctx, 'projectId'), name, ctx.ip) };
  },
  'DELETE /v1/organizations/:orgId/team-projects/:projectId': async (ctx) => {
    await deleteOrgTeamProject(await requireSession(ctx.req), p(ctx, 'orgId'), p(ctx, 'projectId'), ctx.ip);
    return { body: ok };
  },
  'GET /v1/organizations/:orgId/audit-events': async (ctx) => ({
    body: await orgAuditEvents(await requireSession(ctx.req), p(ctx, 'orgId'), parseValue(ctx.req.query, pageQuery, 'query')),
  }),
  'POST /v1/organizations/:orgId/invites/instructions': async (ctx) => {
    const session = await requireSession(ctx.req);
    const { inviteeEmail } = parseBody(ctx.req, inviteInstructionsBody);
    return { body: await inviteInstructions(session, p(ctx, 'orgId'), inviteeEmail, ctx.ip) };
  },
  'GET /v1/organizations/:orgId/invites': async (ctx) => ({ body: await listOrgInvites(await requireSession(ctx.req), p(ctx, 'orgId')) }),
  'POST /v1/organizations/:orgId/invites': async (ctx) => {
    const session = await requireSession(ctx.req);
    const body = parseBody(ctx.req, createInviteBody, KEYS_BODY_LIMIT);
    const sent = await createInvite(
      session,
      p(ctx, 'orgId'),
      body,
      { ttlSeconds: loadConfig().inviteTtlSeconds, secret: loadConfig().serverSecret },
      ctx.ip,
    );
    if (!sent.emailSent) ctx.log.warn({ route: 'invites' }, 'invitation email could not be sent');
    return { status: 201, body: sent };
  },
  'PATCH /v1/organizations/:orgId/invites/:invitationId': async (ctx) => {
    const session = await requireSession(ctx.req);
    const { roles } = parseBody(ctx.req, updateMemberRolesBody);
    return { body: await updateInviteRole(session, p(ctx, 'orgId'), p(ctx, 'invitationId'), roles[0]!, ctx.ip) };
  },
  'DELETE /v1/organizations/:orgId/invites/:invitationId': async (ctx) => {
    await revokeInvite(await requireSession(ctx.req), p(ctx, 'orgId'), p(ctx, 'invitationId'), ctx.ip);
    return { body: ok };
  },
  'GET /v1/invites': async (ctx) => ({ body: await listMyInvites(await requireSession(ctx.req)) }),
  'POST /v1/invites/:invitationId/accept': async (ctx) => {
    const session = await requireSession(ctx.req);
    const { code } = parseBody(ctx.req, acceptInviteBody);
    return { body: await acceptInvite(session, p(ctx, 'invitationId'), code, loadConfig().serverSecret, ctx.ip) };
  },
  'POST /v1/invites/:invitationId/decline': async (ctx) => {
    await declineInvite(await requireSession(ctx.req), p(ctx, 'invitationId'), ctx.ip);
    return { body: ok };
  },
  'GET /v1/organizations/:orgId/projects': async (ctx) => ({ body: await listOrgProjects(await requireSession(ctx.req), p(ctx, 'orgId')) }),
  'POST /v1/organizations/:orgId/projects': async (ctx) => {
    const session = await requireSession(ctx.req);
    const body = parseBody(ctx.req, createProjectBody, KEYS_BODY_LIMIT);
    const { created, project } = await createProject(session, p(ctx, 'orgId'), body);
    return { status: created ? 201 : 200, body: project };
  },
  'GET /v1/organizations/:orgId/my-project-keys': async (ctx) => ({ body: await myProjectKeys(await requireSession(ctx.req), p(ctx, 'orgId')) }),
  'POST /v1/organizations/:orgId/reconcile-keys': async (ctx) => {
    const session = await requireSession(ctx.req);
    const { keys } = parseBody(ctx.req, reconcileKeysBody, KEYS_BODY_LIMIT);
    return { body: await reconcileKeys(session, p(ctx, 'orgId'), keys, ctx.ip) };
  },
});
