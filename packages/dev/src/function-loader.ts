import type http from 'node:http';
import path from 'node:path';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { FUNCTION_REGISTRY, type FunctionSpec, type RegisteredFunctionName } from '@somnus/models';

/**
 * Loads functions from their registry entries, the way the local stack, the test harness and the infra
 * build all find them: the entry file is `<source>/src/index.ts`, which registers the function with
 * functions-framework under its `entryPoint` when imported. Nothing else needs to know a function's
 * package name, so a new function is its registry entry and its folder (docs/architecture.md §5).
 */

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

export function functionEntryFile(spec: Pick<FunctionSpec, 'source'>): string {
  return path.join(REPO_ROOT, spec.source, 'src', 'index.ts');
}

/** Imports the function (once per module registry) and returns its in-process server. */
export function loadFunction(spec: FunctionSpec): http.Server {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(functionEntryFile(spec));
  return getTestServer(spec.entryPoint);
}

export function registrySpec(name: RegisteredFunctionName): FunctionSpec {
  const spec = (FUNCTION_REGISTRY as readonly FunctionSpec[]).find((f) => f.name === name);
  if (!spec) throw new Error(`no function ${name} in FUNCTION_REGISTRY`);
  return spec;
}

/** Every registered function, or the named ones, each as an in-process server. Set config (env) first. */
export function loadFunctions<N extends RegisteredFunctionName>(names?: readonly N[]): Record<N, http.Server> {
  const wanted = names ?? (FUNCTION_REGISTRY.map((f) => f.name) as N[]);
  return Object.fromEntries(wanted.map((name) => [name, loadFunction(registrySpec(name))])) as Record<N, http.Server>;
}
