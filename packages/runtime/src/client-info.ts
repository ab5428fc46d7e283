import crypto from 'node:crypto';
import type { Request } from 'express';
import { proxyConfig } from './config';

/**
 * The caller's IP for rate limits and the session list. Behind N trusted proxies the client address is
 * the N-th entry from the right of X-Forwarded-For; entries further left are whatever the client sent.
 */
export function clientIp(req: Request): string | null {
  const hops = proxyConfig().trustedProxyHops;
  if (hops > 0) {
    const forwarded = String(req.headers['x-forwarded-for'] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const candidate = forwarded[forwarded.length - hops];
    if (candidate) return candidate.slice(0, 64);
  }
  return req.socket?.remoteAddress?.slice(0, 64) ?? null;
}

/** `X-Insomnia-Client: <env>::<platform>::<version>`, or our CLI's equivalent; shown in the session list. */
export function clientName(req: Request): string | null {
  const raw = req.headers['x-insomnia-client'] ?? req.headers['user-agent'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value ? value.replace(/[^\x20-\x7e]/g, '').slice(0, 200) : null;
}

/** Reuses the client's `insomnia-request-id` when it is well formed, so both sides can correlate. */
export function requestId(req: Request): string {
  const given = req.headers['insomnia-request-id'];
  if (typeof given === 'string' && /^[A-Za-z0-9_-]{8,80}$/.test(given)) return given;
  return `req_${crypto.randomBytes(12).toString('hex')}`;
}
