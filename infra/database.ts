import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import type { StackConfig } from './config';
import type { Network } from './network';
import type { Generated } from './secrets';

export const DATABASE_NAME = 'somnus';
export const MIGRATOR_USER = 'somnus_migrator';
/** The name the migrations grant to (packages/db/migrations); created by the migration job, see migrate-job/main.ts. */
export const APP_USER = 'somnus_app';

export interface Database {
  instance: gcp.sql.DatabaseInstance;
  database: gcp.sql.Database;
  migrator: gcp.sql.User;
  /** Connection URLs (secret Outputs) for node-postgres over the private IP, TLS with the server verified. */
  appUrl: pulumi.Output<string>;
  migratorUrl: pulumi.Output<string>;
  /**
   * The instance's own server CA (PEM), which its server certificate must chain to. Not a secret: clients get
   * it as DATABASE_CA_CERT next to the URL.
   */
  serverCa: pulumi.Output<string>;
}

/**
 * libpq's `sslmode=verify-ca`: TLS, and the server's certificate must be signed by the instance's CA
 * (DATABASE_CA_CERT, see connectionConfig in packages/db). The host name is not compared: the server is reached
 * on the VPC's private IP, and its certificate names the instance, not the IP.
 */
export function connectionUrl(user: string, password: pulumi.Input<string>, host: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.secret(
    pulumi.all([password, host]).apply(([pw, h]) => `postgres://${user}:${encodeURIComponent(pw)}@${h}:5432/${DATABASE_NAME}?sslmode=verify-ca`),
  );
}

/**
 * Every database flag the stack sets, each one a flag of Cloud SQL's list for PostgreSQL 17 (an unsupported flag
 * fails the instance's creation; infra/test/stack.test.ts (CONFIRMED_FLAGS) keeps the list and where each was confirmed).
 * `max_connections` is derived from every function's maxInstances (functions.ts maxDatabaseConnections): raising
 * somnus:maxInstances or a function's override changes it, and a new max_connections restarts the instance.
 *
 * Not set: log_parameter_max_length and log_parameter_max_length_on_error, which could not be confirmed in that
 * list, and therefore not log_min_duration_statement either: without the former a logged slow statement carries
 * its bind parameters (verifiers, salts, wrapped keys). Slow queries show in Query Insights, which keeps
 * normalised query text; statements logged for an error carry no parameters (Postgres' default
 * log_parameter_max_length_on_error is 0).
 */
export function databaseFlags(maxConnections: number): { name: string; value: string }[] {
  return [
    // changing it restarts the instance (see above); every function instance at full scale can hold its pool
    { name: 'max_connections', value: String(maxConnections) },
    // connection attempts without TLS are refused by sslMode; this logs every attempt, and no secret is in one
    { name: 'log_connections', value: 'on' },
  ];
}

export function createDatabase(
  config: StackConfig,
  net: Network,
  creds: Generated,
  maxConnections: number,
): Database {
  const instance = new gcp.sql.DatabaseInstance(
    'postgres',
    {
      project: config.project,
      name: 'somnus-pg',
      region: config.region,
      databaseVersion: 'POSTGRES_17',
      deletionProtection: true,
      settings: {
        edition: 'ENTERPRISE',
        tier: config.db.tier,
        availabilityType: config.db.availabilityType,
        diskType: 'PD_SSD',
        diskSize: config.db.diskSizeGb,
        diskAutoresize: true,
        deletionProtectionEnabled: true,
        ipConfiguration: {
          ipv4Enabled: false,
          privateNetwork: net.network.id,
          sslMode: 'ENCRYPTED_ONLY',
          // a CA of this instance alone: verify-ca then accepts this server and no other Cloud SQL instance
          serverCaMode: 'GOOGLE_MANAGED_INTERNAL_CA',
          enablePrivatePathForGoogleCloudServices: false,
        },
        backupConfiguration: {
          enabled: true,
          startTime: config.db.backupStartTime,
          location: config.region,
          pointInTimeRecoveryEnabled: true,
          transactionLogRetentionDays: 7,
          backupRetentionSettings: { retainedBackups: 14, retentionUnit: 'COUNT' },
        },
        insightsConfig: {
          queryInsightsEnabled: true,
          queryStringLength: 1024,
          // client addresses and application tags add nothing here and stay out of the insights
          recordClientAddress: false,
          recordApplicationTags: false,
        },
        maintenanceWindow: { day: 7, hour: 4, updateTrack: 'stable' },
        databaseFlags: databaseFlags(maxConnections),
        userLabels: { app: 'somnus' },
      },
    },
    { dependsOn: [net.peering], protect: true },
  );
  const database = new gcp.sql.Database('database', { project: config.project, instance: instance.name, name: DATABASE_NAME });
  // A Cloud SQL user: member of cloudsqlsuperuser, so it can create the app role and owns what it migrates.
  const migrator = new gcp.sql.User('migrator', {
    project: config.project,
    instance: instance.name,
    name: MIGRATOR_USER,
    type: 'BUILT_IN',
    password: pulumi.secret(creds.migratorPassword.result),
  });
  return {
    instance,
    database,
    migrator,
    appUrl: connectionUrl(APP_USER, creds.appPassword.result, instance.privateIpAddress),
    migratorUrl: connectionUrl(MIGRATOR_USER, creds.migratorPassword.result, instance.privateIpAddress),
    serverCa: instance.serverCaCerts.apply((certs) => {
      const cert = certs[0]?.cert;
      if (!cert) throw new Error('the Cloud SQL instance reports no server CA certificate');
      return cert;
    }),
  };
}
