import type { Response } from 'express';
import type { ErrorBody, ErrorCode, StaticAnswer } from '@somnus/models';

/**
 * Writes JSON with `Content-Type: application/json` exactly: Insomnia clients up to 2022.4 treat
 * `application/json; charset=utf-8` as text and their SRP login breaks (docs/protocol.md §1). Express's
 * res.json/res.send would append the charset, so the body is written as bytes.
 */
export function sendJson(res: Response, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = Buffer.from(JSON.stringify(body ?? null));
  res.status(status);
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', String(payload.length));
  res.setHeader('Cache-Control', 'no-store');
  res.end(payload);
}

export function sendError(res: Response, status: number, code: ErrorCode, message: string, headers: Record<string, string> = {}): void {
  const body: ErrorBody = { error: code, message };
  sendJson(res, status, body, headers);
}

/** A browser's page that leads elsewhere (git sign-in): 302 with a one-line body for clients that do not follow. */
export function sendRedirect(res: Response, location: string): void {
  const payload = Buffer.from(`Continue at ${location}\n`);
  res.status(302);
  res.setHeader('Location', location);
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', String(payload.length));
  res.setHeader('Cache-Control', 'no-store');
  res.end(payload);
}

/**
 * The headers of every answer on a `static` route (the account web app under `/app/`, docs/architecture.md
 * §5.4), refusals included. The pages handle the passphrase and the account key, so: only our own scripts
 * and styles run (no inline code, no other origin: an injected string cannot become script), the page talks
 * to its own origin only, no other site may frame it (clickjacking the sign-in), and the sign-in URL, whose
 * query carries the app's loginKey, is never sent on as a Referer.
 */
export const PAGE_CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': PAGE_CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  // a window the page opens (or that opens it) gets no handle on it
  'Cross-Origin-Opener-Policy': 'same-origin',
};

export function setPageHeaders(res: { setHeader(name: string, value: string): unknown }): void {
  for (const [k, v] of Object.entries(PAGE_HEADERS)) res.setHeader(k, v);
}


/**
 * A `static` route's success: the file (or `304` when the browser's copy has its ETag), or a `308` to a
 * page's canonical URL. The page headers are already set. Returns the status written.
 */
export function sendStatic(res: Response, answer: StaticAnswer, ifNoneMatch: string | undefined): number {
  if (answer.kind === 'redirect') {
    // 308, not 301: permanent and keeps the method; the Location is our own path, never taken from input
    const payload = Buffer.from(`Continue at ${answer.location}\n`);
    res.status(308);
    res.setHeader('Location', answer.location);
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.setHeader('Content-Length', String(payload.length));
    res.setHeader('Cache-Control', 'no-store');
    res.end(payload);
    return 308;
  }
  res.setHeader('ETag', answer.etag);
  res.setHeader('Cache-Control', answer.cacheControl);
  if (ifNoneMatch !== undefined && ifNoneMatch.split(',').some((t) => t.trim() === answer.etag)) {
    res.status(304);
    res.end();
    return 304;
  }
  res.status(200);
  res.setHeader('Content-Type', answer.contentType);
  res.setHeader('Content-Length', String(answer.body.byteLength));
  // a HEAD request: Node writes the headers and drops the body
  res.end(Buffer.from(answer.body.buffer, answer.body.byteOffset, answer.body.byteLength));
  return 200;
}
