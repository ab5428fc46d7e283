import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import type { Builder } from './build';
import type { StackConfig } from './config';
import type { Network } from './network';
import type { Secrets } from './secrets';

export const MIGRATION_JOB = 'somnus-migrate';

/**
 * `pnpm migrate` in GCP: a Cloud Run job that runs the same runMigrations (node-pg-migrate, as the migrator)
 * from a bundle built with the functions, over the VPC to the private IP. Run it after `pulumi up`:
 *   gcloud run jobs execute somnus-migrate --region us-central1 --wait
 * Re-running is safe: applied migrations are skipped. The bundle lives in the source bucket and is mounted
 * read-only; the job unpacks it and runs it on the stock Node 20 image.
 */
export function createMigrationJob(
  config: StackConfig,
  builder: Builder,
  network: Network,
  secrets: Secrets,
  bucket: gcp.storage.Bucket,
  deps: pulumi.Resource[],
): { job: gcp.cloudrunv2.Job; command: string } {
  const bundle = builder.migrationBundle();
  const object = new gcp.storage.BucketObject('source-migrate', {
    bucket: bucket.name,
    name: `migrate/migrate-${bundle.hash}.tgz`,
    source: bundle.asset,
  });
  const sa = new gcp.serviceaccount.Account('sa-migrate', {
    project: config.project,
    accountId: 'somnus-migrate',
    displayName: 'Somnus migration job',
  });
  const member = pulumi.interpolate`serviceAccount:${sa.email}`;
  const grants: pulumi.Resource[] = [
    new gcp.storage.BucketIAMMember('migrate-reads-bundle', { bucket: bucket.name, role: 'roles/storage.objectViewer', member }),
  ];
  const envSecrets = { MIGRATION_DATABASE_URL: 'migrator-database-url', SOMNUS_APP_DB_PASSWORD: 'app-db-password' } as const;
  for (const [, name] of Object.entries(envSecrets)) {
    grants.push(
      new gcp.secretmanager.SecretIamMember(`migrate-reads-${name}`, {
        project: config.project,
        secretId: secrets[name].secret.secretId,
        role: 'roles/secretmanager.secretAccessor',
        member,
      }),
    );
  }

  const job = new gcp.cloudrunv2.Job(
    'migrate-job',
    {
      project: config.project,
      name: MIGRATION_JOB,
      location: config.region,
      deletionProtection: false,
      template: {
        taskCount: 1,
        parallelism: 1,
        template: {
          serviceAccount: sa.email,
          executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN2',
          maxRetries: 0,
          timeout: '900s',
          vpcAccess: {
            networkInterfaces: [{ network: network.network.id, subnetwork: network.subnet.id }],
            egress: 'PRIVATE_RANGES_ONLY',
          },
          volumes: [{ name: 'bundle', gcs: { bucket: bucket.name, readOnly: true } }],
          containers: [
            {
              name: 'migrate',
              image: 'docker.io/library/node:20-slim',
              commands: ['/bin/sh', '-c'],
              args: ['set -e; mkdir -p /tmp/migrate; tar -xzf "/mnt/bundle/$BUNDLE" -C /tmp/migrate; cd /tmp/migrate; exec node dist/migrate.js'],
              envs: [
                { name: 'BUNDLE', value: object.name },
                { name: 'NODE_ENV', value: 'production' },
                ...Object.entries(envSecrets).map(([env, name]) => ({
                  name: env,
                  valueSource: { secretKeyRef: { secret: secrets[name].secret.secretId, version: secrets[name].version.version } },
                })),
              ],
              volumeMounts: [{ name: 'bundle', mountPath: '/mnt/bundle' }],
              resources: { limits: { cpu: '1', memory: '512Mi' } },
            },
          ],
        },
      },
    },
    { dependsOn: [...deps, ...grants] },
  );
  return { job, command: `gcloud run jobs execute ${MIGRATION_JOB} --region ${config.region} --project ${config.project} --wait` };
}
