/**
 * The one place that talks HTTP. Every answer is checked against the models' zod schemas before any
 * other code sees it: the server is not trusted (zero-knowledge design), so a malformed answer must
 * become an error here rather than an undefined deep inside a key unwrap.
 *
 * Routes are called by their row in the route table (`call('GET /v1/keys', …)`), so the path, the
 * body, the query and the answer's schema are those the server itself checks against: a path that
 * is not in the table, a body the row does not accept or a field its response does not declare is a
 * type error here rather than a 404 or an undefined at run time (docs/architecture.md §3).
 */
import { randomBytes } from 'node:crypto';
import {
  fillPath,
  routeByKey,
  type PathParams,
  type Route,
  type RouteBody,
  type RouteByKey,
  type ApiRouteKey,
  type RouteKey,
  type RouteQuery,
  type RouteResponse,
} from '@somnus/models';
import { SomnusApiError, SomnusNetworkError, SomnusResponseError } from './errors';

/**
 * The part of a zod schema we use. Typed structurally so this package needs no zod dependency of
 * its own and always uses the exact schema instances from @somnus/models.
 */
interface ResponseSchema {
  safeParse(data: unknown):
    | { success: true; data: unknown }
    | { success: false; error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> } };
}

export interface HttpClientOptions {
  baseUrl: string;
  /** Value of X-Insomnia-Client. */
  clientName: string;
  /** Defaults to the global fetch; injectable for tests. */
  fetch?: typeof fetch;
  /** Insomnia's client gives up after 30 s (docs/protocol.md §1); so do we. */
  timeoutMs?: number;
}

type Row<K extends RouteKey> = RouteByKey<K>;
type ParamNames<K extends RouteKey> = PathParams<Row<K>['path']>;

/** Required exactly when the path has `:name` segments, and then with exactly those names. */
type CallParams<K extends RouteKey> = [ParamNames<K>] extends [never] ? { params?: undefined } : { params: Record<ParamNames<K>, string> };

/** A row without a body schema takes none; one with a schema needs a body unless the schema accepts undefined. */
type CallBody<K extends RouteKey> =
  Row<K> extends { body: unknown }
    ? undefined extends RouteBody<Row<K>>
      ? { body?: RouteBody<Row<K>> }
      : { body: RouteBody<Row<K>> }
    : { body?: undefined };

/** Query values travel as strings; a coercing schema accepts `unknown`, but only scalars have one obvious spelling. */
type QueryValue = string | number | boolean;
type QueryField<V> = unknown extends V ? QueryValue | undefined : V;
type QueryOf<K extends RouteKey> = { [P in keyof RouteQuery<Row<K>>]: QueryField<RouteQuery<Row<K>>[P]> };
type CallQuery<K extends RouteKey> =
  Row<K> extends { query: unknown } ? ({} extends QueryOf<K> ? { query?: QueryOf<K> } : { query: QueryOf<K> }) : { query?: undefined };

/**
 * GraphQL rows are called as `POST /graphql?<label>` (docs/protocol.md §5): the label names the operation
 * for logs and is not a key=value query, so only rows answering in GraphQL's format take one.
 */
type CallLabel<K extends RouteKey> = Row<K> extends { errorFormat: 'graphql' } ? { label?: string } : { label?: undefined };

export type CallOptions<K extends RouteKey> = CallParams<K> &
  CallBody<K> &
  CallQuery<K> &
  CallLabel<K> & {
    /** The session token hex(K); sent as X-Session-Id only when given. */
    sessionId?: string | null;
  };

/** What `call` reads of its options once the row's types have done their work. */
interface LooseCallOptions {
  params?: Record<string, string>;
  body?: unknown;
  query?: Record<string, QueryValue | undefined>;
  label?: string;
  sessionId?: string | null;
}

/** Insomnia's labels: operation names, some dotted (`project.teams`). Nothing that needs escaping. */
const LABEL = /^[A-Za-z][A-Za-z0-9.]{0,63}$/;

interface RequestOptions {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  schema: ResponseSchema;
  body?: unknown;
  sessionId?: string | null;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** Bytes of a non-JSON error body worth quoting in a message (a proxy's HTML page is not). */
const MAX_QUOTED_TEXT = 200;

/** Normalises and checks a server URL once, so every request path joins the same way. */
export function normalizeBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new TypeError(`Invalid server URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`Server URL must be http(s): ${raw}`);
  if (url.username || url.password) throw new TypeError('Server URL must not contain credentials');
  if (url.search || url.hash) throw new TypeError('Server URL must not contain a query or fragment');
  return url.toString().replace(/\/+$/, '');
}

function describeIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): string {
  return issues
    .slice(0, 3)
    .map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`)
    .join('; ');
}

function isErrorBody(value: unknown): value is { error: string; message: string } {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['error'] === 'string' && v['error'].length > 0 && typeof v['message'] === 'string';
}

function retryAfter(res: Response): number | null {
  const raw = res.headers.get('retry-after');
  if (!raw || !/^\d+$/.test(raw.trim())) return null;
  return Number(raw.trim());
}

export class HttpClient {
  readonly baseUrl: string;
  private readonly clientName: string;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;

