/**
 * `somnus keys head <accountId>`: the verified head of an account's key history (docs/key-authenticity.md):
 * two members who print it for the same account and compare the hash over another channel find out whether
 * the server shows them the same history (a server that forks it per viewer is caught only this way).
 */
import { UsageError } from '../args';
import type { Command } from '../context';

export const keysCommand: Command = {
  flags: ['url'],
  subcommands: true,
  usesSession: true,
  async run(ctx) {
    const [sub, accountId, ...extra] = ctx.args;
    if (sub !== 'head' || !accountId || extra.length) throw new UsageError('usage: somnus keys head <accountId>');
    const { client } = await ctx.session();
    const head = await client.keyHistoryHead(accountId);
    ctx.out.line(`account:      ${accountId}`);
    ctx.out.line(`fingerprint:  ${head.fingerprint}`);
    ctx.out.line(`history:      entry ${head.seq}, hash ${head.hash}`);
    ctx.out.line('Compare the hash with a teammate who runs the same command: a different hash for the same entry means the server shows you different histories.');
  },
};
