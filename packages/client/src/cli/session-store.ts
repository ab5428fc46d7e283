/**
 * The CLI's saved session. The file holds a bearer token (hex(K)), so it is treated like an SSH key:
 * the directory is created 0700, the file is written 0600 through a temp file + rename (a crash
 * never leaves a half-written or world-readable file), and nothing else is ever stored in it:
 * no passphrase, no derived or unwrapped key.
 */
import { chmod, mkdir, open, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isSrpProfile, type SrpProfile } from '@somnus/srp';
import { readJsonFile } from './json-file';

export interface StoredSession {
  baseUrl: string;
  /** The session token (hex(K)). Secret. */
  sessionId: string;
  accountId: string;
  email: string;
  /** Needed by `passphrase change`: a verifier of the wrong SRP profile would lock the account out. */
  srpProfile: SrpProfile;
}

export const SESSION_FILE = 'session.json';
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

export class SessionFileError extends Error {
  override readonly name = 'SessionFileError';
}

/** SOMNUS_CONFIG_DIR, else $XDG_CONFIG_HOME/somnus, else ~/.config/somnus. */
export function configDir(env: Record<string, string | undefined>): string {
  if (env['SOMNUS_CONFIG_DIR']) return env['SOMNUS_CONFIG_DIR'];
  if (env['XDG_CONFIG_HOME']) return join(env['XDG_CONFIG_HOME'], 'somnus');
  return join(env['HOME'] || homedir(), '.config', 'somnus');
}

export function sessionPath(dir: string): string {
  return join(dir, SESSION_FILE);
}

function isStoredSession(value: unknown): value is StoredSession {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v['baseUrl'] === 'string' &&
    typeof v['sessionId'] === 'string' &&
    /^[0-9a-f]{64}$/.test(v['sessionId']) &&
    typeof v['accountId'] === 'string' &&
    typeof v['email'] === 'string' &&
    isSrpProfile(v['srpProfile'])
  );
}

export async function saveSession(dir: string, session: StoredSession): Promise<void> {
  const created = await mkdir(dir, { recursive: true, mode: DIR_MODE });
  // mkdir's mode is filtered by the umask; set it explicitly on a directory we just made. An
  // existing directory (e.g. a SOMNUS_CONFIG_DIR the user chose) is left as the user set it.
  if (created !== undefined) await chmod(dir, DIR_MODE);

  const target = sessionPath(dir);
  const tmp = join(dir, `.${SESSION_FILE}.${randomBytes(6).toString('hex')}.tmp`);
  // 'wx' + mode: the temp file is new and born 0600, never briefly readable by others.
  const handle = await open(tmp, 'wx', FILE_MODE);
  try {
    await handle.writeFile(`${JSON.stringify(session, null, 2)}\n`, 'utf8');
    await handle.chmod(FILE_MODE); // in case the umask removed owner bits
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** The saved session, or null when there is none. A corrupted file is an error, not "logged out". */
export async function loadSession(dir: string): Promise<StoredSession | null> {
  return readJsonFile(sessionPath(dir), isStoredSession, () => new SessionFileError(`${sessionPath(dir)} is not a valid session file; delete it and run \`somnus login\``));
}

export async function clearSession(dir: string): Promise<void> {
  await rm(sessionPath(dir), { force: true });
}
