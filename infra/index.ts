/**
 * The Pulumi program (Pulumi.yaml at the repo root: `main: infra/`). `pulumi up` builds every function of
 * the registry with esbuild, uploads it and deploys the stack; see README "Deploy to GCP".
 */
import { FUNCTION_REGISTRY, ROUTES } from '@somnus/models';
import { esbuildBuilder } from './build';
import { loadConfig } from './config';
import { createStack } from './stack';

const { outputs } = createStack({ config: loadConfig(), registry: FUNCTION_REGISTRY, routes: ROUTES, builder: esbuildBuilder() });

export const publicUrl = outputs.publicUrl;
export const loadBalancerIp = outputs.loadBalancerIp;
export const incidentsUrl = outputs.incidentsUrl;
export const privateFunctionUrls = outputs.privateFunctionUrls;
export const topics = outputs.topics;
export const instanceConnectionName = outputs.instanceConnectionName;
export const migrationJob = outputs.migrationJob;
export const migrateCommand = outputs.migrateCommand;
