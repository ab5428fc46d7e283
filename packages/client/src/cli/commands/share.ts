/**
 * `somnus share <projectId> <orgId>`: moves one of your personal projects into a team org. Its key is
 * opened with your passphrase and re-wrapped here for every member of the team; the server only ever
 * holds the wrapped copies. `somnus unshare` takes it back.
 */
import { UsageError } from '../args';
import type { Command } from '../context';

const USAGE = 'usage: somnus share <projectId> <orgId>';

export const shareCommand: Command = {
  flags: ['url', 'passphraseStdin', 'trust'],
  subcommands: true,
  usesSession: true,
  async run(ctx) {
    const [projectId, orgId, ...extra] = ctx.args;
    if (!projectId || !orgId || extra.length) throw new UsageError(USAGE);

    const { client } = await ctx.session();
    const keys = await client.unwrapKeys(await ctx.secrets.passphrase());
    const { sharedWith } = await client.shareProject(projectId, orgId, keys);
    ctx.out.line(`Shared project ${projectId} with org ${orgId}; its key is wrapped for ${sharedWith.length} member${sharedWith.length === 1 ? '' : 's'}.`);
  },
};
