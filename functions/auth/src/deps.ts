import { getPool } from '@somnus/db';
import { serverSecret, sessionConfig, smtpMailer, systemClock, type BaseDeps, type Mailer } from '@somnus/runtime';

export interface AuthDeps extends BaseDeps {
  mail: Mailer;
  config: {
    /** fake salts for unknown emails, sealed SRP secrets, code HMACs */
    serverSecret: Buffer;
    sessionTtlSeconds: number;
  };
}

export const authDeps = (): AuthDeps => ({
  db: getPool(),
  clock: systemClock,
  mail: smtpMailer(),
  config: { serverSecret: serverSecret(), sessionTtlSeconds: sessionConfig().sessionTtlSeconds },
});
