import type { Response } from 'express';
import { PAGE_HEADERS, type ErrorBody, type ErrorCode, type StaticAnswer } from '@somnus/models';

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

/** The page headers (PAGE_HEADERS, packages/models/src/app.ts) on an answer about to be written. */
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
