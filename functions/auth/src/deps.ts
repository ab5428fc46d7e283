import { getPool } from '@somnus/db';
import { serverSecret, sessionConfig, systemClock, type BaseDeps } from '@somnus/runtime';

/** Mail is an outbox row in the use case's transaction (docs/architecture.md §11.3): no mailer here. */
export interface AuthDeps extends BaseDeps {
  config: {
    /** fake salts for unknown emails, sealed SRP secrets, code HMACs */
    serverSecret: Buffer;
    sessionTtlSeconds: number;
  };
}

export const authDeps = (): AuthDeps => ({
  db: getPool(),
  clock: systemClock,
  config: { serverSecret: serverSecret(), sessionTtlSeconds: sessionConfig().sessionTtlSeconds },
});
