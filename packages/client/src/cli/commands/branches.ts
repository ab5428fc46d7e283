/** `somnus branches DIR [--project prj_…]`: the branches of the directory's project; `*` marks the directory's own. */
import { UsageError } from '../args';
import type { Command } from '../context';
import { checkServer, dirArg, projectFlag } from '../sync-command';
import { readState } from '../sync-dir';

export const branchesCommand: Command = {
  flags: ['url', 'project'],
  subcommands: true,
  usesSession: true,
  async run(ctx) {
    const dir = dirArg(ctx, 'branches');
    const state = await readState(dir);
    const projectId = projectFlag(ctx, state);
    if (!projectId) throw new UsageError(`${dir} has no .somnus.json: give --project prj_…`);
    const { session, client } = await ctx.session();
    checkServer(state, session.baseUrl, dir);
    const names = await client.branches(projectId);
    const mine = state?.projectId === projectId ? state.branch : null;
    for (const name of names) ctx.out.line(`${name === mine ? '*' : ' '} ${name}`);
    ctx.out.line(`${names.length} branch${names.length === 1 ? '' : 'es'}`);
  },
};
