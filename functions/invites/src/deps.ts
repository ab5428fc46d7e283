import { getPool } from '@somnus/db';
import { orgConfig, serverSecret, smtpMailer, systemClock, type BaseDeps, type Mailer } from '@somnus/runtime';

export interface InvitesDeps extends BaseDeps {
  mail: Mailer;
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
  mail: smtpMailer(),
  config: { serverSecret: serverSecret(), ...orgConfig() },
});
