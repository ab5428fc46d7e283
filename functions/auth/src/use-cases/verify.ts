import {
  countCodeAttempt,
  findAccountById,
  lockAccount,
  lockOpenAccountCode,
  lockVerificationCodeByLink,
  markAccountCodeUsed,
  markEmailVerified,
  recordAccountEvent,
} from '@somnus/db';
import type { VerifyBody, VerifyResponse } from '@somnus/models';
import {
  auditMeta,
  constantTimeEqual,
  dispatchSoon,
  fail,
  failAndKeep,
  hashLinkToken,
  LINK_TOKEN,
  ok,
  transaction,
  type Anonymous,
  type Result,
  type SessionActor,
} from '@somnus/runtime';
import { hashCode } from '../codes';
import type { AuthDeps } from '../deps';
import { MAX_CODE_ATTEMPTS } from '../policy';
import { inviteTokenProves, issueVerification } from '../verification';

const VERIFIED = 'Your email address is confirmed.';
const ALREADY = 'Your email address was already confirmed.';
const WRONG_CODE = 'The code is wrong or was already used; ask for a new email with POST /auth/verify (somnus verify --resend)';
const BAD_LINK = 'This link is not valid: it was replaced by a newer email, or it is incomplete. Log in and ask for a new email (somnus verify --resend).';
const INVITE_LINK =
  'This is the link of an invitation. Opening it confirms nothing by itself: sign up with it (somnus signup --invite <this link>), ' +
  'or if you already have an account with the invited address, log in and run somnus verify --invite <this link>. Then accept the invitation.';

const answer = (isVerified: boolean, message: string): Result<VerifyResponse> => ok({ ok: true as const, isVerified, message });

/**
 * GET /auth/verify (docs/protocol.md §4.1), the link of an email, without a session. `?token=` is a
 * verification email's link: single use, it verifies the account it was made for. Found by its keyed hash
 * through a unique index, and compared again in constant time. `?invite=` is an invitation's link: it only
 * explains how to use it, because verifying whatever account holds the invited address would let someone
 * who signed up with another person's address have it confirmed by that person's click (or mail scanner).
 */
export async function verifyLink(deps: AuthDeps, actor: Anonymous, query: { token?: string; invite?: string }): Promise<Result<VerifyResponse>> {
  if (query.token === undefined) {
    return query.invite !== undefined ? answer(false, INVITE_LINK) : fail('VALIDATION_ERROR', 'token is required: open the link of the verification email');
  }
  const token = query.token.trim().toLowerCase();
  if (!LINK_TOKEN.test(token)) return fail('INVALID_CODE', BAD_LINK);
  const hash = hashLinkToken(deps.config.serverSecret, 'email-verification-link', token);
  return transaction(deps.db, async (tx) => {
    const code = await lockVerificationCodeByLink(tx, hash);
    if (!code?.link_hash || !constantTimeEqual(code.link_hash, hash)) return fail('INVALID_CODE', BAD_LINK);
    // a link opened twice (a mail scanner first, then its reader) tells the reader it worked
    if (code.used_at) return answer(true, ALREADY);
    if (code.expires_at.getTime() <= deps.clock.now().getTime()) {
      return fail('CODE_EXPIRED', 'This link has expired; log in and ask for a new email (somnus verify --resend)');
    }
    await markAccountCodeUsed(tx, code.id);
    const first = await markEmailVerified(tx, code.account_id);
    if (first) await recordAccountEvent(tx, { accountId: code.account_id, type: 'account.email_verified', ...auditMeta(actor), details: { by: 'link' } });
    return answer(true, first ? VERIFIED : ALREADY);
  });
}

/**
 * POST /auth/verify with the session (docs/protocol.md §4.1): `{code}` verifies with the code of the
 * latest verification email, `{inviteToken}` with an invitation's link (below) (5 wrong tries, counted and committed although the request fails); no body
 * sends that email again, within the mail limits (docs/architecture.md §11.1: 429 beyond them).
 */
export async function verify(deps: AuthDeps, actor: SessionActor, body: VerifyBody): Promise<Result<VerifyResponse>> {
  if (body.code !== undefined) return verifyWithCode(deps, actor, body.code);
  if (body.inviteToken !== undefined) return verifyWithInvitation(deps, actor, body.inviteToken);
  return resendVerification(deps, actor);
}

