import type { z } from 'zod';
import type { Permission } from './roles';

/**
 * What a route promises, written once: the local gateway and the load balancer route by it, the runtime
 * checks access and validates input by it, the SDK calls by it, the isolation tests read their
 * expectations from it, and docs/openapi.json is generated from it (docs/architecture.md §3).
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Who may call a route: anyone; any live session; or a member of the org in the path (`:orgId`) whose
 * role has this permission. Non-members get 404 (the same answer as for an org that does not exist),
 * members without the permission 403.
 */
export type Access = 'public' | 'session' | Permission;

/**
 * What a route answers when not JSON. `redirect`: a page a browser opens (git sign-in); success is `302` with
 * the response's `location` as the Location header; refusals stay `{error, message}`. `static`: files for a
 * browser (the account web app under `/app/`, docs/architecture.md §13); success is the file with its own
 * Content-Type (or a `308` to the canonical URL), `HEAD` is answered like `GET`, refusals stay
 * `{error, message}`. Neither is an API call: the SDK refuses them and OpenAPI describes them as pages.
 */
export type ResponseFormat = 'redirect' | 'static';

/**
 * The last segment of a path that matches the rest of the path: zero or more segments, as sent (not
 * decoded). Only `static` rows use it (`/app/*`); the handler reads the concrete path and must refuse
 * what it does not know, since anything may follow.
 */
export const WILDCARD_SEGMENT = '*';

/** The part of a route every router needs; infra's fixtures use it with function names of their own. */
export interface RouteDef {
  method: HttpMethod;
  path: string;
  fn: string;
  /** Routers need it for `HEAD`, which a `static` row answers too. */
  responseFormat?: ResponseFormat;
}

/** A path ending in `/*`: it matches its prefix and everything below it. */
export function isWildcardPath(path: string): boolean {
  return path.endsWith(`/${WILDCARD_SEGMENT}`);
}

export interface RouteContract extends RouteDef {
  access: Access;
  /** One line for the OpenAPI document. */
  summary: string;
  /** JSON body schema; absent means the route reads no body (whatever is sent is ignored). */
  body?: z.ZodType;
  /** Query string schema (values arrive as strings; schemas coerce). */
  query?: z.ZodType;
  /** The success body; every success answer of the route parses with it. */
  response: z.ZodType;
  /** Success status when not 200. */
  status?: number;
  /** Body size cap in bytes when not the default 64 KiB (lists of wrapped keys). */
  bodyLimit?: number;
  /**
   * How refusals are written. Default: the status of the error code and `{error, message}`. `graphql`:
   * `200 {errors: [{message, extensions: {code}}]}`, because GraphQL clients read errors from the body
   * (Insomnia's 2022 clients throw on any non-2xx); access refusals then say `invalid access`.
   */
  errorFormat?: 'graphql';
}

export type RouteKeyOf<R extends RouteDef> = R extends RouteDef ? `${R['method']} ${R['path']}` : never;
export const routeKey = (r: RouteDef): string => `${r.method} ${r.path}`;

/** An org-scoped route: its access is a permission of the role model, checked against the org in the path. */
export function isOrgRoute(r: { access: Access }): r is { access: Permission } {
  return r.access !== 'public' && r.access !== 'session';
}

export interface RouteMatch<R extends RouteDef = RouteDef> {
  route: R;
  params: Record<string, string>;
}

function matchPath(pattern: string, path: string): Record<string, string> | null {
  let want = pattern.split('/');
  let got = path.split('/');
  if (isWildcardPath(pattern)) {
    // `/app/*` matches `/app` and anything below it; what follows is the handler's to judge
    want = want.slice(0, -1);
    if (got.length < want.length) return null;
    got = got.slice(0, want.length);
  }
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

/**
 * Finds the route for a request; `methodMismatch` tells a 405 from a 404. `:name` segments match one
 * path segment; rows are tried in order, so literal segments listed first win over parameters.
 */
export function matchRoute<R extends RouteDef>(method: string, path: string, routes: readonly R[]): RouteMatch<R> | { methodMismatch: boolean } {
  const clean = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  let methodMismatch = false;
  for (const route of routes) {
    let params: Record<string, string> | null;
    try {
      // a row written with its trailing slash (the client's `/v1/telemetry/`) matches the path as sent
      params = matchPath(route.path, clean) ?? (clean !== path ? matchPath(route.path, path) : null);
    } catch {
      params = null; // malformed percent-encoding never matches
    }
    if (!params) continue;
    const wanted = method.toUpperCase();
    // a browser's HEAD on a page or asset is its GET without the body (Node's http drops it)
    if (route.method === wanted || (wanted === 'HEAD' && route.method === 'GET' && route.responseFormat === 'static')) return { route, params };
    methodMismatch = true;
  }
  return { methodMismatch };
}

/**
 * Fills `:name` segments, percent-encoding each value so that an id can never add a path segment. `.`,
 * `..` and '' are refused: encoding leaves them as they are and URL parsing would then drop or climb a
 * segment — `…/invites/..` would become `DELETE …/organizations/{orgId}`.
 */
export function fillPath(path: string, params: Record<string, string>): string {
  if (isWildcardPath(path)) throw new TypeError(`${path} is a tree of browser pages, not a path to fill`);
  return path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new TypeError(`missing path parameter ${name}`);
    if (value === '' || value === '.' || value === '..') throw new TypeError(`path parameter ${name} cannot be ${JSON.stringify(value)}`);
    return encodeURIComponent(value);
  });
}

/** The names of a path's `:name` segments, as a type: `'/a/:orgId/b/:id'` → `'orgId' | 'id'`. */
export type PathParams<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | PathParams<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;
