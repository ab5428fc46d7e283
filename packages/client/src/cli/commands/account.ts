/**
 * `somnus account reset`: a forgotten passphrase. Emails a reset code (unless --code is given),
 * then replaces the account's salts, verifier and keys with new ones made here. Needs no session:
 * the user who forgot the passphrase cannot log in. Data only the old keys could open is gone;
 * team memberships stay and an admin re-shares their keys.
 */
import { normalizeEmail } from '@somnus/crypto';
import { UsageError } from '../args';
import type { Command } from '../context';
import { emailFrom } from '../context';
import { clearSession, loadSession } from '../session-store';

export const accountCommand: Command = {
  flags: ['url', 'email', 'code', 'srpProfile', 'passphraseStdin'],
  subcommands: true,
  usesSession: false,
  async run(ctx) {
    const [sub, ...rest] = ctx.args;
    if (sub !== 'reset' || rest.length) throw new UsageError(sub && sub !== 'reset' ? `unknown subcommand account ${sub}` : 'usage: somnus account reset');
    const srpProfile = ctx.srpProfile();
    const baseUrl = ctx.serverUrl();
    const email = await emailFrom(ctx);
    // asked before a code is mailed, so a mistyped repeat costs nothing
    const newPassphrase = await ctx.secrets.newPassphrase({ stdinLine: 0, envName: 'SOMNUS_NEW_PASSPHRASE', label: 'New passphrase' });
    const client = ctx.client({ baseUrl });
    if (!ctx.flags.code) {
      await client.sendResetCode(email);
      ctx.out.note(`If ${normalizeEmail(email)} has an account, a reset code was sent to it. Check your email.`);
    }
    const code = await ctx.secrets.emailCode();
    if (!code) throw new UsageError('a code is required');

    ctx.out.note('Generating new keys…');
    const result = await client.resetAccount({ email, code, newPassphrase, srpProfile });
    // the server ended every session of the account, the saved one included
    const saved = await loadSession(ctx.configDir).catch(() => null);
    if (saved && saved.baseUrl === client.baseUrl && saved.email === result.email) await clearSession(ctx.configDir);

    ctx.out.line(`Account ${result.email} reset with new keys; every session was signed out.`);
    ctx.out.line('You are still a member of your teams: their admins re-share project keys with you (somnus org reshare).');
    ctx.out.line('Next: somnus login');
  },
};
