/**
 * `somnus push DIR --message "…" [--org ORG] [--project prj_…] [--branch B]`: the documents of DIR become
 * one new snapshot on the branch (docs/protocol.md §5), encrypted here under the project key. The first
 * push of a directory creates the project in --org with a key wrapped for every member, and remembers it
 * in DIR/.somnus.json. A branch that moved on since DIR was last synced refuses the push: pull first.
 */
import { basename, resolve } from 'node:path';
import { InvalidDocumentError } from '../../errors';
import { newProjectId } from '../../flows/project-keys';
import { checkPushable } from '../../sync/documents';
import { DEFAULT_BRANCH } from '../../sync/push';
import { UsageError } from '../args';
import type { Command } from '../context';
import { checkServer, dirArg, plural, progressOn, projectFlag, short } from '../sync-command';
import { readDocuments, readState, writeState } from '../sync-dir';

export const pushCommand: Command = {
  flags: ['url', 'passphraseStdin', 'message', 'branch', 'org', 'project', 'trust'],
  subcommands: true,
  usesSession: true,
  async run(ctx) {
    const dir = dirArg(ctx, 'push');
    const message = ctx.flags.message?.trim();
    if (!message) throw new UsageError('push needs --message "what changed"');
    const state = await readState(dir);
    const projectId = projectFlag(ctx, state) ?? newProjectId();
    const orgId = ctx.flags.org ?? (state?.projectId === projectId ? state.orgId : undefined);
    if (!state && !ctx.flags.project && !orgId) throw new UsageError('the first push of a directory needs --org <orgId>: the organization to create its project in');
    const branch = ctx.flags.branch ?? state?.branch ?? DEFAULT_BRANCH;
    // the last sync is a base only for the same project and branch; otherwise the branch must be new
    const base = state && state.projectId === projectId && state.branch === branch ? state.head : null;

    const files = await readDocuments(dir);
    for (const f of files) {
      try {
        checkPushable(f.doc);
      } catch (err) {
        if (err instanceof InvalidDocumentError) throw new InvalidDocumentError(`${f.file}: ${err.message}`);
        throw err;
      }
    }
    const { session, client } = await ctx.session();
    checkServer(state, session.baseUrl, dir);
    const keys = await client.unwrapKeys(await ctx.secrets.passphrase());
    const result = await client.push({
      projectId,
      orgId,
      projectName: basename(resolve(dir)),
      rootDocumentId: files.find((f) => f.doc._id.startsWith('wrk_'))?.doc._id,
      branch,
      message,
      documents: files.map((f) => f.doc),
      keys,
      accountId: session.accountId,
      base,
      onProgress: progressOn(ctx),
    });
    await writeState(dir, { server: session.baseUrl, projectId, ...(orgId ? { orgId } : {}), branch, head: result.head });

    if (result.created) ctx.out.line(`Created project ${result.project.name} (${result.project.id}) in ${orgId}; its key is wrapped for every member.`);
    if (result.upToDate) {
      ctx.out.line(`Already up to date: branch ${branch} of ${result.project.id} is at ${short(result.head)}.`);
      return;
    }
    ctx.out.line(`Pushed ${plural(result.documents, 'document')} to branch ${branch} of ${result.project.id} as snapshot ${short(result.head)} (${plural(result.blobsUploaded, 'blob')} uploaded).`);
  },
};
