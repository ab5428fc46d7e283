import { z } from 'zod';
import {
  changePasswordBody,
  loginABody,
  loginAResponse,
  loginM1Body,
  loginM1Response,
  loginSBody,
  loginSResponse,
  okResponse,
  resetBody,
  sendResetCodeBody,
  sessionListResponse,
  signupBody,
  signupResponse,
  verifyBody,
  verifyQuery,
  verifyResponse,
  whoamiResponse,
} from './auth';
import type { RegisteredFunctionName } from './function-registry';
import {
  createInviteBody,
  inviteInstructions,
  inviteInstructionsBody,
  KEYS_BODY_LIMIT,
  myProjectKeys,
  reconcileKeysBody,
} from './invites';
import { keyHistoryResponse, historySigningKeyResponse } from './key-history';
import { keysResponse, profileResponse, publicKeyResponse } from './keys';
import {
  acceptInviteResponse,
  auditEventList,
  createInviteResponse,
  invitePolicyResponse,
  myInvitationList,
  orgInvitation,
  orgInvitationList,
  reconcileKeysResponse,
  roleList,
  transferOwnershipBody,
  transferOwnershipResponse,
  userPermissionsResponse,
} from './org-responses';
import {
  checkSeatsBody,
  checkSeatsResponse,
  createOrganizationBody,
  featuresResponse,
  invitePolicyBody,
  memberList,
  approveKeyBody,
  approveKeyResponse,
  memberRole,
  membersQuery,
  organization,
  organizationList,
  pageQuery,
  storageRuleBody,
  storageRuleResponse,
  teamProject,
  teamProjectBody,
  teamProjectList,
  updateMemberRolesBody,
  updateOrganizationBody,
} from './organizations';
import {
  currentPlanResponse,
  githubCallbackQuery,
  githubOauthBody,
  githubOauthResponse,
  githubSignInQuery,
  gitlabConfigResponse,
  notificationResponse,
  redirectResponse,
  staticResponse,
} from './app';
import type { RouteContract, RouteKeyOf } from './route-contract';
import { collaboratorsBody, collaboratorsResponse, graphqlBody, graphqlResponse, SYNC_BODY_LIMIT, userFilesResponse } from './sync';

/** A row of the table; `const` keeps each row's literal method, path and schemas for the types below. */
const route = <const R extends RouteContract & { fn: RegisteredFunctionName }>(r: R): R => r;

/**
 * The one route table (docs/architecture.md §3). Each row is the contract of one public endpoint; the
 * wire shapes are those of docs/protocol.md. Literal segments come before `:param` rows so that they win.
 */
