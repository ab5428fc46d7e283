/**
 * Paths come from the shared route table rather than string literals scattered through the flows,
 * so a route renamed in @somnus/models fails at module load here instead of as a 404 at runtime.
 */
import type { HttpMethod, RouteDef } from '@somnus/models';

export function routePath(method: HttpMethod, path: string, routes: readonly RouteDef[]): string {
  if (!routes.some((r) => r.method === method && r.path === path)) {
    throw new Error(`@somnus/client: ${method} ${path} is not in the route table`);
  }
  return path;
}

/** Fills `:name` segments, percent-encoding each value so an id can never add a path segment. */
export function fillPath(path: string, params: Record<string, string>): string {
  return path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`missing path parameter ${name}`);
    return encodeURIComponent(value);
  });
}
