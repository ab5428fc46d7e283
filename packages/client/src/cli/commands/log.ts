/** `somnus log DIR [--project prj_…] [--branch B]`: the branch's snapshots, newest first, with author, date and message. */
import { DEFAULT_BRANCH } from '../../sync/push';
import { UsageError } from '../args';
import type { Command } from '../context';
import { checkServer, dirArg, plural, progressOn, projectFlag, short } from '../sync-command';
import { readState } from '../sync-dir';

export const logCommand: Command = {
  flags: ['url', 'project', 'branch'],
  subcommands: true,
  usesSession: true,
  async run(ctx) {
    const dir = dirArg(ctx, 'log');
    const state = await readState(dir);
    const projectId = projectFlag(ctx, state);
    if (!projectId) throw new UsageError(`${dir} has no .somnus.json: give --project prj_…`);
    const branch = ctx.flags.branch ?? (state?.projectId === projectId ? state.branch : undefined) ?? DEFAULT_BRANCH;
    const { session, client } = await ctx.session();
    checkServer(state, session.baseUrl, dir);
    const snapshots = await client.log(projectId, branch, progressOn(ctx));
    for (const s of [...snapshots].reverse()) {
      const by = s.authorAccount?.email ?? s.author;
      ctx.out.line(`${short(s.id)}  ${s.created}  ${by}  ${s.name}  (${plural(s.state.length, 'document')})`);
    }
    ctx.out.line(`${plural(snapshots.length, 'snapshot')} on branch ${branch}`);
  },
};
