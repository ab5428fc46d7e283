import { mkdtemp, readdir, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clearSession, configDir, loadSession, saveSession, SessionFileError, sessionPath, type StoredSession } from '../src/cli/session-store';

const session: StoredSession = {
  baseUrl: 'http://127.0.0.1:8787',
  sessionId: 'a'.repeat(64),
  accountId: `acct_${'b'.repeat(32)}`,
  email: 'user@example.com',
  srpProfile: 'insomnia',
};

describe('session store', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'somnus-client-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('creates the directory 0700 and the file 0600, even under a permissive umask', async () => {
    const dir = join(root, 'nested', 'somnus');
    const old = process.umask(0o000);
    try {
      await saveSession(dir, session);
    } finally {
      process.umask(old);
    }
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(sessionPath(dir))).mode & 0o777).toBe(0o600);
  });

  it('keeps 0600 when overwriting and leaves no temp files behind', async () => {
    const dir = join(root, 'somnus');
    await saveSession(dir, session);
    await saveSession(dir, { ...session, email: 'other@example.com' });
    expect((await stat(sessionPath(dir))).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['session.json']);
    expect((await loadSession(dir))?.email).toBe('other@example.com');
  });

  it('replaces a pre-existing world-readable file with a 0600 one', async () => {
    const dir = join(root, 'somnus');
    await mkdir(dir, { mode: 0o700 });
    await writeFile(sessionPath(dir), '{}', { mode: 0o644 });
    await saveSession(dir, session);
    expect((await stat(sessionPath(dir))).mode & 0o777).toBe(0o600);
  });

  it('round-trips and clears', async () => {
    const dir = join(root, 'somnus');
    expect(await loadSession(dir)).toBeNull();
    await saveSession(dir, session);
    expect(await loadSession(dir)).toEqual(session);
    await clearSession(dir);
    expect(await loadSession(dir)).toBeNull();
    await expect(clearSession(dir)).resolves.toBeUndefined();
  });

  it('refuses a corrupted or tampered file instead of treating it as logged out', async () => {
    const dir = join(root, 'somnus');
    await saveSession(dir, session);
    await writeFile(sessionPath(dir), 'not json');
    await expect(loadSession(dir)).rejects.toBeInstanceOf(SessionFileError);
    await writeFile(sessionPath(dir), JSON.stringify({ ...session, sessionId: 'xyz' }));
    await expect(loadSession(dir)).rejects.toBeInstanceOf(SessionFileError);
    await writeFile(sessionPath(dir), JSON.stringify({ ...session, srpProfile: 'other' }));
    await expect(loadSession(dir)).rejects.toBeInstanceOf(SessionFileError);
  });

  it('stores nothing but the five session fields', async () => {
    const dir = join(root, 'somnus');
    await saveSession(dir, session);
    const { readFile } = await import('node:fs/promises');
    expect(Object.keys(JSON.parse(await readFile(sessionPath(dir), 'utf8'))).sort()).toEqual(
      ['accountId', 'baseUrl', 'email', 'sessionId', 'srpProfile'].sort(),
    );
  });

  it('resolves the config directory: SOMNUS_CONFIG_DIR, then XDG_CONFIG_HOME, then ~/.config', () => {
    expect(configDir({ SOMNUS_CONFIG_DIR: '/a', XDG_CONFIG_HOME: '/x', HOME: '/h' })).toBe('/a');
    expect(configDir({ XDG_CONFIG_HOME: '/x', HOME: '/h' })).toBe('/x/somnus');
    expect(configDir({ HOME: '/h' })).toBe('/h/.config/somnus');
    expect(configDir({ SOMNUS_CONFIG_DIR: '', XDG_CONFIG_HOME: '', HOME: '/h' })).toBe('/h/.config/somnus');
  });
});
