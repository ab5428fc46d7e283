/**
 * The one place that talks HTTP. Every answer is checked against the models' zod schemas before any
 * other code sees it: the server is not trusted (zero-knowledge design), so a malformed answer must
 * become an error here rather than an undefined deep inside a key unwrap.
 */
import { randomBytes } from 'node:crypto';
import { SomnusApiError, SomnusNetworkError, SomnusResponseError } from './errors';

/**
 * The part of a zod schema we use. Typed structurally so this package needs no zod dependency of
 * its own and always uses the exact schema instances from @somnus/models.
 */
export interface ResponseSchema<T> {
  safeParse(data: unknown):
    | { success: true; data: T }
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

export interface RequestOptions<T> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  schema: ResponseSchema<T>;
  body?: unknown;
  /** The session token hex(K); sent as X-Session-Id only when given. */
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

  async request<T>(opts: RequestOptions<T>): Promise<T> {
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
