/**
 * `somnus project create <orgId> <name>` and `somnus project list <orgId>`. The project key is made
 * here and wrapped for every current member of the org; the passphrase unwraps this account's keys.
 * The list is what GraphQL `projects` answers: the org's projects this account holds a key for.
 */
import { UsageError } from '../args';
import type { Command } from '../context';

export const projectCommand: Command = {
  flags: ['url', 'passphraseStdin', 'trust'],
  subcommands: true,
  usesSession: true,
  async run(ctx) {
    const [sub, ...rest] = ctx.args;
    if (sub === 'list') {
      const [orgId, ...extra] = rest;
      if (!orgId || extra.length) throw new UsageError('usage: somnus project list <orgId>');
      if (ctx.flags.passphraseStdin) throw new UsageError('project list takes no --passphrase-stdin');
      const { client } = await ctx.session();
      const projects = await client.projects(orgId);
      for (const p of projects) ctx.out.line(`${p.id}  ${p.name}`);
      ctx.out.line(`${projects.length} project${projects.length === 1 ? '' : 's'}`);
      return;
    }
    if (sub !== 'create') throw new UsageError(sub ? `unknown subcommand project ${sub}` : 'usage: somnus project create <orgId> <name>');
    const [orgId, name, ...extra] = rest;
    if (!orgId || !name?.trim() || extra.length) throw new UsageError('usage: somnus project create <orgId> <name>');

    const { client } = await ctx.session();
    const passphrase = await ctx.secrets.passphrase();
    const keys = await client.unwrapKeys(passphrase);
    const { project, sharedWith } = await client.createProject({ orgId, name, publicJwk: keys.publicJwk });
    ctx.out.line(`Created project ${project.name} (${project.id}) in ${orgId}; its key is wrapped for ${sharedWith.length} member${sharedWith.length === 1 ? '' : 's'}.`);
  },
};
