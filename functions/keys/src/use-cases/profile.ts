import type { Pool } from 'pg';
import { findAccountById, type SessionRow } from '@somnus/db';
import type { ProfileResponse } from '@somnus/models';

/** The startup profile call of current clients (wire-protocol §6); social fields are not collected. */
export async function profile(db: Pool, session: SessionRow): Promise<ProfileResponse | null> {
  const a = await findAccountById(db, session.account_id);
  if (!a) return null;
  return {
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
  };
}
