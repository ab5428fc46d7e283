import { findAccountById } from '@somnus/db';
import { SELF_HOSTED_PLAN, type WhoamiResponse } from '@somnus/models';
import { fail, ok, orgConfig, type Result, type SessionActor } from '@somnus/runtime';
import type { AuthDeps } from '../deps';

/**
 * whoami: everything a client needs to unwrap its keys, plus the plan fields current clients type.
 * There is no billing: every account is a paid-up account of the self-hosted plan. `isVerified` is the
 * truth: whether the email address is verified (docs/protocol.md §4.1).
 */
export async function whoami(deps: AuthDeps, actor: SessionActor): Promise<Result<WhoamiResponse>> {
  const a = await findAccountById(deps.db, actor.accountId);
  if (!a) return fail('UNAUTHORIZED', 'Account no longer exists');
  const { session } = actor;
  return ok({
    sessionAge: Math.floor((deps.clock.now().getTime() - session.created_at.getTime()) / 1000),
    sessionExpiry: session.expires_at.getTime(),
    accountId: a.id,
    email: a.email,
    firstName: a.first_name,
    lastName: a.last_name,
    created: a.created_at.getTime(),
    publicKey: a.public_key,
    encSymmetricKey: a.enc_symmetric_key,
    encPrivateKey: a.enc_private_key,
    saltEnc: a.salt_enc,
    isPaymentRequired: false,
    isTrialing: false,
    isVerified: a.email_verified_at !== null,
    isAdmin: false,
    trialEnd: '',
    planName: SELF_HOSTED_PLAN.planName,
    planId: SELF_HOSTED_PLAN.planId,
    // any account may create and run team organizations (the role model gives the creator the owner role)
    canManageTeams: true,
    // the seats of a team organization; 0 when the deployment sets no limit, as in current-plan's quantity
    maxTeamMembers: orgConfig().orgSeatLimit ?? 0,
    passwordSet: true,
    canUnsetPassword: false,
    unsubscribedFromEmails: !a.email_newsletter,
  });
}
