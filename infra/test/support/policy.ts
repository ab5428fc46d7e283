import type { Recorded, StackRun } from './harness';
import { T } from './harness';

/** Pulumi's marker for a secret value inside mocked inputs. */
export const SECRET_SIG = '4dabf18193072939515e22adb298388d';
export const isSecretWrapped = (v: unknown): boolean => typeof v === 'object' && v !== null && SECRET_SIG in v;

/** Every [path, value] leaf of an input tree. */
export function leaves(value: unknown, path = ''): [string, unknown][] {
  if (value === null || typeof value !== 'object') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, `${path}[${i}]`));
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => leaves(v, path ? `${path}.${k}` : k));
}

export interface Grant {
  member: string;
  /** What the grant is on, e.g. `project`, `secret:somnus-smtp-url`, `topic:breach-notifications`. */
  on: string;
  role: string;
}

/** Every IAM member grant of the stack, in one shape. */
export function grants(run: StackRun): Grant[] {
  const on = (r: Recorded): string => {
    switch (r.type) {
      case T.projectIam:
        return 'project';
      case T.secretIam:
        return `secret:${r.inputs.secretId}`;
      case T.topicIam:
        return `topic:${r.inputs.topic}`;
      case T.subIam:
        return `subscription:${r.inputs.subscription}`;
      case T.bucketIam:
        return `bucket:${r.inputs.bucket}`;
      case T.runIam:
        return `run:${r.inputs.name}`;
      case T.saIam:
        return `serviceAccount:${r.inputs.serviceAccountId}`;
      case T.repositoryIam:
        return `repository:${r.inputs.repository}`;
      default:
        throw new Error(`unknown IAM type ${r.type}`);
    }
  };
  return run.resources
    .filter((r) => /IamMember|IAMMember/.test(r.type))
    .map((r) => ({ member: r.inputs.member, on: on(r), role: r.inputs.role }));
}

/**
 * The URL map as the load balancer applies it: host rule → path matcher → the first route rule (by
 * priority) whose match rule matches the path → its service; otherwise the matcher's default service.
 */
export function routeThroughUrlMap(urlMap: any, host: string, path: string): string {
  const hostRule = (urlMap.hostRules ?? []).find((h: any) => h.hosts.includes(host));
  if (!hostRule) return urlMap.defaultService;
  const matcher = urlMap.pathMatchers.find((m: any) => m.name === hostRule.pathMatcher);
  const rules = [...(matcher.routeRules ?? [])].sort((a: any, b: any) => a.priority - b.priority);
  for (const rule of rules) {
    for (const m of rule.matchRules) {
      if (m.fullPathMatch !== undefined && m.fullPathMatch === path) return rule.service;
      if (m.pathTemplateMatch !== undefined && templateMatches(m.pathTemplateMatch, path)) return rule.service;
      if (m.prefixMatch !== undefined && path.startsWith(m.prefixMatch)) return rule.service;
      if (m.regexMatch !== undefined && new RegExp(`^${m.regexMatch}$`).test(path)) return rule.service;
    }
  }
  for (const pr of matcher.pathRules ?? []) {
    if (pr.paths.some((p: string) => (p.endsWith('/*') ? path.startsWith(p.slice(0, -1)) : p === path))) return pr.service;
  }
  return matcher.defaultService;
}

/** `{var}` matches exactly one non-empty segment; anything else must be equal. */
function templateMatches(template: string, path: string): boolean {
  const want = template.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return false;
  return want.every((w, i) => (/^\{[A-Za-z0-9_]+\}$/.test(w) ? got[i] !== '' : w === got[i]));
}
