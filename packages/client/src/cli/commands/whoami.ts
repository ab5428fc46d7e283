/**
 * `somnus whoami`: account and session facts and the key's fingerprint (what teammates compare,
 * docs/key-authenticity.md); with a passphrase, proves the key chain unwraps. `--fingerprint`: only that.
 */
import { fingerprintOf } from '@somnus/models';
import { unwrapKeys } from '../../flows/unwrap-keys';
import type { Command } from '../context';
import { displayName, formatDuration, modulusBits } from '../format';

export const whoamiCommand: Command = {
  flags: ['url', 'unlock', 'passphraseStdin', 'fingerprint'],
  subcommands: false,
  usesSession: true,
  async run(ctx) {
    const { client } = await ctx.session();
    const who = await client.whoami();
    const fingerprint = fingerprintOf(who.publicKey);
    if (ctx.flags.fingerprint) {
      ctx.out.line(fingerprint);
      return;
    }
    ctx.out.line(`account:  ${who.accountId}`);
    ctx.out.line(`email:    ${who.email}${who.isVerified ? ' (verified)' : ' (not verified: somnus verify <code>, or --resend)'}`);
    ctx.out.line(`name:     ${displayName(who.firstName, who.lastName)}`);
    ctx.out.line(`session:  age ${formatDuration(who.sessionAge)}, expires ${new Date(who.sessionExpiry).toISOString()}`);
    ctx.out.line(`server:   ${client.baseUrl}`);
    ctx.out.line(`key:      fingerprint ${fingerprint} (teammates compare this with what they see for you)`);

    if (!ctx.flags.unlock && !ctx.secrets.passphraseGiven) {
      ctx.out.line('keys:     not checked (use --unlock to unwrap them with your passphrase)');
      return;
    }
    const passphrase = await ctx.secrets.passphrase();
    // the same whoami answer that was printed above, so the check is about exactly that key material
    const keys = await unwrapKeys(who, passphrase);
    const bits = modulusBits(keys.publicJwk);
    ctx.out.line(`keys:     unwrapped OK (RSA-${bits}, fingerprint ${fingerprintOf(keys.publicJwk)})`);
  },
};
