import nodeCrypto, { type KeyObject } from 'node:crypto';

/**
 * Configuration, read from the environment at first use (env locally, Secret Manager references in GCP;
 * docs/architecture.md §6). Each function reads only the settings it uses, so a function that needs no
 * server secret is deployed without one and starts without one. Nothing secret has a default.
 */

const cache = new Map<string, unknown>();

/** Reads once per process (until resetConfig): config never changes under a running function. */
function cached<T>(name: string, read: () => T): T {
  if (!cache.has(name)) cache.set(name, read());
  return cache.get(name) as T;
}

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer`);
  return n;
}

/** The key of fake salts, sealed SRP secrets and code HMACs. */
export function serverSecret(): Buffer {
  return cached('serverSecret', () => {
    const hex = process.env.SOMNUS_SERVER_SECRET ?? '';
    if (!/^[0-9a-fA-F]{64,}$/.test(hex)) {
      throw new Error('SOMNUS_SERVER_SECRET must be set to at least 64 hex characters (32 random bytes)');
    }
    return Buffer.from(hex, 'hex');
  });
}

export interface MailConfig {
  /** null: not configured, sending fails (callers decide what that means). */
  smtpUrl: string | null;
  mailFrom: string;
  /**
   * The most one send may take, connection included (SMTP_SEND_DEADLINE_MS, default 30 s); past it the send
   * is abandoned and its connection closed. `notify`'s claim lease must outlast the function timeout plus
   * this deadline (functions/notify/src/deps.ts), or a redelivery could send the same email again.
   */
  sendDeadlineMs: number;
}

/** nodemailer's own limits, each below the overall deadline: TCP connect, the server's greeting, a silent socket. */
export const SMTP_CONNECTION_TIMEOUT_MS = 10_000;
export const SMTP_GREETING_TIMEOUT_MS = 10_000;
export const SMTP_SOCKET_TIMEOUT_MS = 20_000;
export const SMTP_SEND_DEADLINE_MS = 30_000;

export function mailConfig(): MailConfig {
  return cached('mail', () => {
    const raw = process.env.SMTP_SEND_DEADLINE_MS;
    const deadline = raw === undefined || raw === '' ? SMTP_SEND_DEADLINE_MS : Number(raw);
    if (!Number.isInteger(deadline) || deadline < 50 || deadline > SMTP_SEND_DEADLINE_MS) {
      throw new Error(`SMTP_SEND_DEADLINE_MS must be an integer from 50 to ${SMTP_SEND_DEADLINE_MS}`);
    }
    return {
      smtpUrl: process.env.SMTP_URL || null,
      mailFrom: process.env.MAIL_FROM || 'Somnus <no-reply@somnus.local>',
      sendDeadlineMs: deadline,
    };
  });
}

export interface SessionConfig {
  sessionTtlSeconds: number;
}

export function sessionConfig(): SessionConfig {
  return cached('session', () => ({ sessionTtlSeconds: intFromEnv('SOMNUS_SESSION_TTL_SECONDS', 30 * 24 * 3600) }));
}

export interface ProxyConfig {
  /** How many proxies append to X-Forwarded-For in front of us (GCP load balancer: 2); 0 = use the socket. */
  trustedProxyHops: number;
}

export function proxyConfig(): ProxyConfig {
  return cached('proxy', () => ({ trustedProxyHops: intFromEnv('SOMNUS_TRUSTED_PROXY_HOPS', 0) }));
}

export interface ServerTimeouts {
  /** How long a request may take to arrive whole, headers and body (Node's `server.requestTimeout`). */
  requestTimeoutMs: number;
  /** How long its headers may take (Node's `server.headersTimeout`). */
  headersTimeoutMs: number;
}

/**
 * Node keeps a connection whose body trickles in for 300 s by default: a client sending a byte a second
 * holds it that long, and a few hundred such clients hold every socket an instance has. 60 s is enough for
 * the largest body any route takes (8 MiB, the sync batch) over a link of about 1.2 Mbit/s; headers are a
 * few KiB and get 20 s. `SOMNUS_REQUEST_TIMEOUT_MS` exists for tests, which cannot wait a minute.
 */
export function serverTimeouts(): ServerTimeouts {
  return cached('serverTimeouts', () => {
    const requestTimeoutMs = intFromEnv('SOMNUS_REQUEST_TIMEOUT_MS', 60_000);
    // 0 would switch Node's timeout off altogether
    if (requestTimeoutMs === 0) throw new Error('SOMNUS_REQUEST_TIMEOUT_MS must be positive');
    return { requestTimeoutMs, headersTimeoutMs: Math.min(20_000, requestTimeoutMs) };
  });
}

export interface OrgConfig {
  /** Seats per team organization (members + pending invites); null = unlimited. */
  orgSeatLimit: number | null;
  /** How long an invitation stays valid. */
  inviteTtlSeconds: number;
}

export function orgConfig(): OrgConfig {
  return cached('org', () => ({
    orgSeatLimit: process.env.SOMNUS_ORG_SEAT_LIMIT ? intFromEnv('SOMNUS_ORG_SEAT_LIMIT', 0) || null : null,
    inviteTtlSeconds: intFromEnv('SOMNUS_INVITE_TTL_SECONDS', 7 * 24 * 3600),
  }));
}

export interface LinkConfig {
  /** The origin links in emails point at, without a trailing slash (`https://api.example.com`). */
  publicUrl: string;
}

