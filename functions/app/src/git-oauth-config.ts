import { z } from 'zod';

/**
 * Git sync sign-in is offered only with the operator's own OAuth apps (docs/protocol.md §6a). One JSON value,
 * SOMNUS_GIT_OAUTH (a Secret Manager secret when deployed: it holds the GitHub client secret):
 *   {"github": {"clientId", "clientSecret", "baseUrl"?}, "gitlab": {"applicationId", "redirectUri"}}
 * Either part may be absent; `{}` or unset offers neither. `baseUrl` is GitHub Enterprise's address.
 */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

const gitOAuthConfig = z
  .object({
    github: z
      .object({
        clientId: z.string().min(1),
        clientSecret: z.string().min(1),
        // https: the client secret travels in the request; plain http only to this machine (tests, a local proxy)
        baseUrl: z
          .url({ protocol: /^https?$/ })
          .refine((u) => new URL(u).protocol === 'https:' || LOOPBACK.has(new URL(u).hostname), 'baseUrl must be https (http only for localhost)')
          .default('https://github.com'),
      })
      .strict()
      .optional(),
    gitlab: z.object({ applicationId: z.string().min(1), redirectUri: z.url() }).strict().optional(),
  })
  .strict();

export type GitOAuthConfig = z.infer<typeof gitOAuthConfig>;

/** A value that does not parse is an operator's mistake: it stops the function at its first use, loudly. */
export function readGitOAuthConfig(raw = process.env.SOMNUS_GIT_OAUTH): GitOAuthConfig {
  if (!raw?.trim()) return {};
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new Error('SOMNUS_GIT_OAUTH is not JSON');
  }
  const parsed = gitOAuthConfig.safeParse(json);
  if (!parsed.success) throw new Error(`SOMNUS_GIT_OAUTH: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}
