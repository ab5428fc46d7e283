import { countSourceRequest, insertAccount, isUniqueViolation, recordAccountEvent, setTenantContext } from '@somnus/db';
import { createOrganizationWithOwner } from '@somnus/tenancy';
import { ID_PREFIX, type SignupBody, type SignupResponse } from '@somnus/models';
import { auditMeta, fail, newId, ok, transaction, type Anonymous, type Result } from '@somnus/runtime';
import type { AuthDeps } from '../deps';
import { MAX_SIGNUPS_PER_IP, SIGNUP_WINDOW_SECONDS } from '../policy';
import { rateLimited, requestRetryAfter } from '../rate-limit';

/**
 * Creates an account from client-made key material (the server never sees the passphrase or a key),
 * and its personal organization, in one transaction.
 */
export async function signup(deps: AuthDeps, actor: Anonymous, input: SignupBody): Promise<Result<SignupResponse>> {
  const accountId = newId(ID_PREFIX.account);
  const meta = auditMeta(actor);
  // counted in its own statement, before the transaction: a taken email (409) counts too (docs/architecture.md §7)
  const signups = meta.ip ? await countSourceRequest(deps.db, { scope: 'signup:ip', ip: meta.ip, windowSeconds: SIGNUP_WINDOW_SECONDS }) : null;
  const wait = requestRetryAfter(signups, MAX_SIGNUPS_PER_IP, deps.clock.now());
  if (wait !== null) return rateLimited(wait, 'Too many signups from this address; try again later');
  try {
    return await transaction(deps.db, async (tx) => {
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
      });
      await recordAccountEvent(tx, { accountId, type: 'account.signup', ...meta });
      // every account has a personal org from its first moment (current clients refuse to start without one)
      await setTenantContext(tx, { accountId, email: input.email });
      await createOrganizationWithOwner(tx, { name: 'Personal', type: 'personal', ownerAccountId: accountId, seatLimit: 1, ip: meta.ip });
      return ok({ accountId, email: input.email });
    });
  } catch (err) {
    // two signups racing for one email: the unique index decides, and the loser is told plainly
    if (isUniqueViolation(err, 'accounts_email_key')) return fail('EMAIL_TAKEN', 'An account with this email already exists');
    throw err;
  }
}
