/**
 * Profile registry. The implementations are plain (unfrozen) objects so tests can spy on
 * computeM2 to prove the server never derives M2 before M1 has been accepted.
 */
import { insomniaProfile } from './insomnia';
import { rfc2945Profile } from './rfc2945';
import type { ProfileImpl, SrpProfile } from './types';

export type { ProfileImpl, ProofContext, SrpProfile } from './types';

/** Insomnia first: it is the default and the only dialect real Insomnia clients speak. */
export const SRP_PROFILES: readonly SrpProfile[] = Object.freeze(['insomnia', 'rfc2945'] as const);
export const DEFAULT_SRP_PROFILE: SrpProfile = 'insomnia';

export const PROFILE_IMPLS: Readonly<Record<SrpProfile, ProfileImpl>> = Object.freeze({
  insomnia: insomniaProfile,
  rfc2945: rfc2945Profile,
});

export function isSrpProfile(value: unknown): value is SrpProfile {
  return typeof value === 'string' && (SRP_PROFILES as readonly string[]).includes(value);
}

/** Profiles come from configuration, not from clients: an unknown one is a programming error. */
export function getProfile(profile: SrpProfile): ProfileImpl {
  if (!isSrpProfile(profile)) throw new TypeError(`unknown SRP profile: ${String(profile)}`);
  return PROFILE_IMPLS[profile];
}
