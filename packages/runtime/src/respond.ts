import type { Response } from 'express';
import type { ErrorBody, ErrorCode } from '@somnus/models';

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
