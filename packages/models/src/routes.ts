/**
 * The one route table (DESIGN.md §4). The local gateway and the load-balancer URL map are both generated
 * from it, so `pnpm start` and production route identically. `:name` segments match one path segment.
 */
export const FUNCTION_NAMES = ['auth', 'keys', 'invites'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteDef {
  method: HttpMethod;
  path: string;
  fn: FunctionName;
}

export const ROUTES: readonly RouteDef[] = [
  { method: 'POST', path: '/auth/signup', fn: 'auth' },
  { method: 'POST', path: '/auth/login-s', fn: 'auth' },
  { method: 'POST', path: '/auth/login-a', fn: 'auth' },
  { method: 'POST', path: '/auth/login-m1', fn: 'auth' },
  { method: 'GET', path: '/auth/whoami', fn: 'auth' },
  { method: 'POST', path: '/auth/whoami', fn: 'auth' },
  { method: 'POST', path: '/auth/logout', fn: 'auth' },
  { method: 'POST', path: '/auth/send-password-code', fn: 'auth' },
  { method: 'POST', path: '/auth/change-password', fn: 'auth' },
  { method: 'POST', path: '/auth/send-reset-code', fn: 'auth' },
  { method: 'POST', path: '/auth/reset', fn: 'auth' },
  { method: 'GET', path: '/v1/user/sessions', fn: 'auth' },
  { method: 'DELETE', path: '/v1/user/sessions/:sessionId', fn: 'auth' },
  { method: 'GET', path: '/v1/keys', fn: 'keys' },
  { method: 'GET', path: '/v1/keys/accounts/:accountId', fn: 'keys' },
  { method: 'GET', path: '/v1/user/profile', fn: 'keys' },

  // organizations (wire-protocol §6). Literal segments come before `:orgId` so that they win.
  { method: 'GET', path: '/v1/organizations', fn: 'invites' },
  { method: 'POST', path: '/v1/organizations', fn: 'invites' },
  { method: 'GET', path: '/v1/organizations/roles', fn: 'invites' },
  { method: 'GET', path: '/v1/organizations/:orgId', fn: 'invites' },
  { method: 'PATCH', path: '/v1/organizations/:orgId', fn: 'invites' },
  { method: 'DELETE', path: '/v1/organizations/:orgId', fn: 'invites' },
  { method: 'GET', path: '/v1/organizations/:orgId/members', fn: 'invites' },
  { method: 'GET', path: '/v1/organizations/:orgId/members/:accountId/roles', fn: 'invites' },
  { method: 'PUT', path: '/v1/organizations/:orgId/members/:accountId/roles', fn: 'invites' },
  { method: 'DELETE', path: '/v1/organizations/:orgId/members/:accountId', fn: 'invites' },
  { method: 'POST', path: '/v1/organizations/:orgId/leave', fn: 'invites' },
  { method: 'POST', path: '/v1/organizations/:orgId/transfer-ownership', fn: 'invites' },
  { method: 'GET', path: '/v1/organizations/:orgId/features', fn: 'invites' },
  { method: 'GET', path: '/v1/organizations/:orgId/storage-rule', fn: 'invites' },
  { method: 'PUT', path: '/v1/organizations/:orgId/storage-rule', fn: 'invites' },
  { method: 'GET', path: '/v1/organizations/:orgId/invite-policy', fn: 'invites' },
  { method: 'PUT', path: '/v1/organizations/:orgId/invite-policy', fn: 'invites' },
  { method: 'GET', path: '/v1/organizations/:orgId/user-permissions', fn: 'invites' },
  { method: 'POST', path: '/v1/organizations/:orgId/check-seats', fn: 'invites' },
  { method: 'GET', path: '/v1/organizations/:orgId/team-projects', fn: 'invites' },
  { method: 'POST', path: '/v1/organizations/:orgId/team-projects', fn: 'invites' },
  { method: 'PATCH', path: '/v1/organizations/:orgId/team-projects/:projectId', fn: 'invites' },
  { method: 'DELETE', path: '/v1/organizations/:orgId/team-projects/:projectId', fn: 'invites' },
  { method: 'GET', path: '/v1/organizations/:orgId/audit-events', fn: 'invites' },
  // invites and key sharing (wire-protocol §6 "Invite and key-sharing flow"); accept/decline are Somnus API
  { method: 'POST', path: '/v1/organizations/:orgId/invites/instructions', fn: 'invites' },
  { method: 'GET', path: '/v1/organizations/:orgId/invites', fn: 'invites' },
  { method: 'POST', path: '/v1/organizations/:orgId/invites', fn: 'invites' },
  { method: 'PATCH', path: '/v1/organizations/:orgId/invites/:invitationId', fn: 'invites' },
  { method: 'DELETE', path: '/v1/organizations/:orgId/invites/:invitationId', fn: 'invites' },
  { method: 'GET', path: '/v1/invites', fn: 'invites' },
  { method: 'POST', path: '/v1/invites/:invitationId/accept', fn: 'invites' },
  { method: 'POST', path: '/v1/invites/:invitationId/decline', fn: 'invites' },
  // VCS projects over REST: a Somnus extension mirroring GraphQL projectCreate (§5) until sync lands
  { method: 'GET', path: '/v1/organizations/:orgId/projects', fn: 'invites' },
  { method: 'POST', path: '/v1/organizations/:orgId/projects', fn: 'invites' },
  { method: 'GET', path: '/v1/organizations/:orgId/my-project-keys', fn: 'invites' },
  { method: 'POST', path: '/v1/organizations/:orgId/reconcile-keys', fn: 'invites' },
];

export interface RouteMatch {
  route: RouteDef;
  params: Record<string, string>;
}

function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith(':')) {
      if (g === '') return null;
      params[w.slice(1)] = decodeURIComponent(g);
    } else if (w !== g) {
      return null;
    }
  }
  return params;
}

/** Finds the route for a request; `methodMismatch` tells a 405 from a 404. */
export function matchRoute(
  method: string,
  path: string,
  routes: readonly RouteDef[] = ROUTES,
): RouteMatch | { methodMismatch: boolean } {
  const clean = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  let methodMismatch = false;
  for (const route of routes) {
    let params: Record<string, string> | null;
    try {
      params = matchPath(route.path, clean);
    } catch {
      params = null; // malformed percent-encoding never matches
    }
    if (!params) continue;
    if (route.method === method.toUpperCase()) return { route, params };
    methodMismatch = true;
  }
  return { methodMismatch };
}

export function routesOf(fn: FunctionName): RouteDef[] {
  return ROUTES.filter((r) => r.fn === fn);
}
