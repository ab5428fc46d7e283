import crypto from 'node:crypto';
import type { Request } from 'express';
import { proxyConfig } from './config';

/**
 * The caller's IP for rate limits and the session list. Behind trusted proxies that append `hops` entries to
 * X-Forwarded-For, the client's being the first of them, the client is the `hops`-th entry from the right;
 * entries further left are whatever the client sent. GCP's load balancer appends `<client-ip>,<lb-ip>`,
 * so 2 there (docs/architecture.md §6; infra/test/client-ip.test.ts ties it to the deployed load balancer).
 */
export function clientIp(req: Request): string | null {
  const hops = proxyConfig().trustedProxyHops;
  const header = req.headers['x-forwarded-for'];
  const forwarded = hops > 0 ? forwardedClientIp(Array.isArray(header) ? header.join(',') : header, hops) : null;
  return forwarded ?? req.socket?.remoteAddress?.slice(0, 64) ?? null;
}

/** The `hops`-th entry from the right of an X-Forwarded-For value; null when it has fewer entries. */
export function forwardedClientIp(forwardedFor: string | undefined, hops: number): string | null {
  const entries = String(forwardedFor ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return hops > 0 ? (entries[entries.length - hops]?.slice(0, 64) ?? null) : null;
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
