import { getPool } from '@somnus/db';
import { orgConfig, serverSecret, systemClock, type BaseDeps } from '@somnus/runtime';

/** Invitation emails are outbox rows of the use case's transaction (docs/architecture.md §11.3): no mailer here. */
export interface InvitesDeps extends BaseDeps {
  config: {
    /** keys the HMAC of invitation acceptance codes */
    serverSecret: Buffer;
    orgSeatLimit: number | null;
    inviteTtlSeconds: number;
  };
}

export const invitesDeps = (): InvitesDeps => ({
  db: getPool(),
  clock: systemClock,
  config: { serverSecret: serverSecret(), ...orgConfig() },
});
