/**
 * The pages talk to the API of the same origin (the gateway locally, the load balancer deployed), so the
 * Content-Security-Policy can say `connect-src 'self'`. Every answer is JSON; errors are `{error, message}`
 * (docs/protocol.md §1), and the pages show `message` as it is.
 */

export interface ApiAnswer {
  status: number;
  body: any;
}

/** One request; `sessionId` goes in X-Session-Id, the header every client uses (docs/protocol.md §4.1). */
export async function call(method: string, path: string, body?: unknown, sessionId?: string): Promise<ApiAnswer> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (sessionId) headers['X-Session-Id'] = sessionId;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit', cache: 'no-store' });
  } catch {
    return { status: 0, body: { error: 'NETWORK', message: 'The server could not be reached. Check your connection and try again.' } };
  }
  const text = await res.text();
  let parsed: any = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = { error: 'BAD_ANSWER', message: `The server answered ${res.status} with something that is not JSON.` };
  }
  return { status: res.status, body: parsed };
}

/** An answer that is not 2xx, as an Error whose message is the server's own. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * `call`, but throws ApiError unless the answer is 2xx; returns the body, typed by the caller with the wire
 * shape of packages/models (type-only imports: nothing of zod reaches the bundle).
 */
export async function request<T = unknown>(method: string, path: string, body?: unknown, sessionId?: string): Promise<T> {
  const answer = await call(method, path, body, sessionId);
  if (answer.status >= 200 && answer.status < 300) return answer.body;
  const b = answer.body ?? {};
  throw new ApiError(answer.status, String(b.error ?? 'ERROR'), String(b.message ?? `The server answered ${answer.status}.`));
}
