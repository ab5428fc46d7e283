import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import type { StackConfig } from './config';

export interface BuildIdentity {
  /** Cloud Build runs every function build as this account. */
  serviceAccount: gcp.serviceaccount.Account;
  /** The only Artifact Registry repository it may write: the functions' images and build caches. */
  repository: gcp.artifactregistry.Repository;
  /** What a function must wait for before its first build. */
  grants: pulumi.Resource[];
}

const DAY = 86_400;

/**
 * Who builds the functions, with what a build needs and no more (instead of `roles/cloudbuild.builds.builder`,
 * which can also create builds, push anywhere and read every bucket's objects): write the build's logs, read the
 * uploaded source, push the image to one repository. New projects give the default Compute Engine account no
 * roles, so builds need an account of their own anyway.
 */
export function createBuildIdentity(config: StackConfig): BuildIdentity {
  const serviceAccount = new gcp.serviceaccount.Account('sa-build', {
    project: config.project,
    accountId: 'somnus-build',
    displayName: 'Somnus function builds',
  });
  const member = pulumi.interpolate`serviceAccount:${serviceAccount.email}`;
  const repository = new gcp.artifactregistry.Repository('functions-images', {
    project: config.project,
    location: config.region,
    repositoryId: 'somnus-functions',
    format: 'DOCKER',
    description: 'Images of the Somnus functions, built by Cloud Build from their source archives',
    // every deploy pushes a new image: keep the latest few of each function, drop the rest after a month
    cleanupPolicies: [
      { id: 'keep-latest', action: 'KEEP', mostRecentVersions: { keepCount: 5 } },
      { id: 'drop-old', action: 'DELETE', condition: { tagState: 'ANY', olderThan: `${30 * DAY}s` } },
    ],
  });
  const grants: pulumi.Resource[] = [];
  // the build's own log lines (Cloud Logging is project-wide)
  grants.push(new gcp.projects.IAMMember('build-log-writer', { project: config.project, role: 'roles/logging.logWriter', member }));
  // the function source, which Cloud Functions copies into its own gcf-v2-sources-<number>-<region> bucket: that
  // bucket exists only after the first deploy, so the grant is project-wide (README: no secrets in buckets here)
  grants.push(new gcp.projects.IAMMember('build-source-reader', { project: config.project, role: 'roles/storage.objectViewer', member }));
  // the built image and its layer cache, into this repository only
  grants.push(
    new gcp.artifactregistry.RepositoryIamMember('build-pushes-images', {
      project: config.project,
      location: config.region,
      repository: repository.name,
      role: 'roles/artifactregistry.writer',
      member,
    }),
  );
  return { serviceAccount, repository, grants };
}
