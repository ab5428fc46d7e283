/**
 * `somnus org …`: organizations, members, roles, invitations and key sharing (docs/protocol.md §6).
 * `invite` and `reshare` unwrap the account keys locally with the passphrase: project keys are
 * re-wrapped on this machine, the server only ever sees wrapped copies.
 */
import type { MemberRole } from '../../flows/invite';
import { UsageError } from '../args';
import type { Command, CommandContext } from '../context';

const USAGE = 'usage: somnus org list|create|members|invite|invites|accept|decline|remove|role|approve-key|reshare|leave (see somnus org --help)';

/** Exactly `count` positional words after the subcommand, named for the usage message. */
function words(rest: string[], names: readonly string[], sub: string): string[] {
  if (rest.length !== names.length || rest.some((w) => !w.trim())) {
    throw new UsageError(`usage: somnus org ${sub}${names.map((n) => ` <${n}>`).join('')}`);
  }
  return rest;
}

/** Ownership is not a role to hand out: it moves with a transfer, so an org always has one owner. */
const MEMBER_ROLES: readonly MemberRole[] = ['admin', 'member'];

export function parseRole(raw: string | undefined, fallback: MemberRole): MemberRole {
  if (raw === undefined) return fallback;
  const role = raw.trim().toLowerCase();
  if (!(MEMBER_ROLES as readonly string[]).includes(role)) throw new UsageError(`role must be ${MEMBER_ROLES.join(' or ')}, not ${raw}`);
  return role as MemberRole;
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** Projects whose key held for the caller did not open: left out of the sharing, said plainly. */
function reportUnopenable(ctx: CommandContext, projects: readonly string[]): void {
  if (projects.length) ctx.out.note(`Your key for ${plural(projects.length, 'project')} does not open with your private key, so it was not shared: ${projects.join(', ')}. Another member holding it can run \`somnus org reshare\`.`);
}

async function run(ctx: CommandContext): Promise<void> {
  const [sub, ...rest] = ctx.args;
  if (ctx.flags.role !== undefined && sub !== 'invite') throw new UsageError('--role goes with org invite (for org role: somnus org role <orgId> <accountId> <role>)');
  if (ctx.flags.passphraseStdin && sub !== 'invite' && sub !== 'reshare') throw new UsageError(`org ${sub ?? ''} takes no --passphrase-stdin`);

  switch (sub) {
    case 'list': {
      words(rest, [], sub);
      const { session, client } = await ctx.session();
      const orgs = await client.listOrgs();
      for (const o of orgs) {
        const owner = o.metadata.ownerAccountId === session.accountId ? '  (owner)' : '';
        ctx.out.line(`${o.id}  ${o.metadata.organizationType.padEnd(8)}  ${o.name}${owner}`);
      }
      ctx.out.line(plural(orgs.length, 'organization'));
      return;
    }
    case 'create': {
      const [name] = words(rest, ['name'], sub);
      const { client } = await ctx.session();
      const org = await client.createOrg(name!);
      ctx.out.line(`Created organization ${org.name} (${org.id}); you are its owner.`);
      return;
    }
    case 'members': {
      const [orgId] = words(rest, ['orgId'], sub);
      const { client } = await ctx.session();
      const members = await client.members(orgId!);
      for (const m of members) {
        // a pending key is quarantined: nothing is wrapped for it until approved (docs/protocol.md §6, key approval)
        const key = m.keyStatus === 'pending' ? `key ${m.fingerprint || '(none)'} PENDING: compare it with them, then somnus org approve-key ${orgId} ${m.user_id} '<fingerprint>'` : `key ${m.fingerprint || '(none)'} approved`;
        ctx.out.line(`${m.user_id}  ${m.email}  ${m.role_name}  ${key}${m.lacks_keys ? '  (lacks keys: somnus org reshare)' : ''}`);
      }
      ctx.out.line(plural(members.length, 'member'));
      return;
    }
    case 'invite': {
      const [orgId, email] = words(rest, ['orgId', 'email'], sub);
      const role = parseRole(ctx.flags.role, 'member');
      const { client } = await ctx.session();
      const passphrase = await ctx.secrets.passphrase();
      const keys = await client.unwrapKeys(passphrase);
      const result = await client.invite(orgId!, email!, role, keys);
      const inv = result.invitation;
      ctx.out.line(`Invited ${inv.inviteeEmail} to ${orgId} as ${inv.role} (${inv.id}, expires ${inv.expiresAt}).`);
      if (result.inviteeHasAccount) {
        ctx.out.line(`${plural(result.projectsShared, 'project key')} wrapped for them; they get the keys when they accept.`);
      } else {
        ctx.out.line(`${inv.inviteeEmail} has no account yet: once they sign up and accept, run \`somnus org reshare ${orgId}\`.`);
      }
      if (result.reconciled.shared.length) ctx.out.line(`Also shared ${plural(result.reconciled.shared.length, 'key')} with members who lacked them.`);
      reportUnopenable(ctx, result.reconciled.unopenable);
      if (!inv.emailSent) ctx.out.note('The invitation email could not be sent; give them the invitation id.');
      return;
    }
    case 'invites': {
      words(rest, [], sub);
      const { client } = await ctx.session();
      const invites = await client.myInvites();
      for (const i of invites) {
        ctx.out.line(`${i.id}  ${i.organization.name} (${i.organization.id})  as ${i.role}  from ${i.inviter.name} <${i.inviter.email}>  expires ${i.expires_at}`);
      }
      ctx.out.line(invites.length ? `${plural(invites.length, 'invitation')}; accept with: somnus org accept <id>` : 'No pending invitations.');
      return;
    }
    case 'accept': {
      const [id] = words(rest, ['invitationId'], sub);
      const { client } = await ctx.session();
      // no code: the server asks for a verified email address instead (somnus verify)
      const joined = await client.acceptInvite(id!);
      ctx.out.line(`Joined ${joined.organizationId} as ${joined.role}; ${plural(joined.projectKeys, 'project key')} received.`);
      if (!joined.projectKeys) ctx.out.note('Keys for existing projects arrive when an admin runs `somnus org reshare`.');
      return;
    }
    case 'decline': {
      const [id] = words(rest, ['invitationId'], sub);
      const { client } = await ctx.session();
      await client.declineInvite(id!);
      ctx.out.line(`Declined ${id}.`);
      return;
    }
    case 'remove': {
      const [orgId, accountId] = words(rest, ['orgId', 'accountId'], sub);
      const { client } = await ctx.session();
      await client.removeMember(orgId!, accountId!);
      ctx.out.line(`Removed ${accountId} from ${orgId}; their keys to its projects were deleted.`);
      return;
    }
    case 'role': {
      const [orgId, accountId, rawRole] = words(rest, ['orgId', 'accountId', 'role'], sub);
      const role = parseRole(rawRole, 'member');
      const { client } = await ctx.session();
      await client.setRole(orgId!, accountId!, role);
      ctx.out.line(`${accountId} is now ${role} in ${orgId}.`);
      return;
    }
    case 'approve-key': {
      // the fingerprint may come quoted as one word or as its 6 groups
      if (rest.length < 3 || rest.some((w) => !w.trim())) throw new UsageError('usage: somnus org approve-key <orgId> <accountId|email> <fingerprint>');
      const [orgId, who] = rest as [string, string];
      const fingerprint = rest.slice(2).join(' ');
      const { client } = await ctx.session();
      let accountId = who;
      if (who.includes('@')) {
        const found = await client.members(orgId, { email: who.trim().toLowerCase() });
        if (!found[0]) throw new UsageError(`${who} is not a member of ${orgId}`);
        accountId = found[0].user_id;
      }
      const approved = await client.approveKey(orgId, accountId, fingerprint);
      ctx.out.line(`Approved the key ${approved.fingerprint} of ${who} in ${orgId}. Now share their keys: somnus org reshare ${orgId}`);
      return;
    }
    case 'reshare': {
      const [orgId] = words(rest, ['orgId'], sub);
      const { client } = await ctx.session();
      const passphrase = await ctx.secrets.passphrase();
      const result = await client.reshareKeys(orgId!, await client.unwrapKeys(passphrase));
      if (!result.shared.length && !result.skipped.length && !result.unopenable.length) {
        ctx.out.line('Nothing to share: every member holds every project key.');
        return;
      }
      const accounts = new Set(result.shared.map((k) => k.accountId));
      ctx.out.line(`Shared ${plural(result.shared.length, 'key')} with ${plural(accounts.size, 'member')}.`);
      if (result.skipped.length) {
        ctx.out.line(`${plural(result.skipped.length, 'key')} could not be shared: you hold no key for those projects yourself.`);
      }
      reportUnopenable(ctx, result.unopenable);
      return;
    }
    case 'leave': {
      const [orgId] = words(rest, ['orgId'], sub);
      const { client } = await ctx.session();
      await client.leaveOrg(orgId!);
      ctx.out.line(`Left ${orgId}.`);
      return;
    }
    default:
      throw new UsageError(sub ? `unknown subcommand org ${sub}` : USAGE);
  }
}

export const orgCommand: Command = {
  flags: ['url', 'role', 'passphraseStdin', 'trust'],
  subcommands: true,
  usesSession: true,
  run,
};
