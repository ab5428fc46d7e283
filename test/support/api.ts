import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';

export interface ApiResponse<T = any> {
  status: number;
  contentType: string | null;
  headers: Headers;
  body: T;
  text: string;
}

/** A tiny JSON client for tests: sends what an Insomnia client sends, returns status, headers and body. */
export function api(baseUrl: string, defaults: Record<string, string> = {}) {
  async function call<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const init: RequestInit = { method, headers: { ...defaults, ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['Content-Type'] ??= 'application/json';
    }
    const res = await fetch(baseUrl + path, init);
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // leave as text: the assertion on the body will say what came back
    }
    return { status: res.status, contentType: res.headers.get('content-type'), headers: res.headers, body: parsed as T, text };
  }
  return {
    baseUrl,
    get: <T = any>(path: string, headers?: Record<string, string>) => call<T>('GET', path, undefined, headers),
    post: <T = any>(path: string, body?: unknown, headers?: Record<string, string>) => call<T>('POST', path, body, headers),
    delete: <T = any>(path: string, headers?: Record<string, string>) => call<T>('DELETE', path, undefined, headers),
    call,
  };
}
export type Api = ReturnType<typeof api>;

/** Serves an in-process functions-framework server on a loopback port (it is still the same process). */
export async function listen(server: Server): Promise<{ baseUrl: string; close: () => Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
