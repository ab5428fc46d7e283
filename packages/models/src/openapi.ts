import { z } from 'zod';
import { errorBody } from './errors';
import { isOrgRoute, isWildcardPath, routeKey, type RouteContract } from './route-contract';
import { ROUTES } from './routes';

/**
 * The OpenAPI 3.1 document of the public API, generated from the route contracts (docs/openapi.json is
 * this, written by `pnpm openapi` and kept current by a test). OpenAPI 3.1 schemas are JSON Schema
 * 2020-12, which zod 4 writes itself: request schemas as what a client may send (before defaults and
 * transforms), response schemas as what the server answers.
 */

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

/** `/app/*` has no OpenAPI form: it is written `/app/{path}`, the parameter being the rest, slashes and all. */
const WILDCARD_PARAM = 'path';
const openApiPath = (path: string) => (isWildcardPath(path) ? `${path.slice(0, -1)}{${WILDCARD_PARAM}}` : path).replace(/:([A-Za-z]+)/g, '{$1}');
const operationId = (r: RouteContract) =>
  `${r.method.toLowerCase()}${r.path.replace(/\/\*$/, '/pages').replace(/:([A-Za-z]+)/g, 'By-$1').split(/[/-]/).filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join('')}`;

function errorResponses(r: RouteContract): Record<string, unknown> {
  const error = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
  const out: Record<string, unknown> = { '400': error('Malformed body, query or parameter (VALIDATION_ERROR), or another refusal of the input') };
  if (r.access !== 'public') out['401'] = error('No live session (UNAUTHORIZED)');
  if (isOrgRoute(r)) {
    out['403'] = error(`The caller's role lacks ${r.access} (FORBIDDEN)`);
    out['404'] = error('Not a member of the organization, or it does not exist: the same answer (NOT_FOUND)');
  }
  if (r.body) {
    out['413'] = error(`Body larger than ${r.bodyLimit ?? 64 * 1024} bytes (PAYLOAD_TOO_LARGE)`);
    out['415'] = error('Body not sent as Content-Type: application/json (UNSUPPORTED_MEDIA_TYPE)');
  }
  out['429'] = error('Rate limited; see Retry-After (RATE_LIMITED)');
  // the route's own refusals (a wrong proof, a conflict, an expired code…) are in docs/protocol.md
  out.default = error('Any other refusal, with its code: see ERROR_STATUS and docs/protocol.md §1');
  return out;
}

function operation(r: RouteContract): Record<string, unknown> {
  const params: Record<string, unknown>[] = [...r.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
  if (isWildcardPath(r.path)) {
    params.push({
      name: WILDCARD_PARAM,
      in: 'path',
      required: true,
      description: 'The rest of the path, any number of segments: empty (the first page), `<page>/`, or `assets/<file>`',
      schema: { type: 'string' },
      'x-somnus-wildcard': true,
    });
  }
  if (r.query) {
    const q = jsonSchema(r.query, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, schema] of Object.entries(q.properties ?? {})) {
      params.push({ name, in: 'query', required: (q.required ?? []).includes(name), schema } as never);
    }
  }
  const op: Record<string, unknown> = {
    operationId: operationId(r),
    summary: r.summary,
    tags: [r.fn],
    'x-somnus-access': r.access,
    security: r.access === 'public' ? [] : [{ session: [] }, { bearer: [] }],
  };
  if (params.length) op.parameters = params;
  if (r.body) {
    op.requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(r.body, 'input') } } };
    if (r.bodyLimit) op['x-somnus-body-limit'] = r.bodyLimit;
  }
  if (r.responseFormat === 'static') {
    // files for a browser, with the page headers (docs/architecture.md §13); not JSON, not for programs
    const file = { schema: { type: 'string' } };
    op.responses = {
      '200': { description: 'A page (text/html) or one of its assets (text/javascript, text/css…), with a strict Content-Security-Policy', content: { 'text/html': file, 'text/javascript': file, 'text/css': file } },
      '304': { description: 'The asset is unchanged (If-None-Match matched its ETag)' },
      '308': { description: 'The canonical URL of a page (with its trailing slash), the query kept', headers: { Location: { schema: { type: 'string' } } } },
      '404': { description: 'No such page or asset (NOT_FOUND)', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      '503': { description: 'The web app is not built on this server (SERVICE_UNAVAILABLE)', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    };
    return op;
  }
  const success =
    r.responseFormat === 'redirect'
      ? { description: 'Redirect: the page continues at Location', headers: { Location: { schema: { type: 'string' } } } }
      : { description: 'Success', content: { 'application/json': { schema: jsonSchema(r.response, 'output') } } };
  op.responses = { [String(r.status ?? 200)]: success, ...errorResponses(r) };
  return op;
}

export function buildOpenApi(routes: readonly RouteContract[] = ROUTES): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const entry = (paths[openApiPath(r.path)] ??= {});
    if (entry[r.method.toLowerCase()]) throw new Error(`duplicate route ${routeKey(r)}`);
    entry[r.method.toLowerCase()] = operation(r);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Somnus API',
      version: '0.1.0',
      description:
        'The public HTTP API of Somnus, a zero-knowledge sync backend compatible with Insomnia. Generated from the route ' +
        'contracts in packages/models/src/routes.ts; the wire protocol is described in docs/protocol.md. Every JSON answer ' +
        'is sent with Content-Type: application/json exactly; errors are {error, message}.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: 'http://127.0.0.1:8787', description: 'pnpm start' }],
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'header', name: 'X-Session-Id', description: 'hex(K) from the SRP login' },
        bearer: { type: 'http', scheme: 'bearer', description: 'the same token, as web clients send it' },
      },
      schemas: { Error: jsonSchema(errorBody, 'output') },
    },
    paths,
  };
}

/** The document as written to docs/openapi.json: stable key order, two-space indent, final newline. */
export function openApiJson(): string {
  return `${JSON.stringify(buildOpenApi(), null, 2)}\n`;
}
