import crypto from 'node:crypto';

/** Server-assigned ids: prefix + 32 hex (128 random bits). */
export function newId(prefix: string): string {
  return `${prefix}_${crypto.randomBytes(16).toString('hex')}`;
}

export function sha256(value: string | Buffer): Buffer {
  return crypto.createHash('sha256').update(value).digest();
}

export function hmacSha256(key: Buffer, label: string, value: string): Buffer {
  return crypto.createHmac('sha256', key).update(label).update('\0').update(value).digest();
}

/** Constant-time equality for secrets of any length (lengths are not secret here). */
export function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

const sealingKeys = new WeakMap<Buffer, Buffer>();

/** Derived once per secret: seal and unseal run on every login. */
function sealingKey(serverSecret: Buffer): Buffer {
  let key = sealingKeys.get(serverSecret);
  if (!key) {
    key = Buffer.from(crypto.hkdfSync('sha256', serverSecret, Buffer.alloc(0), 'somnus seal v1', 32));
    sealingKeys.set(serverSecret, key);
  }
  return key;
}

/** AES-256-GCM under a key derived from the server secret, for short-lived secrets kept in Postgres. */
export function seal(serverSecret: Buffer, plaintext: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', sealingKey(serverSecret), iv);
  const d = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), d].map((b) => b.toString('base64url')).join('.');
}

export function unseal(serverSecret: Buffer, sealed: string): string {
  const [iv, tag, d] = sealed.split('.').map((p) => Buffer.from(p, 'base64url'));
  if (!iv || !tag || !d) throw new Error('malformed sealed value');
  const decipher = crypto.createDecipheriv('aes-256-gcm', sealingKey(serverSecret), iv);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(d), decipher.final()]).toString('utf8');
}