export const ROUTES = [
  // ─── accounts and login (docs/protocol.md §4) ───────────────────────────────────────────────
  route({ method: 'POST', path: '/auth/signup', fn: 'auth', access: 'public', summary: 'Create an account from client-made key material', body: signupBody, response: signupResponse }),
  route({ method: 'POST', path: '/auth/login-s', fn: 'auth', access: 'public', summary: 'SRP step 1: the salts of an email', body: loginSBody, response: loginSResponse }),
  route({ method: 'POST', path: '/auth/login-a', fn: 'auth', access: 'public', summary: 'SRP step 2: client public value A, server answers B', body: loginABody, response: loginAResponse }),
  route({ method: 'POST', path: '/auth/login-m1', fn: 'auth', access: 'public', summary: 'SRP step 3: client proof M1, server proof M2; opens the session', body: loginM1Body, response: loginM1Response }),
  route({ method: 'GET', path: '/auth/whoami', fn: 'auth', access: 'session', summary: 'The account and its wrapped keys', response: whoamiResponse }),
  route({ method: 'POST', path: '/auth/whoami', fn: 'auth', access: 'session', summary: 'whoami for clients that POST with a bearer token', response: whoamiResponse }),
  route({ method: 'GET', path: '/auth/verify', fn: 'auth', access: 'public', summary: 'The link of a verification email: verifies the address (an invitation’s link only explains itself)', query: verifyQuery, response: verifyResponse }),
  route({ method: 'POST', path: '/auth/verify', fn: 'auth', access: 'session', summary: 'Verify the address with the emailed code or an invitation’s link token; no body: send the verification email again', body: verifyBody, response: verifyResponse }),
  route({ method: 'POST', path: '/auth/logout', fn: 'auth', access: 'session', summary: 'End this session', response: okResponse }),
  route({ method: 'POST', path: '/auth/send-password-code', fn: 'auth', access: 'session', summary: 'Email a passphrase-change code', response: okResponse }),
  route({ method: 'POST', path: '/auth/change-password', fn: 'auth', access: 'session', summary: 'Change the passphrase with an emailed code', body: changePasswordBody, response: okResponse }),
  route({ method: 'POST', path: '/auth/send-reset-code', fn: 'auth', access: 'public', summary: 'Email an account-reset code (same answer for unknown emails)', body: sendResetCodeBody, response: okResponse }),
  route({ method: 'POST', path: '/auth/reset', fn: 'auth', access: 'public', summary: 'Reset a forgotten passphrase: new key material, old keys dropped', body: resetBody, response: okResponse }),
  route({ method: 'GET', path: '/v1/user/sessions', fn: 'auth', access: 'session', summary: 'The account’s live sessions', response: sessionListResponse }),
  route({ method: 'DELETE', path: '/v1/user/sessions/:sessionId', fn: 'auth', access: 'session', summary: 'Revoke one of the account’s sessions', response: okResponse }),

  // ─── key material (docs/protocol.md §4.1, §6) ───────────────────────────────────────────────
  route({ method: 'GET', path: '/v1/keys', fn: 'keys', access: 'session', summary: 'The caller’s own wrapped key material', response: keysResponse }),
  route({ method: 'GET', path: '/v1/keys/accounts/:accountId', fn: 'keys', access: 'session', summary: 'A co-member’s public key', response: publicKeyResponse }),
  route({ method: 'GET', path: '/v1/keys/accounts/:accountId/history', fn: 'keys', access: 'session', summary: 'Every public key the account has had, as a hash chain with a signed head (docs/key-authenticity.md)', response: keyHistoryResponse }),
  route({ method: 'GET', path: '/v1/keys/history-signing-key', fn: 'keys', access: 'public', summary: 'The public JWK (Ed25519) that signs key-history heads', response: historySigningKeyResponse }),
  route({ method: 'GET', path: '/v1/user/profile', fn: 'keys', access: 'session', summary: 'The startup profile of current clients', response: profileResponse }),

  // ─── organizations (docs/protocol.md §6) ────────────────────────────────────────────────────
  route({ method: 'GET', path: '/v1/organizations', fn: 'invites', access: 'session', summary: 'The caller’s organizations, personal first', query: pageQuery, response: organizationList }),
  route({ method: 'POST', path: '/v1/organizations', fn: 'invites', access: 'session', summary: 'Create a team organization owned by the caller', body: createOrganizationBody, response: organization, status: 201 }),
  route({ method: 'GET', path: '/v1/organizations/roles', fn: 'invites', access: 'session', summary: 'The roles of the role model', response: roleList }),
  route({ method: 'GET', path: '/v1/organizations/:orgId', fn: 'invites', access: 'read:organization', summary: 'One organization', response: organization }),
  route({ method: 'PATCH', path: '/v1/organizations/:orgId', fn: 'invites', access: 'update:organization', summary: 'Rename an organization', body: updateOrganizationBody, response: organization }),
  route({ method: 'DELETE', path: '/v1/organizations/:orgId', fn: 'invites', access: 'delete:organization', summary: 'Delete a team organization with everything in it', response: okResponse }),
  route({ method: 'GET', path: '/v1/organizations/:orgId/members', fn: 'invites', access: 'read:membership', summary: 'Members, paginated, optionally filtered by email', query: membersQuery, response: memberList }),
  route({ method: 'GET', path: '/v1/organizations/:orgId/members/:accountId/roles', fn: 'invites', access: 'read:membership', summary: 'A member’s role', response: memberRole }),
  route({ method: 'PUT', path: '/v1/organizations/:orgId/members/:accountId/roles', fn: 'invites', access: 'update:membership', summary: 'Set a member’s role (below owner)', body: updateMemberRolesBody, response: memberRole }),
  route({ method: 'POST', path: '/v1/organizations/:orgId/members/:accountId/approve-key', fn: 'invites', access: 'update:membership', summary: 'Approve a member’s changed key by its fingerprint (owners and admins; 409 FINGERPRINT_MISMATCH unless it is the current key)', body: approveKeyBody, response: approveKeyResponse }),
  route({ method: 'DELETE', path: '/v1/organizations/:orgId/members/:accountId', fn: 'invites', access: 'delete:membership', summary: 'Remove a member and their wrapped keys', response: okResponse }),
  route({ method: 'POST', path: '/v1/organizations/:orgId/leave', fn: 'invites', access: 'leave:organization', summary: 'Leave an organization', response: okResponse }),
  route({ method: 'POST', path: '/v1/organizations/:orgId/transfer-ownership', fn: 'invites', access: 'start:organization:transfer', summary: 'Make another member the owner', body: transferOwnershipBody, response: transferOwnershipResponse }),
  route({ method: 'GET', path: '/v1/organizations/:orgId/features', fn: 'invites', access: 'read:organization', summary: 'Feature flags (all on when self-hosted)', response: featuresResponse }),
  route({ method: 'GET', path: '/v1/organizations/:orgId/storage-rule', fn: 'invites', access: 'read:organization', summary: 'Where the org’s projects may be stored', response: storageRuleResponse }),
  route({ method: 'PUT', path: '/v1/organizations/:orgId/storage-rule', fn: 'invites', access: 'update:organization', summary: 'Set the storage rule', body: storageRuleBody, response: storageRuleResponse }),
  route({ method: 'GET', path: '/v1/organizations/:orgId/invite-policy', fn: 'invites', access: 'read:organization', summary: 'Email domains the org invites', response: invitePolicyResponse }),
  route({ method: 'PUT', path: '/v1/organizations/:orgId/invite-policy', fn: 'invites', access: 'update:organization', summary: 'Restrict invitations to email domains', body: invitePolicyBody, response: invitePolicyResponse }),
  route({ method: 'GET', path: '/v1/organizations/:orgId/user-permissions', fn: 'invites', access: 'read:organization', summary: 'What the caller’s role allows', response: userPermissionsResponse }),
  route({ method: 'POST', path: '/v1/organizations/:orgId/check-seats', fn: 'invites', access: 'read:organization', summary: 'Would inviting these emails fit the seat limit?', body: checkSeatsBody, response: checkSeatsResponse }),
  route({ method: 'GET', path: '/v1/organizations/:orgId/team-projects', fn: 'invites', access: 'read:team_project', summary: 'Team projects (folders of VCS projects)', response: teamProjectList }),
  route({ method: 'POST', path: '/v1/organizations/:orgId/team-projects', fn: 'invites', access: 'create:team_project', summary: 'Create a team project', body: teamProjectBody, response: teamProject, status: 201 }),
  route({ method: 'PATCH', path: '/v1/organizations/:orgId/team-projects/:projectId', fn: 'invites', access: 'update:team_project', summary: 'Rename a team project', body: teamProjectBody, response: teamProject }),
  route({ method: 'DELETE', path: '/v1/organizations/:orgId/team-projects/:projectId', fn: 'invites', access: 'delete:team_project', summary: 'Delete a team project (not the default one)', response: okResponse }),
  route({ method: 'GET', path: '/v1/organizations/:orgId/audit-events', fn: 'invites', access: 'read:audit_log', summary: 'Org events and members’ logins, newest first', query: pageQuery, response: auditEventList }),

  // ─── invites and key sharing (docs/protocol.md §6); accept and decline are Somnus API ──────
  route({ method: 'POST', path: '/v1/organizations/:orgId/invites/instructions', fn: 'invites', access: 'create:invitation', summary: 'The invitee’s public key, to wrap project keys for (403 EMAIL_NOT_VERIFIED until the caller’s email is verified)', body: inviteInstructionsBody, response: inviteInstructions }),
  route({ method: 'GET', path: '/v1/organizations/:orgId/invites', fn: 'invites', access: 'read:invitation', summary: 'Pending invitations', response: orgInvitationList }),
  route({ method: 'POST', path: '/v1/organizations/:orgId/invites', fn: 'invites', access: 'create:invitation', summary: 'Invite an email, with project keys wrapped for the invitee (403 EMAIL_NOT_VERIFIED until the caller’s email is verified)', body: createInviteBody, bodyLimit: KEYS_BODY_LIMIT, response: createInviteResponse, status: 201 }),
  route({ method: 'PATCH', path: '/v1/organizations/:orgId/invites/:invitationId', fn: 'invites', access: 'create:invitation', summary: 'Change a pending invitation’s role', body: updateMemberRolesBody, response: orgInvitation }),
  route({ method: 'DELETE', path: '/v1/organizations/:orgId/invites/:invitationId', fn: 'invites', access: 'delete:invitation', summary: 'Revoke a pending invitation', response: okResponse }),
  route({ method: 'GET', path: '/v1/invites', fn: 'invites', access: 'session', summary: 'Invitations addressed to the caller', response: myInvitationList }),
  route({ method: 'POST', path: '/v1/invites/:invitationId/accept', fn: 'invites', access: 'session', summary: 'Accept an invitation addressed to the caller’s verified email', response: acceptInviteResponse }),
  route({ method: 'POST', path: '/v1/invites/:invitationId/decline', fn: 'invites', access: 'session', summary: 'Decline an invitation', response: okResponse }),
  route({ method: 'GET', path: '/v1/organizations/:orgId/my-project-keys', fn: 'invites', access: 'read:organization', summary: 'The caller’s wrapped project keys and the members lacking one', response: myProjectKeys }),
  route({ method: 'POST', path: '/v1/organizations/:orgId/reconcile-keys', fn: 'invites', access: 'update:membership', summary: 'Store project keys wrapped for members who lack them', body: reconcileKeysBody, bodyLimit: KEYS_BODY_LIMIT, response: reconcileKeysResponse }),

  // ─── sync: Insomnia's version control over GraphQL (docs/protocol.md §5); `?<label>` is ignored ───
  route({
    method: 'POST',
    path: '/graphql',
    fn: 'sync',
    access: 'session',
    summary: 'GraphQL for VCS projects, branches, snapshots and blobs; errors in errors[] with 200',
    body: graphqlBody,
    bodyLimit: SYNC_BODY_LIMIT,
    response: graphqlResponse,
    errorFormat: 'graphql',
  }),
  // the REST calls of the current clients' sync screens (docs/protocol.md §5 "Related REST")
  route({ method: 'GET', path: '/v1/user/files', fn: 'sync', access: 'session', summary: 'The caller’s synced projects with their team project and org', response: userFilesResponse }),
  route({ method: 'POST', path: '/v1/organizations/:orgId/collaborators', fn: 'sync', access: 'read:organization', summary: 'Presence: mark a file open, see who else is in the team project', body: collaboratorsBody, response: collaboratorsResponse }),

  // ─── what current apps ask besides (docs/protocol.md §6, §6a): plan, notifications, telemetry, git sign-in ─
  route({ method: 'GET', path: '/v1/billing/current-plan', fn: 'app', access: 'session', summary: 'The plan: self-hosted, every feature, no billing', response: currentPlanResponse }),
  route({ method: 'POST', path: '/notification', fn: 'app', access: 'public', summary: 'Notifications for the app: there are none (null)', response: notificationResponse }),
  route({ method: 'POST', path: '/v1/telemetry/', fn: 'app', access: 'public', summary: 'Telemetry ping: accepted and discarded, nothing stored', response: okResponse }),
  route({ method: 'POST', path: '/v1/oauth/github', fn: 'app', access: 'public', summary: 'Git sync: exchange a GitHub code for a token with the operator’s OAuth App', body: githubOauthBody, response: githubOauthResponse }),
  route({ method: 'GET', path: '/v1/oauth/gitlab/config', fn: 'app', access: 'public', summary: 'Git sync: the operator’s GitLab application for PKCE', response: gitlabConfigResponse }),
  route({ method: 'GET', path: '/oauth/github', fn: 'app', access: 'public', summary: 'Git sync sign-in page: sends the browser to GitHub', query: githubSignInQuery, response: redirectResponse, status: 302, responseFormat: 'redirect' }),
  route({ method: 'GET', path: '/oauth/github/callback', fn: 'app', access: 'public', summary: 'GitHub’s return: hands code and state to the app (insomnia://)', query: githubCallbackQuery, response: redirectResponse, status: 302, responseFormat: 'redirect' }),
  route({ method: 'GET', path: '/oauth/gitlab/callback', fn: 'app', access: 'public', summary: 'GitLab’s return (the redirect URI to register): hands code and state to the app (insomnia://)', query: githubCallbackQuery, response: redirectResponse, status: 302, responseFormat: 'redirect' }),

  // ─── the account web app (docs/architecture.md §13): static pages and assets under one prefix ─────
  // sign-up, sign-in with the desktop hand-off (/app/auth-app/?loginKey=…), account, invites, passphrase
  // reset; the crypto runs in the browser and talks to the API rows above. Its query (loginKey…) is the
  // page's script's, never read by the server.
  route({ method: 'GET', path: '/app/*', fn: 'app', access: 'public', summary: 'The account web app: /app/ and /app/<page>/ are pages, /app/assets/<file> their scripts and styles', response: staticResponse, responseFormat: 'static' }),
] as const;