/**
 * `{inviteToken}`: the token of an invitation's link, used from the session of the account whose email the
 * invitation went to (docs/protocol.md §6). Only from that session: opening the link verifies nothing, so
 * someone who signed up with another person's address cannot have it verified by that person's click. The
 * token stays good while its invitation is live (it proves the same mailbox each time); a wrong one is
 * `INVALID_CODE` like a wrong code, without a counter, since it is 256 random bits.
 */
async function verifyWithInvitation(deps: AuthDeps, actor: SessionActor, token: string): Promise<Result<VerifyResponse>> {
  // the email in the context is what RLS shows invitations for: this account's address, proven or not
  return transaction(
    deps.db,
    async (tx) => {
      const account = await lockAccount(tx, actor.accountId);
      if (!account) return fail('UNAUTHORIZED', 'Account no longer exists');
      if (account.email_verified_at) return answer(true, ALREADY);
      if (!(await inviteTokenProves(tx, deps.config.serverSecret, account.email, token))) {
        return fail('INVALID_CODE', 'This is not the link of a live invitation to your address');
      }
      await markEmailVerified(tx, account.id);
      await recordAccountEvent(tx, { accountId: account.id, type: 'account.email_verified', ...auditMeta(actor), details: { by: 'invitation' } });
      return answer(true, VERIFIED);
    },
    { accountId: actor.accountId, email: actor.email },
  );
}

async function verifyWithCode(deps: AuthDeps, actor: SessionActor, typed: string): Promise<Result<VerifyResponse>> {
  return transaction(deps.db, async (tx) => {
    const account = await lockAccount(tx, actor.accountId);
    if (!account) return fail('UNAUTHORIZED', 'Account no longer exists');
    if (account.email_verified_at) return answer(true, ALREADY);
    const code = await lockOpenAccountCode(tx, account.id, 'email_verification');
    if (!code || code.attempts >= MAX_CODE_ATTEMPTS) return fail('INVALID_CODE', WRONG_CODE);
    if (code.expires_at.getTime() <= deps.clock.now().getTime()) return fail('CODE_EXPIRED', 'The code has expired; ask for a new email with POST /auth/verify');
    if (!constantTimeEqual(code.code_hash, hashCode(deps.config.serverSecret, typed))) {
      await countCodeAttempt(tx, code.id);
      return failAndKeep('INVALID_CODE', WRONG_CODE);
    }
    await markAccountCodeUsed(tx, code.id);
    await markEmailVerified(tx, account.id);
    await recordAccountEvent(tx, { accountId: account.id, type: 'account.email_verified', ...auditMeta(actor), details: { by: 'code' } });
    return answer(true, VERIFIED);
  });
}

async function resendVerification(deps: AuthDeps, actor: SessionActor): Promise<Result<VerifyResponse>> {
  const known = await findAccountById(deps.db, actor.accountId);
  if (!known) return fail('UNAUTHORIZED', 'Account no longer exists');
  const issued = await transaction(deps.db, async (tx) => {
    // the row lock serialises re-sends of one account with its verification
    const account = await lockAccount(tx, known.id);
    if (!account) return fail<never>('UNAUTHORIZED', 'Account no longer exists');
    if (account.email_verified_at) return ok(null);
    const outcome = await issueVerification(tx, deps, account, { accountId: account.id });
    if ('allowance' in outcome) {
      const wait = outcome.allowance.retryAfterSeconds;
      return fail<never>('RATE_LIMITED', `Too many verification emails to this address; try again in ${wait} seconds`, { headers: { 'Retry-After': String(wait) } });
    }
    await recordAccountEvent(tx, { accountId: account.id, type: 'account.verification_sent', ...auditMeta(actor) });
    return ok(outcome.verification);
  });
  if (!issued.ok) return issued;
  if (!issued.value) return answer(true, ALREADY);
  if (issued.value.outboxId) dispatchSoon(deps.db, [issued.value.outboxId]);
  return answer(false, 'A new verification email is on its way; the earlier link and code no longer work.');
}
