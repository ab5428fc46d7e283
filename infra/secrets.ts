import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import type { SecretName } from '@somnus/models';
import type { StackConfig } from './config';

/** Every secret of the stack, including the two only the migration job reads. */
export type StackSecretName = SecretName | 'migrator-database-url' | 'app-db-password';

export interface StackSecret {
  secret: gcp.secretmanager.Secret;
  version: gcp.secretmanager.SecretVersion;
}

export type Secrets = Record<StackSecretName, StackSecret>;

/** Generated values: created once, kept in the state encrypted, and only ever handed on as Secret Manager secrets. */
export interface Generated {
  migratorPassword: random.RandomPassword;
  appPassword: random.RandomPassword;
  serverSecret: random.RandomId;
  /** The Ed25519 seed that signs key-history heads (docs/key-authenticity.md §2.2). */
  keyHistorySigningKey: random.RandomId;
}

export function generateCredentials(): Generated {
  const password = (name: string) => new random.RandomPassword(name, { length: 40, special: false });
  return {
    migratorPassword: password('db-migrator-password'),
    appPassword: password('db-app-password'),
    // 32 random bytes as 64 hex characters: what SOMNUS_SERVER_SECRET requires
    serverSecret: new random.RandomId('server-secret', { byteLength: 32 }),
    // 32 random bytes as 64 hex: an Ed25519 seed, what SOMNUS_KEY_HISTORY_SIGNING_KEY requires. Replacing it
    // makes every client that pinned the old public key refuse the new one until its user re-pins.
    keyHistorySigningKey: new random.RandomId('key-history-signing-key', { byteLength: 32 }),
  };
}

/** A secret replicated only in the stack's region, and its one version. */
export function createSecret(
  config: StackConfig,
  name: StackSecretName,
  value: pulumi.Input<string>,
): StackSecret {
  const secret = new gcp.secretmanager.Secret(`secret-${name}`, {
    project: config.project,
    secretId: `somnus-${name}`,
    replication: { userManaged: { replicas: [{ location: config.region }] } },
    labels: { app: 'somnus' },
  });
  const version = new gcp.secretmanager.SecretVersion(`secret-${name}-version`, {
    secret: secret.id,
    secretData: pulumi.secret(value),
  });
  return { secret, version };
}
