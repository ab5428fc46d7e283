/** Help text: one overview and one paragraph per command, printed by --help / help <command>. */
import { CLIENT_VERSION } from '../version';

export const DEFAULT_URL = 'http://127.0.0.1:8787';

export const OVERVIEW = `somnus ${CLIENT_VERSION} - end-to-end-encrypted Somnus account client

Usage: somnus <command> [options]

Commands:
  signup                 create an account (keys are made and wrapped on this machine)
  login                  log in with SRP and keep the session in the config directory
  whoami                 show the account, session and key fingerprint; --unlock checks that your keys
                         unwrap; --fingerprint prints only the fingerprint (for teammates to compare)
  verify [code]          verify your email address with the code from the verification email
  verify --resend        email a new verification link and code
  verify --invite <link> verify your email address with the link of an invitation sent to it
  logout                 end the session on the server and forget it here
  passphrase change      change the passphrase using a code sent by email
  passphrase send-code   only email a passphrase-change code (then: passphrase change --code X)
  sessions               list this account's sessions
  sessions revoke <id>   end one session (ids from \`somnus sessions\`)
  org list               your organizations (the personal one included)
  org create <name>      create a team organization; you become its owner
  org members <orgId>    list members, their roles, key fingerprints, and who lacks keys
  org invite <orgId> <email> [--role R]
                         invite someone; project keys are re-wrapped for them here
  org invites            invitations addressed to you
  org accept <id>        accept an invitation (your email must be verified; org decline <id> to refuse it)
  org remove <orgId> <accountId>
                         remove a member (their project keys go with them)
  org role <orgId> <accountId> <role>
                         make a member admin or member
  org approve-key <orgId> <accountId|email> <fingerprint>
                         approve a member's changed key after comparing its fingerprint with them
  org reshare <orgId>    re-share project keys with members who lack them
  org leave <orgId>      leave an organization
  keys head <accountId>  the verified head of an account's key history, to compare with a teammate
  project create <orgId> <name>
                         create a project with a new key wrapped for every member
  project list <orgId>   list an organization's projects you hold a key for
  push DIR --message M [--org ORG] [--project P] [--branch B]
                         push the *.json documents of DIR as a new snapshot (encrypted here)
  pull DIR [--project P] [--branch B]
                         make DIR hold the documents of the branch's latest snapshot
  branches DIR           list the branches of DIR's project
  log DIR [--branch B]   list a branch's snapshots, newest first
  share <projectId> <orgId>
                         move a personal project into a team org, its key wrapped for every member
  unshare <projectId>    take a shared project back into your personal org
  account reset          forgot your passphrase: new keys via an emailed code
  help [command]         show help

Common options:
  --url <url>            server (default: $SOMNUS_URL or ${DEFAULT_URL})
  --email <email>        account email (otherwise prompted)
  --passphrase-stdin     read the passphrase from standard input (for passphrase change: the
                         current passphrase on line 1, the new one on line 2; for account
                         reset: the new passphrase on line 1)
  -h, --help             show help
  --version              print the version

Environment:
  SOMNUS_URL             server URL
  SOMNUS_PASSPHRASE      passphrase for scripts (prefer the prompt interactively)
  SOMNUS_NEW_PASSPHRASE  new passphrase for \`passphrase change\` and \`account reset\` in scripts
  SOMNUS_CONFIG_DIR      where session.json is kept (default $XDG_CONFIG_HOME/somnus or ~/.config/somnus)

Exit status: 0 on success, 1 on any error (with a one-line message on stderr).
`;

