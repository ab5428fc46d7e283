import type { IncomingHttpHeaders } from 'node:http';
import type { Request, Response } from 'express';
import { matchRoute, type RouteDef } from '@somnus/models';

/**
 * Cross-origin calls (docs/protocol.md §1). Insomnia's renderer may send a preflight before a call that
 * carries `X-Session-Id` or a JSON body. Sessions travel in headers, never in cookies, so no origin can
 * ride on a user's credentials: any origin is allowed unless the operator lists the ones to allow in
 * SOMNUS_CORS_ORIGINS (comma-separated; `*` or unset = any).
 */

/** The headers clients send: the desktop app's insomniaFetch and the web library's. */
export const CORS_ALLOWED_HEADERS = [
  'Authorization',
  'Content-Encoding',
  'Content-Type',
  'insomnia-request-id',
  'X-Insomnia-Client',
  'X-Insomnia-Org-Id',
  'X-Mockbin-Test',
  'X-Origin',
  'X-Session-Id',
].join(', ');

/** Answers the browser may read besides the simple ones. */
const EXPOSED_HEADERS = 'X-Request-Id, Retry-After';

/** Browsers may cache a preflight this long (Chrome caps it at 2 hours). */
const PREFLIGHT_MAX_AGE_SECONDS = 7200;

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

function allowedOrigin(origin: string | undefined, configured = process.env.SOMNUS_CORS_ORIGINS): string | null {
  const list = (configured ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  if (list.length === 0 || list.includes('*')) return '*';
  return origin && list.includes(origin) ? origin : null;
}

/**
 * The CORS headers of every answer, refusals included (a browser shows the caller nothing of an answer
 * without them); with a list of origins, the answer depends on Origin. Takes Node's own request and
 * response, so the body guard, which answers before Express exists, sets them too.
 */
export function setCorsHeaders(req: { headers: IncomingHttpHeaders }, res: { setHeader(name: string, value: string): unknown }): void {
  const allowed = allowedOrigin(req.headers.origin);
  if (allowed !== '*') res.setHeader('Vary', 'Origin');
  if (!allowed) return;
  res.setHeader('Access-Control-Allow-Origin', allowed);
  res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
}

/**
 * An `OPTIONS` request on a path of `routes`: the preflight answer, with the methods of that path's rows.
 * Returns false (nothing written) for any other request, and for a path no row has, which stays a 404.
 */
export function answerPreflight(req: Request, res: Response, path: string, routes: readonly RouteDef[]): boolean {
  if (req.method !== 'OPTIONS') return false;
  const methods = METHODS.filter((m) => 'route' in matchRoute(m, path, routes));
  if (methods.length === 0) return false;
  res.status(204);
  res.setHeader('Access-Control-Allow-Methods', methods.join(', '));
  res.setHeader('Access-Control-Allow-Headers', CORS_ALLOWED_HEADERS);
  res.setHeader('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_SECONDS));
  res.setHeader('Allow', ['OPTIONS', ...methods].join(', '));
  res.setHeader('Cache-Control', 'no-store');
  res.end();
  return true;
}
