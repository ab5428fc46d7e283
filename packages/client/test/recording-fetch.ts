/**
 * A `fetch` for SomnusClient / the CLI that forwards every request to the REAL server (the test
 * stack from test/support/stack.ts) through the global fetch, and records what the client sent so
 * tests can assert request shapes. It implements no server behaviour of its own.
 *
 * `tamperNext` lets one test act as a man-in-the-middle over the real server: the request still
 * goes to the real server, and then exactly one matching response is replaced. That is only for
 * hostile answers an honest server cannot produce (a wrong M2, B = 0 mod N, a truncated whoami…);
 * every test that uses it says why.
 */
export interface RecordedRequest {
  method: string;
  /** Origin of the URL the client asked for (scheme://host:port). */
  origin: string;
  /** Path exactly as sent (percent-encoding preserved). */
  path: string;
  /** The query string as sent, with its `?` (`?project` for a GraphQL label), or ''. */
  search: string;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  /** The JSON body the client sent, parsed; undefined when there was none. */
  body: any;
  /** Status of the answer the client received (after tampering), once it arrived. */
  status?: number;
}

/** The real server's answer, handed to a tamper function. */
export interface RealAnswer {
  status: number;
  body: any;
}

export interface ForgedAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type Tamper = (real: RealAnswer, req: RecordedRequest) => ForgedAnswer;

export interface RecordingFetch {
  fetch: typeof fetch;
  requests: RecordedRequest[];
  /** `METHOD /path` of every request so far. */
  routes(): string[];
  /** Replace the real server's answer to the next `METHOD /path` (or `METHOD /path?query`) request (once). */
  tamperNext(route: string, tamper: Tamper): void;
  /** Tampers registered but not yet applied: a test asserts 0 so a tamper that never fired fails it. */
  pendingTampers(): number;
}

export function recordingFetch(upstream: typeof fetch = globalThis.fetch): RecordingFetch {
  const requests: RecordedRequest[] = [];
  const tampers: Array<{ route: string; tamper: Tamper }> = [];

  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, name) => {
      headers[name.toLowerCase()] = value;
    });
    let body: unknown;
    if (typeof init?.body === 'string') {
      try {
        body = JSON.parse(init.body);
      } catch {
        body = init.body;
      }
    }
    const req: RecordedRequest = { method: (init?.method ?? 'GET').toUpperCase(), origin: url.origin, path: url.pathname, search: url.search, headers, body };
    requests.push(req);

    const res = await upstream(input, init);
    const route = `${req.method} ${req.path}`;
    const i = tampers.findIndex((t) => t.route === route || t.route === `${route}${req.search}`);
    if (i < 0) {
      req.status = res.status;
      return res;
    }
    const [{ tamper }] = tampers.splice(i, 1) as [{ route: string; tamper: Tamper }];
    const text = await res.text();
    let realBody: unknown = text;
    try {
      realBody = JSON.parse(text);
    } catch {
      // not JSON: the tamper sees the text
    }
    const forged = tamper({ status: res.status, body: realBody }, req);
    req.status = forged.status;
    return new Response(typeof forged.body === 'string' ? forged.body : JSON.stringify(forged.body), {
      status: forged.status,
      headers: { 'Content-Type': 'application/json', ...(forged.headers ?? {}) },
    });
  }) as typeof fetch;

  return {
    fetch: fetchImpl,
    requests,
    routes: () => requests.map((r) => `${r.method} ${r.path}`),
    tamperNext(route, tamper) {
      tampers.push({ route, tamper });
    },
    pendingTampers: () => tampers.length,
  };
}
