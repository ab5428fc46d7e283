/**
 * The CLI's trust store (docs/key-authenticity.md §3.1): `<configDir>/trust.json`, next to the session, mode
 * 0600 and written atomically. Not secret, but whoever can write it decides which keys the CLI trusts.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { emptyTrustState, parseTrustState, type TrustState, type TrustStore } from '../trust/store';

export const TRUST_FILE = 'trust.json';

export class FileTrustStore implements TrustStore {
  constructor(private readonly dir: string) {}

  get path(): string {
    return join(this.dir, TRUST_FILE);
  }

  async read(): Promise<TrustState> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyTrustState();
      throw err;
    }
    return parseTrustState(JSON.parse(text));
  }

  async write(state: TrustState): Promise<void> {
    const created = await mkdir(this.dir, { recursive: true, mode: 0o700 });
    if (created !== undefined) await chmod(this.dir, 0o700);
    const tmp = join(this.dir, `.${TRUST_FILE}.${randomBytes(6).toString('hex')}.tmp`);
    const handle = await open(tmp, 'wx', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(state, null, 2)}\n`, 'utf8');
      await handle.chmod(0o600);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(tmp, this.path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }
}