export const COMMAND_HELP: Record<string, string> = {
  signup: `Usage: somnus signup [--email E] [--first-name F] [--last-name L] [--srp-profile insomnia|rfc2945] [--url U] [--passphrase-stdin] [--invite <link>]

Creates an account. Salts, the SRP verifier and the account keys are generated here; the server
only receives the verifier, the public key and the wrapped keys. Does not log in. The server emails
a link and a code to verify the address (open the link, or log in and run somnus verify <code>);
until then the account cannot see or accept invitations. --invite takes the link of an invitation
email to that address: signing up with it verifies the address, and no verification email is sent.`,
  verify: `Usage: somnus verify [<code>] [--code C] | somnus verify --resend | somnus verify --invite <link>

Verifies your email address with the code of the verification email (asked for when not given);
opening the email's link does the same. --resend emails a new link and code (the earlier ones stop
working). --invite takes the link of an invitation email sent to your address (or its token): it
verifies the address too. Invitations to your address can be seen and accepted only once it is verified.`,
  login: `Usage: somnus login [--email E] [--srp-profile insomnia|rfc2945] [--url U] [--passphrase-stdin]

Logs in with SRP, checks the server's proof, and saves the session (mode 0600) in the config
directory. --srp-profile must match the one the account was created with (default insomnia).`,
  whoami: `Usage: somnus whoami [--unlock] [--passphrase-stdin] [--fingerprint]

Shows account id, email, name, session age/expiry and the fingerprint of your public key, which
teammates compare with what they see for you (docs/key-authenticity.md). When a passphrase is given
(--unlock to be prompted, SOMNUS_PASSPHRASE or --passphrase-stdin) it also unwraps the account keys
locally. --fingerprint prints only the fingerprint.`,
  keys: `Usage: somnus keys head <accountId>

Prints the fingerprint and the verified head (entry number and hash) of the account's key history. Two
members who run it for the same account and compare the hash over another channel find out whether the
server shows them the same history.`,
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
  org: `Usage: somnus org list
       somnus org create <name>
       somnus org members <orgId>
       somnus org invite <orgId> <email> [--role member|admin] [--passphrase-stdin]
       somnus org invites
       somnus org accept <invitationId>
       somnus org decline <invitationId>
       somnus org remove <orgId> <accountId>
       somnus org role <orgId> <accountId> member|admin
       somnus org approve-key <orgId> <accountId|email> <fingerprint>
       somnus org reshare <orgId> [--passphrase-stdin]
       somnus org leave <orgId>

invite runs the whole key-sharing flow on this machine: it checks seats, fetches the invitee's
public key, unwraps every project key you hold with your passphrase and re-wraps it for them, sends
the invitation (emailed to them), and shares keys with any other member still lacking one. Someone
without an account yet gets their keys after they sign up and accept: then run org reshare.
accept and decline need your email address verified (somnus verify, or signup/verify --invite with
the invitation's link): that proves the invitation reached you.
reshare (owner/admin): wraps your project keys for every member who lacks them, e.g. after they
reset a forgotten passphrase or joined before they had an account.
Keys are wrapped only for keys this machine trusts (docs/key-authenticity.md): the first key it wraps
for a member is remembered; a different key later stops invite, reshare, project create, push and share
with KEY_CHANGED, naming the member and both fingerprints. Compare the new fingerprint with them (they
run somnus whoami --fingerprint), then run the same command again with --trust '<fingerprint>'.
members shows each member's key fingerprint; a key marked PENDING changed (an account reset) and is
quarantined: nobody is offered it to wrap keys for until an owner or admin approves it.
approve-key (owner/admin): compare the fingerprint with the member out of band first (they see it with
somnus whoami --fingerprint); it must be their current key's, else the server refuses. Then reshare.`,
  project: `Usage: somnus project create <orgId> <name> [--passphrase-stdin]
       somnus project list <orgId>

create: makes a new project id and project key here and wraps the key for every current member of
the organization; the server only stores the wrapped copies.`,
  push: `Usage: somnus push DIR --message M [--org ORG] [--project prj_…] [--branch B] [--passphrase-stdin]

Each *.json file in DIR (hidden files and subdirectories aside) is one document: a JSON object with a
string _id and name. They become one new snapshot on the branch (default master), each document
gzipped and encrypted here under the project key; the server sees document ids and names, never their
contents. The first push of a directory creates a project in --org with a new key wrapped for every
member, and DIR/.somnus.json remembers the project, the branch and the snapshot last synced. When the
branch has moved on since (someone else pushed), the push is refused: pull first. -m is --message.`,
  pull: `Usage: somnus pull DIR [--project prj_…] [--branch B] [--passphrase-stdin]

Makes DIR hold the documents of the branch's latest snapshot, decrypted here and checked against the
snapshot's ids: new documents get files named after their _id, changed ones are rewritten in place,
removed ones are deleted. The first pull into a directory needs --project and an empty directory. A
directory with changes that were not pushed is not overwritten: push them first.`,
  branches: `Usage: somnus branches DIR [--project prj_…]

Lists the branches of DIR's project (or --project); * marks the one DIR is synced with.`,
  log: `Usage: somnus log DIR [--project prj_…] [--branch B]

Lists the snapshots of the branch (default: DIR's), newest first: id, date, author, message.`,
  share: `Usage: somnus share <projectId> <orgId> [--passphrase-stdin]

Moves one of your personal projects into the team organization <orgId>. Its key is unwrapped here
with your passphrase and wrapped for every member of the team; the server only stores the wrapped
copies, and refuses unless every member gets one. Take it back with somnus unshare <projectId>.`,
  unshare: `Usage: somnus unshare <projectId>

Takes a project you shared back into your personal organization. The server removes every other
member's key, so they can no longer pull it; what they pulled before stays with them.`,
  account: `Usage: somnus account reset [--email E] [--code C] [--srp-profile insomnia|rfc2945] [--passphrase-stdin]

For a forgotten passphrase. Emails a reset code (unless --code is given), asks for it, and replaces
the account's salts, verifier and keys with new ones made here. Data only your old keys could open
is deleted from the server; you stay a member of your teams and their admins re-share the keys
(somnus org reshare). Every session is signed out. New passphrase: prompt, SOMNUS_NEW_PASSPHRASE or
line 1 of --passphrase-stdin.`,
  help: `Usage: somnus help [command]`,
};