/**
 * Where emailed links lead (`SOMNUS_PUBLIC_URL`; locally the gateway's `http://127.0.0.1:8787`). Configured,
 * never taken from a request's Host header: a forged Host would otherwise put an attacker's origin, with
 * the token, into a mail sent to someone else.
 */
export function linkConfig(): LinkConfig {
  return cached('links', () => {
    const raw = (process.env.SOMNUS_PUBLIC_URL || 'http://127.0.0.1:8787').replace(/\/+$/, '');
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new Error('SOMNUS_PUBLIC_URL must be an absolute http(s) URL');
    }
    if (!/^https?:$/.test(url.protocol) || url.search || url.hash || url.username || url.password) {
      throw new Error('SOMNUS_PUBLIC_URL must be an http(s) origin (and path), without query, fragment or credentials');
    }
    return { publicUrl: raw };
  });
}

/** Tests change the environment between suites; this makes the next read see it. */
export function resetConfig(): void {
  cache.clear();
}

export interface KeyHistorySigningKey {
  /** Ed25519 private key (never logged, never answered). */
  privateKey: KeyObject;
  /** Its public JWK with `kid` (the RFC 7638 thumbprint), `alg: EdDSA`, `use: sig`: what clients pin. */
  publicJwk: { kty: 'OKP'; crv: 'Ed25519'; x: string; kid: string; alg: 'EdDSA'; use: 'sig' };
}

/** PKCS#8 DER prefix of an Ed25519 private key; the 32-byte seed follows (RFC 8410). */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * The key that signs key-history heads (docs/key-authenticity.md §2.2): `SOMNUS_KEY_HISTORY_SIGNING_KEY`, the
 * 32-byte Ed25519 seed as 64 hex characters. Secret Manager in GCP (infra/secrets.ts), generated by the local
 * and test stacks. A seed rather than a JWK so that infra can generate it with a plain random value.
 */
export function keyHistorySigningKey(): KeyHistorySigningKey {
  return cached('keyHistorySigningKey', () => {
    const hex = process.env.SOMNUS_KEY_HISTORY_SIGNING_KEY ?? '';
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
      throw new Error('SOMNUS_KEY_HISTORY_SIGNING_KEY must be set to 64 hex characters (a 32-byte Ed25519 seed)');
    }
    const privateKey = nodeCrypto.createPrivateKey({
      key: Buffer.concat([ED25519_PKCS8_PREFIX, Buffer.from(hex, 'hex')]),
      format: 'der',
      type: 'pkcs8',
    });
    const jwk = nodeCrypto.createPublicKey(privateKey).export({ format: 'jwk' }) as { x: string };
    const kid = nodeCrypto.createHash('sha256').update(JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x: jwk.x })).digest('base64url');
    return { privateKey, publicJwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid, alg: 'EdDSA', use: 'sig' } };
  });
}
