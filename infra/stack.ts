import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { TOPICS, checkRegistry, type FunctionSpec, type RouteDef } from '@somnus/models';
import { dependOnApis, enableApis } from './apis';
import type { Builder } from './build';
import { createBuildIdentity } from './builds';
import type { StackConfig } from './config';
import { createDatabase } from './database';
import { createFunctions, maxDatabaseConnections } from './functions';
import { createGateway } from './gateway';
import { createMigrationJob } from './migrations';
import { createNetwork } from './network';
import { createPubSub } from './pubsub';
import { createSchedules } from './scheduler';
import { createSecret, generateCredentials, type Secrets } from './secrets';

export interface StackInputs {
  config: StackConfig;
  registry: readonly FunctionSpec[];
  routes: readonly RouteDef[];
  builder: Builder;
}

/**
 * The whole deployment, from the config, the function registry and the route table. index.ts calls it with
 * the real ones; the tests call it with fixtures under pulumi mocks.
 */
export function createStack({ config, registry, routes, builder }: StackInputs) {
  const problems = checkRegistry(registry, routes);
  if (problems.length) throw new Error(`function registry and route table disagree:\n  ${problems.join('\n  ')}`);

  const apis = enableApis(config);
  // from here on, every resource waits for the APIs it calls (docs/architecture.md §5.3)
  pulumi.runtime.registerStackTransformation(dependOnApis(apis));
  const net = createNetwork(config);
  const creds = generateCredentials();
  const db = createDatabase(config, net, creds, maxDatabaseConnections(config, registry));

  const secret = (name: keyof Secrets, value: pulumi.Input<string>) => createSecret(config, name, value);
  const secrets: Secrets = {
    'database-url': secret('database-url', db.appUrl),
    'migrator-database-url': secret('migrator-database-url', db.migratorUrl),
    'app-db-password': secret('app-db-password', creds.appPassword.result),
    'server-secret': secret('server-secret', creds.serverSecret.hex),
    'key-history-signing-key': secret('key-history-signing-key', creds.keyHistorySigningKey.hex),
    'smtp-url': secret('smtp-url', config.smtpUrl),
    'git-oauth': secret('git-oauth', config.gitOAuth),
  };

  const pubsub = createPubSub(config);

  // Function archives and the migration bundle. No lifecycle rule: objects are named by their content and the
  // stack's state points at them, so one deleted by age would break the next rebuild or migration run; Pulumi
  // deletes an archive itself once a new one replaces it.
  const sourceBucket = new gcp.storage.Bucket('source-bucket', {
    project: config.project,
    name: `${config.project}-somnus-sources`,
    location: config.region.toUpperCase(),
    uniformBucketLevelAccess: true,
    publicAccessPrevention: 'enforced',
  });
  const build = createBuildIdentity(config);

  const functions = createFunctions({
    config,
    registry,
    builder,
    network: net,
    secrets,
    pubsub,
    sourceBucket,
    build,
    databaseCa: db.serverCa,
    dependsOn: [...build.grants, db.database],
  });
  const gateway = createGateway(config, routes, functions, Object.values(apis));
  createSchedules(config, functions);
  const migrations = createMigrationJob(config, builder, net, secrets, sourceBucket, db.serverCa, [db.database, db.migrator]);

  const privateFunctionUrls: Record<string, pulumi.Output<string>> = {};
  for (const f of Object.values(functions)) {
    if (!(f.spec.trigger.type === 'http' && f.spec.trigger.public)) privateFunctionUrls[f.spec.name] = f.uri;
  }

  return {
    functions,
    gateway,
    outputs: {
      publicUrl: gateway.publicUrl,
      loadBalancerIp: gateway.address.address,
      /** The operator endpoint (`/ops/incidents…`), once the `incidents` function is in the registry. */
      incidentsUrl: functions.incidents ? functions.incidents.audienceUrl : pulumi.output('(incidents is not deployed yet)'),
      privateFunctionUrls,
      topics: Object.fromEntries(
        TOPICS.map((t) => [t, { topic: pubsub.topics[t].topic.name, deadLetter: pubsub.topics[t].deadLetter.name, deadLetterInspect: pubsub.topics[t].deadLetterInspect.name }]),
      ),
      instanceConnectionName: db.instance.connectionName,
      migrationJob: migrations.job.name,
      migrateCommand: pulumi.output(migrations.command),
    },
  };
}
