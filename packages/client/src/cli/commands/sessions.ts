/** `somnus sessions [list]` and `somnus sessions revoke <id>`. Public ids (`sess_…`) only, never tokens. */
import { UsageError } from '../args';
import type { Command } from '../context';

export const sessionsCommand: Command = {
  flags: ['url'],
  subcommands: true,
  usesSession: true,
  async run(ctx) {
    const [sub = 'list', ...rest] = ctx.args;
    if (sub === 'revoke') {
      const [id, ...extra] = rest;
      if (!id || extra.length) throw new UsageError('usage: somnus sessions revoke <id>');
      const { client } = await ctx.session();
      await client.revokeSession(id);
      ctx.out.line(`Revoked ${id}.`);
      return;
    }
    if (sub !== 'list' || rest.length) throw new UsageError(`unknown subcommand sessions ${[sub, ...rest].join(' ')}`);
    const { client } = await ctx.session();
    const sessions = await client.listSessions();
    for (const s of sessions) {
      const marker = s.current ? '*' : ' ';
      ctx.out.line(
        `${marker} ${s.id}  created ${s.created}  last used ${s.lastUsed}  expires ${s.expires}  ${s.client ?? '-'}  ${s.ip ?? '-'}`,
      );
    }
    ctx.out.line(`${sessions.length} session${sessions.length === 1 ? '' : 's'} (* = this one)`);
  },
};
