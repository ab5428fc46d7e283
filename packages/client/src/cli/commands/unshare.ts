/**
 * `somnus unshare <projectId>`: takes a project you shared back into your personal org. The server drops
 * every other member's key, so nobody else can read what is pushed from then on (what they already
 * pulled stays with them). No passphrase: nothing is wrapped.
 */
import { UsageError } from '../args';
import type { Command } from '../context';

export const unshareCommand: Command = {
  flags: ['url'],
  subcommands: true,
  usesSession: true,
  async run(ctx) {
    const [projectId, ...extra] = ctx.args;
    if (!projectId || extra.length) throw new UsageError('usage: somnus unshare <projectId>');

    const { client } = await ctx.session();
    await client.unshareProject(projectId);
    ctx.out.line(`Took project ${projectId} back into your personal org; the other members' keys are removed.`);
  },
};
