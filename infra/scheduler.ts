import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import type { StackConfig } from './config';
import { schedulerAccountId, type DeployedFunction } from './functions';

const isOperatorFunction = (d: DeployedFunction) => d.spec.trigger.type === 'http' && !d.spec.trigger.public && !!d.spec.trigger.invokers?.includes('operators');

/**
 * One Cloud Scheduler job per schedule in the registry. Each scheduled function gets its own scheduler
 * account, which is the only identity allowed to invoke it (besides any invokers its trigger lists); the
 * job POSTs with an OIDC token whose audience is the function's URL.
 */
export function createSchedules(config: StackConfig, functions: Record<string, DeployedFunction>): gcp.cloudscheduler.Job[] {
  const jobs: gcp.cloudscheduler.Job[] = [];
  for (const deployed of Object.values(functions)) {
    const schedules = deployed.spec.schedules ?? [];
    if (!schedules.length) continue;
    const name = deployed.spec.name;
    const sa = new gcp.serviceaccount.Account(`sa-sched-${name}`, {
      project: config.project,
      accountId: schedulerAccountId(name),
      displayName: `Cloud Scheduler → ${name}`,
    });
    new gcp.cloudrunv2.ServiceIamMember(`fn-${name}-invoker-scheduler`, {
      project: config.project,
      location: config.region,
      name: deployed.fn.name,
      role: 'roles/run.invoker',
      member: pulumi.interpolate`serviceAccount:${sa.email}`,
    });
    for (const s of schedules) {
      jobs.push(
        new gcp.cloudscheduler.Job(`job-${name}-${s.name}`, {
          project: config.project,
          region: config.region,
          name: `somnus-${name}-${s.name}`,
          description: s.description ?? `${name} ${s.path}`,
          schedule: s.cron,
          timeZone: 'Etc/UTC',
          attemptDeadline: '120s',
          retryConfig: { retryCount: 3, minBackoffDuration: '30s', maxBackoffDuration: '300s' },
          httpTarget: {
            httpMethod: 'POST',
            uri: pulumi.interpolate`${deployed.uri}${s.path}`,
            // an operator function checks the audience itself, against the URL infra gave it (functions.ts)
            oidcToken: { serviceAccountEmail: sa.email, audience: isOperatorFunction(deployed) ? deployed.audienceUrl : deployed.uri },
          },
        }),
      );
    }
  }
  return jobs;
}
