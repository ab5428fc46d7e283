import { findAccountById } from '@somnus/db';
import type { ProfileResponse } from '@somnus/models';
import { fail, ok, type Result, type SessionActor } from '@somnus/runtime';
import type { KeysDeps } from '../deps';

/** The startup profile call of current clients (docs/protocol.md §6); social fields are not collected. */
export async function profile(deps: KeysDeps, actor: SessionActor): Promise<Result<ProfileResponse>> {
  const a = await findAccountById(deps.db, actor.accountId);
  if (!a) return fail('UNAUTHORIZED', 'Account no longer exists');
  return ok({
    id: a.id,
    email: a.email,
    name: [a.first_name, a.last_name].filter(Boolean).join(' '),
    picture: '',
    bio: '',
    github: '',
    linkedin: '',
    twitter: '',
    identities: [],
    given_name: a.first_name,
    family_name: a.last_name,
  });
}