export type Route = (typeof ROUTES)[number];
export type RouteKey = RouteKeyOf<Route>;
/** The rows a program calls and reads JSON from: not the pages and redirects made for browsers. */
export type ApiRoute = Exclude<Route, { responseFormat: string }>;
export type ApiRouteKey = RouteKeyOf<ApiRoute>;
/** The row of a `'METHOD /path'` key, with its literal schemas. */
export type RouteByKey<K extends RouteKey> = Route extends infer R ? (R extends Route ? (K extends RouteKeyOf<R> ? R : never) : never) : never;
/** Rows of one function. */
export type RoutesOf<F extends string> = Extract<Route, { fn: F }>;

/** The body a caller sends (before the schema's defaults and transforms), the query, and the success body. */
export type RouteBody<R> = R extends { body: z.ZodType } ? z.input<R['body']> : undefined;
export type RouteQuery<R> = R extends { query: z.ZodType } ? z.input<R['query']> : undefined;
export type RouteResponse<R> = R extends { response: z.ZodType } ? z.output<R['response']> : never;

export function routesOf<F extends string>(fn: F): RoutesOf<F>[] {
  return ROUTES.filter((r) => r.fn === fn) as RoutesOf<F>[];
}

export function routeByKey<K extends RouteKey>(key: K): RouteByKey<K> {
  const found = ROUTES.find((r) => `${r.method} ${r.path}` === key);
  if (!found) throw new Error(`${key} is not in the route table`);
  return found as RouteByKey<K>;
}