  constructor(options: HttpClientOptions) {
    this.baseUrl = normalizeBaseUrl(options.baseUrl);
    this.clientName = options.clientName;
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /**
   * Calls the route `key` ('METHOD /path' of a row in ROUTES) and returns its answer parsed with the
   * row's response schema. The checks below repeat the types for callers that bypass them (plain JS,
   * casts), so that such a call fails here instead of reaching a different path than intended.
   */
  async call<K extends ApiRouteKey>(key: K, opts: CallOptions<K>): Promise<RouteResponse<Row<K>>> {
    const row: Route = routeByKey<RouteKey>(key);
    // the pages and redirects made for browsers answer no JSON: the types leave them out, this repeats it
    if ('responseFormat' in row) throw new TypeError(`${key} is a page for browsers, not an API call`);
    const { params = {}, body, query, label, sessionId } = opts as LooseCallOptions;
    const expected = [...row.path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]!);
    const extra = Object.keys(params).filter((name) => !expected.includes(name));
    if (extra.length) throw new TypeError(`${key} has no path parameter ${extra.join(', ')}`);
    for (const [name, value] of Object.entries(params)) {
      // percent-encoding leaves dots alone and URL parsing resolves `.`/`..` segments (even as %2E), so
      // revokeInvite(org, '..') would become DELETE /v1/organizations/{org}; an empty segment names no row
      if (value === '' || value === '.' || value === '..') throw new TypeError(`${key}: path parameter ${name} must not be ${JSON.stringify(value)}`);
    }
    if (body !== undefined && !('body' in row)) throw new TypeError(`${key} takes no body`);
    if (query !== undefined && !('query' in row)) throw new TypeError(`${key} takes no query`);
    if (label !== undefined && !('errorFormat' in row && row.errorFormat === 'graphql')) throw new TypeError(`${key} takes no label`);
    if (label !== undefined && !LABEL.test(label)) throw new TypeError(`${key}: label must be an operation name, not ${JSON.stringify(label)}`);

    let path = fillPath(row.path, params);
    if (query) {
      const search = new URLSearchParams();
      for (const [name, value] of Object.entries(query)) if (value !== undefined) search.set(name, String(value));
      const qs = search.toString();
      if (qs) path = `${path}?${qs}`;
    }
    if (label !== undefined) path = `${path}?${label}`;
    const data = await this.request({ method: row.method, path, schema: row.response, body, sessionId });
    return data as RouteResponse<Row<K>>;
  }

  private async request(opts: RequestOptions): Promise<unknown> {
    const url = `${this.baseUrl}${opts.path}`;
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'X-Insomnia-Client': this.clientName,
      // lets server logs and ours be correlated without either logging anything secret
      'insomnia-request-id': `cli_${randomBytes(16).toString('hex')}`,
    };
    if (opts.sessionId) headers['X-Session-Id'] = opts.sessionId;
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';

    let res: Response;
    try {
      res = await this.fetchImpl(url, {
        method: opts.method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        // fetch would replay X-Session-Id to wherever a redirect points (it only strips
        // Authorization/Cookie cross-origin); the API never redirects, so refuse to follow.
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (cause) {
      const reason = cause instanceof Error && cause.name === 'TimeoutError' ? `timed out after ${this.timeoutMs} ms` : 'could not connect';
      throw new SomnusNetworkError(url, `${opts.method} ${opts.path}: ${reason} (${this.baseUrl})`, { cause });
    }

    const text = await res.text();
    let json: unknown;
    let isJson = false;
    if ((res.headers.get('content-type') ?? '').toLowerCase().includes('application/json')) {
      try {
        json = JSON.parse(text) as unknown;
        isJson = true;
      } catch {
        isJson = false;
      }
    }

    if (!res.ok) {
      if (isJson && isErrorBody(json)) throw new SomnusApiError(res.status, json.error, json.message, retryAfter(res));
      // a proxy or crashed gateway: keep the status, quote only a little of what came back
      const quoted = text.replace(/\s+/g, ' ').trim().slice(0, MAX_QUOTED_TEXT);
      throw new SomnusApiError(res.status, `HTTP_${res.status}`, quoted || res.statusText || `HTTP ${res.status}`, retryAfter(res));
    }
    if (!isJson) {
      throw new SomnusResponseError(res.status, opts.path, `${opts.method} ${opts.path}: server answered ${res.status} without a JSON body`);
    }
    const parsed = opts.schema.safeParse(json);
    if (!parsed.success) {
      throw new SomnusResponseError(
        res.status,
        opts.path,
        `${opts.method} ${opts.path}: malformed server response (${describeIssues(parsed.error.issues)})`,
      );
    }
    return parsed.data;
  }
}
