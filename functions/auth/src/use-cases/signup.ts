import { countSourceRequest, insertAccount, isUniqueViolation, markEmailVerified, recordAccountEvent, setTenantContext } from '@somnus/db';
import { createOrganizationWithOwner } from '@somnus/tenancy';
import { ID_PREFIX, type SignupBody, type SignupResponse } from '@somnus/models';
import { auditMeta, dispatchSoon, fail, newId, ok, transaction, type Anonymous, type Result } from '@somnus/runtime';
import type { AuthDeps } from '../deps';
import { MAX_SIGNUPS_PER_IP, SIGNUP_WINDOW_SECONDS } from '../policy';
import { rateLimited, requestRetryAfter } from '../rate-limit';
import { inviteTokenProves, issueVerification, type Verification } from '../verification';

/**
 * Creates an account from client-made key material (the server never sees the passphrase or a key),
 * and its personal organization, in one transaction. The address is not verified yet, unless the signup
 * carries the link token of a live invitation to it: the verification email (a link and a code,
 * docs/protocol.md §4.1) is made in the same transaction and sent after it.
 */
export async function signup(deps: AuthDeps, actor: Anonymous, input: SignupBody): Promise<Result<SignupResponse>> {
  const accountId = newId(ID_PREFIX.account);
  const meta = auditMeta(actor);
  // counted in its own statement, before the transaction: a taken email (409) counts too (docs/architecture.md §7)
  const signups = meta.ip ? await countSourceRequest(deps.db, { scope: 'signup:ip', ip: meta.ip, windowSeconds: SIGNUP_WINDOW_SECONDS }) : null;
  const wait = requestRetryAfter(signups, MAX_SIGNUPS_PER_IP, deps.clock.now());
  if (wait !== null) return rateLimited(wait, 'Too many signups from this address; try again later');
  let verification: Verification | null = null;
  try {
    const created = await transaction(deps.db, async (tx) => {
      await insertAccount(tx, {
        id: accountId,
        email: input.email,
        first_name: input.firstName,
        last_name: input.lastName,
        srp_profile: input.srpProfile,
        salt_key: input.saltKey,
        salt_auth: input.saltAuth,
        salt_enc: input.saltEnc,
        verifier: input.verifier,
        public_key: input.publicKey,
        enc_private_key: input.encPrivateKey,
        enc_symmetric_key: input.encSymmetricKey,
        email_newsletter: input.emailNewsletter ?? false,
        emailVerified: false,
      });
      await recordAccountEvent(tx, { accountId, type: 'account.signup', ...meta });
      // every account has a personal org from its first moment (current clients refuse to start without one)
      await setTenantContext(tx, { accountId, email: input.email });
      await createOrganizationWithOwner(tx, { name: 'Personal', type: 'personal', ownerAccountId: accountId, seatLimit: 1, ip: meta.ip });
      // signed up from an invitation's link: that email reached this mailbox, so the address is proven
      if (input.inviteToken && (await inviteTokenProves(tx, deps.config.serverSecret, input.email, input.inviteToken))) {
        await markEmailVerified(tx, accountId);
        await recordAccountEvent(tx, { accountId, type: 'account.email_verified', ...meta, details: { by: 'invitation' } });
        return ok({ accountId, email: input.email, isVerified: true });
      }
      // over the mail limits no email is made; the account asks again (POST /auth/verify) once it may
      const issued = await issueVerification(tx, deps, { id: accountId, email: input.email }, null);
      if ('verification' in issued) verification = issued.verification;
      return ok({ accountId, email: input.email, isVerified: false });
    });
    // queued with the account; published after the commit (the sweeper publishes it if this cannot)
    const queued = (verification as Verification | null)?.outboxId;
    if (created.ok && queued) dispatchSoon(deps.db, [queued]);
    return created;
  } catch (err) {
    // two signups racing for one email: the unique index decides, and the loser is told plainly
    if (isUniqueViolation(err, 'accounts_email_key')) return fail('EMAIL_TAKEN', 'An account with this email already exists');
    throw err;
  }
}
