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
  /** Connection URLs (secret Outputs) for node-postgres over the private IP, TLS required. */
  appUrl: pulumi.Output<string>;
  migratorUrl: pulumi.Output<string>;
}

/**
 * node-postgres with libpq's meaning of `sslmode=require`: always TLS. The server is reached over the
 * VPC's private IP, whose certificate names the instance rather than the IP, so the name is not verified.
 */
export function connectionUrl(user: string, password: pulumi.Input<string>, host: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.secret(
    pulumi
      .all([password, host])
      .apply(([pw, h]) => `postgres://${user}:${encodeURIComponent(pw)}@${h}:5432/${DATABASE_NAME}?uselibpqcompat=true&sslmode=require`),
  );
}

export function createDatabase(
  config: StackConfig,
  net: Network,
  creds: Generated,
  maxConnections: number,
  deps: pulumi.Resource[],
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
        databaseFlags: [
          // every function instance at full scale can hold its pool (functions.ts maxDatabaseConnections)
          { name: 'max_connections', value: String(maxConnections) },
          { name: 'log_min_duration_statement', value: '1000' },
          // slow statements are logged, but never their parameters: those carry verifiers, salts and wrapped keys
          { name: 'log_parameter_max_length', value: '0' },
          { name: 'log_parameter_max_length_on_error', value: '0' },
          // connection attempts without TLS are refused by sslMode; this logs them
          { name: 'log_connections', value: 'on' },
        ],
        userLabels: { app: 'somnus' },
      },
    },
    { dependsOn: [net.peering, ...deps], protect: true },
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
  };
}
