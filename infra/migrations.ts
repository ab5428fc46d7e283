import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { DEPLOYED_NODE_MAJOR } from '@somnus/models';
import type { Builder } from './build';
import type { StackConfig } from './config';
import type { Network } from './network';
import type { Secrets } from './secrets';

export const MIGRATION_JOB = 'somnus-migrate';

/**
 * The image the migration job runs: Docker Hub's official Node.js image of the deployed major, pinned by digest
 * (a tag can be moved to other content; the job holds both database secrets). To move it to a newer build:
 * `docker buildx imagetools inspect node:<major>-slim` gives the digest of the index.
 */
export const MIGRATION_IMAGE = {
  /** Where the digest was taken from; the tag's major must be DEPLOYED_NODE_MAJOR (infra/test/runtime.test.ts). */
  tag: `node:${DEPLOYED_NODE_MAJOR}-slim`,
  /** Its path on Docker Hub, which the remote repository below mirrors. */
  path: 'library/node',
  digest: 'sha256:83f487e0a63425e5b4d146fb5e5be574bcbe1b7b843d3ebafdd95eaf7767a7e5',
} as const;

/**
 * `pnpm migrate` in GCP: a Cloud Run job that runs the same runMigrations (node-pg-migrate, as the migrator)
 * from a bundle built with the functions, over the VPC to the private IP. Run it after `pulumi up`:
 *   gcloud run jobs execute somnus-migrate --region us-central1 --wait
 * Re-running is safe: applied migrations are skipped. The bundle lives in the source bucket and is mounted
 * read-only; the job unpacks it and runs it on MIGRATION_IMAGE, pulled through an Artifact Registry remote
 * repository of Docker Hub (Cloud Run pulls from the project's own registry, not from Docker Hub directly).
 */
export function createMigrationJob(
  config: StackConfig,
  builder: Builder,
  network: Network,
  secrets: Secrets,
  bucket: gcp.storage.Bucket,
  databaseCa: pulumi.Input<string>,
  deps: pulumi.Resource[],
): { job: gcp.cloudrunv2.Job; command: string } {
  const bundle = builder.migrationBundle();
  const object = new gcp.storage.BucketObject('source-migrate', {
    bucket: bucket.name,
    name: `migrate/migrate-${bundle.hash}.tgz`,
    source: bundle.asset,
  });
  const dockerHub = new gcp.artifactregistry.Repository('docker-hub', {
    project: config.project,
    location: config.region,
    repositoryId: 'docker-hub',
    format: 'DOCKER',
    mode: 'REMOTE_REPOSITORY',
    description: 'Docker Hub, mirrored: the migration job pulls its Node.js image from here',
    remoteRepositoryConfig: { dockerRepository: { publicRepository: 'DOCKER_HUB' } },
  });
  const image = pulumi.interpolate`${config.region}-docker.pkg.dev/${config.project}/${dockerHub.repositoryId}/${MIGRATION_IMAGE.path}@${MIGRATION_IMAGE.digest}`;

  const sa = new gcp.serviceaccount.Account('sa-migrate', {
    project: config.project,
    accountId: 'somnus-migrate',
    displayName: 'Somnus migration job',
  });
  const member = pulumi.interpolate`serviceAccount:${sa.email}`;
  const grants: pulumi.Resource[] = [
    // the bundle it unpacks, mounted from the source bucket
    new gcp.storage.BucketIAMMember('migrate-reads-bundle', { bucket: bucket.name, role: 'roles/storage.objectViewer', member }),
  ];
  const envSecrets = { MIGRATION_DATABASE_URL: 'migrator-database-url', SOMNUS_APP_DB_PASSWORD: 'app-db-password' } as const;
  for (const [, name] of Object.entries(envSecrets)) {
    grants.push(
      // the migrator's URL to migrate, and the app role's password to set (as a SCRAM verifier)
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
          // implicit-dirs: the bundle is at migrate/…, and Cloud Storage has no object for the `migrate/` folder
          // itself; without it gcsfuse shows an empty mount
          volumes: [{ name: 'bundle', gcs: { bucket: bucket.name, readOnly: true, mountOptions: ['implicit-dirs'] } }],
          containers: [
            {
              name: 'migrate',
              image,
              commands: ['/bin/sh', '-c'],
              args: ['set -e; mkdir -p /tmp/migrate; tar -xzf "/mnt/bundle/$BUNDLE" -C /tmp/migrate; cd /tmp/migrate; exec node dist/migrate.js'],
              envs: [
                { name: 'BUNDLE', value: object.name },
                { name: 'NODE_ENV', value: 'production' },
                // the URL says sslmode=verify-ca; this is the CA the server's certificate must chain to (public)
                { name: 'DATABASE_CA_CERT', value: databaseCa },
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
