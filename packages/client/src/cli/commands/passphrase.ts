/** `somnus passphrase change|send-code` (docs/protocol.md §4.3). */
import { normalizePassphrase } from '@somnus/crypto';
import { UsageError } from '../args';
import type { Command, CommandContext } from '../context';

async function sendCode(ctx: CommandContext, email: string, send: () => Promise<void>): Promise<void> {
  await send();
  ctx.out.note(`A passphrase-change code was sent to ${email}. Check your email.`);
}

export const passphraseCommand: Command = {
  flags: ['url', 'code', 'passphraseStdin'],
  subcommands: true,
  usesSession: true,
  async run(ctx) {
    const [sub, ...rest] = ctx.args;
    if (rest.length) throw new UsageError(`unexpected argument ${rest[0]}`);
    if (sub === 'send-code') {
      if (ctx.flags.code || ctx.flags.passphraseStdin) throw new UsageError('passphrase send-code takes no --code or --passphrase-stdin');
      const { session, client } = await ctx.session();
      await sendCode(ctx, session.email, () => client.sendPasswordCode());
      ctx.out.line('Code sent. Then run: somnus passphrase change --code <code>');
      return;
    }
    if (sub !== 'change') throw new UsageError(sub ? `unknown subcommand passphrase ${sub}` : 'usage: somnus passphrase change');

    const { session, client } = await ctx.session();
    const currentPassphrase = await ctx.secrets.passphrase();
    // Check the current passphrase before a code is mailed: a typo should cost nothing.
    await client.unwrapKeys(currentPassphrase);
    const newPassphrase = await ctx.secrets.newPassphrase({ stdinLine: 1, envName: 'SOMNUS_NEW_PASSPHRASE', label: 'New passphrase' });
    if (normalizePassphrase(newPassphrase) === normalizePassphrase(currentPassphrase)) {
      throw new UsageError('the new passphrase is the same as the current one');
    }

    // With --code the user already has one; sending another would invalidate it.
    if (!ctx.flags.code) await sendCode(ctx, session.email, () => client.sendPasswordCode());
    const code = await ctx.secrets.emailCode();
    if (!code) throw new UsageError('a code is required');

    await client.changePassphrase({ currentPassphrase, newPassphrase, code, srpProfile: session.srpProfile });
    ctx.out.line('Passphrase changed. Your other sessions were signed out; this one stays logged in.');
  },
};
