import type { Pool } from 'pg';
import { findAccountById, type SessionRow } from '@somnus/db';
import type { WhoamiResponse } from '@somnus/models';

/**
 * whoami: everything a client needs to unwrap its keys, plus the plan fields current clients type.
 * There is no billing: every account is a verified, paid-up account of the self-hosted plan.
 */
export async function whoami(db: Pool, session: SessionRow): Promise<WhoamiResponse | null> {
  const a = await findAccountById(db, session.account_id);
  if (!a) return null;
  return {
    sessionAge: Math.floor((Date.now() - session.created_at.getTime()) / 1000),
    sessionExpiry: session.expires_at.toISOString(),
    accountId: a.id,
    email: a.email,
    firstName: a.first_name,
    lastName: a.last_name,
    created: a.created_at.toISOString(),
    publicKey: a.public_key,
    encSymmetricKey: a.enc_symmetric_key,
    encPrivateKey: a.enc_private_key,
    saltEnc: a.salt_enc,
    isPaymentRequired: false,
    isTrialing: false,
    isVerified: true,
    isAdmin: false,
    trialEnd: '',
    planName: 'Self-hosted',
    planId: 'self-hosted',
    canManageTeams: true,
    maxTeamMembers: 0,
    passwordSet: true,
    canUnsetPassword: false,
    unsubscribedFromEmails: !a.email_newsletter,
  };
}
