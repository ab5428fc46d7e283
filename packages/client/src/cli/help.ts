/** Help text: one overview and one paragraph per command, printed by --help / help <command>. */
import { CLIENT_VERSION } from '../version';

export const DEFAULT_URL = 'http://127.0.0.1:8787';

export const OVERVIEW = `somnus ${CLIENT_VERSION} - end-to-end-encrypted Somnus account client

Usage: somnus <command> [options]

Commands:
  signup                 create an account (keys are made and wrapped on this machine)
  login                  log in with SRP and keep the session in the config directory
  whoami                 show the account and session; --unlock checks that your keys unwrap
  logout                 end the session on the server and forget it here
  passphrase change      change the passphrase using a code sent by email
  passphrase send-code   only email a passphrase-change code (then: passphrase change --code X)
  sessions               list this account's sessions
  sessions revoke <id>   end one session (ids from \`somnus sessions\`)
  help [command]         show help

Common options:
  --url <url>            server (default: $SOMNUS_URL or ${DEFAULT_URL})
  --email <email>        account email (otherwise prompted)
  --passphrase-stdin     read the passphrase from standard input (for passphrase change: the
                         current passphrase on line 1, the new one on line 2)
  -h, --help             show help
  --version              print the version

Environment:
  SOMNUS_URL             server URL
  SOMNUS_PASSPHRASE      passphrase for scripts (prefer the prompt interactively)
  SOMNUS_NEW_PASSPHRASE  new passphrase for \`passphrase change\` in scripts
  SOMNUS_CONFIG_DIR      where session.json is kept (default $XDG_CONFIG_HOME/somnus or ~/.config/somnus)

Exit status: 0 on success, 1 on any error (with a one-line message on stderr).
`;

export const COMMAND_HELP: Record<string, string> = {
  signup: `Usage: somnus signup [--email E] [--first-name F] [--last-name L] [--srp-profile insomnia|rfc2945] [--url U] [--passphrase-stdin]

Creates an account. Salts, the SRP verifier and the account keys are generated here; the server
only receives the verifier, the public key and the wrapped keys. Does not log in.`,
  login: `Usage: somnus login [--email E] [--srp-profile insomnia|rfc2945] [--url U] [--passphrase-stdin]

Logs in with SRP, checks the server's proof, and saves the session (mode 0600) in the config
directory. --srp-profile must match the one the account was created with (default insomnia).`,
  whoami: `Usage: somnus whoami [--unlock] [--passphrase-stdin]

Shows account id, email, name and session age/expiry. When a passphrase is given (--unlock to be
prompted, SOMNUS_PASSPHRASE or --passphrase-stdin) it also unwraps the account keys locally.`,
  logout: `Usage: somnus logout

Ends the session on the server and deletes the local session file.`,
  passphrase: `Usage: somnus passphrase change [--code C] [--passphrase-stdin]
       somnus passphrase send-code

change: checks the current passphrase locally, emails a code (unless --code is given), asks for it,
then re-wraps the account key under the new passphrase. Salts and keys stay the same; every other
session of the account is signed out. New passphrase: prompt, SOMNUS_NEW_PASSPHRASE or line 2 of
--passphrase-stdin.
send-code: only emails a code (a new code replaces the previous one).`,
  sessions: `Usage: somnus sessions [list]
       somnus sessions revoke <id>

Lists the account's live sessions, or ends one of them by id.`,
  help: `Usage: somnus help [command]`,
};
