import * as gcp from '@pulumi/gcp';
import type { StackConfig } from './config';

/** The Google APIs the stack uses, enabled by the stack itself (left enabled on destroy). */
export const REQUIRED_APIS = [
  'artifactregistry.googleapis.com',
  'cloudbuild.googleapis.com',
  'cloudfunctions.googleapis.com',
  'cloudscheduler.googleapis.com',
  'compute.googleapis.com',
  'iam.googleapis.com',
  'logging.googleapis.com',
  'pubsub.googleapis.com',
  'run.googleapis.com',
  'secretmanager.googleapis.com',
  'servicenetworking.googleapis.com',
  'sqladmin.googleapis.com',
  'storage.googleapis.com',
] as const;

export function enableApis(config: StackConfig): gcp.projects.Service[] {
  return REQUIRED_APIS.map(
    (service) =>
      new gcp.projects.Service(`api-${service.split('.')[0]}`, {
        project: config.project,
        service,
        disableOnDestroy: false,
        disableDependentServices: false,
      }),
  );
}
