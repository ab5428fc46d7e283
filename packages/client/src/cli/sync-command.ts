/** What `somnus push|pull|branches|log DIR` share: the DIR argument, the directory's project, progress output. */
import type { SyncProgress } from '../sync/progress';
import { UsageError } from './args';
import type { CommandContext } from './context';
import { isProjectId, SyncDirError, type DirState } from './sync-dir';

/** The one positional argument: the directory. */
export function dirArg(ctx: CommandContext, command: string): string {
  const [dir, ...extra] = ctx.args;
  if (!dir?.trim() || extra.length) throw new UsageError(`usage: somnus ${command} DIR (see somnus ${command} --help)`);
  return dir;
}

/** A directory synced with one server is not pushed to or pulled from another under the same ids. */
export function checkServer(state: DirState | null, server: string, dir: string): void {
  if (state && state.server !== server) {
    throw new SyncDirError(`${dir} is synced with ${state.server}, but you are logged in at ${server}`);
  }
}

/** --project, else the directory's project; null when neither says. */
export function projectFlag(ctx: CommandContext, state: DirState | null): string | null {
  const id = ctx.flags.project ?? state?.projectId ?? null;
  if (id !== null && !isProjectId(id)) throw new UsageError(`--project must be prj_ followed by 32 lowercase hex, not ${id}`);
  return id;
}

/** Long pushes and pulls say how far they are, on stderr so stdout stays the result. */
export function progressOn(ctx: CommandContext): SyncProgress {
  return (step, done, total) => ctx.out.note(`${step} ${done}/${total}`);
}

export const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
export const short = (id: string) => id.slice(0, 12);
