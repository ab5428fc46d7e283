/**
 * `somnus pull DIR [--project prj_…] [--branch B]`: DIR is made to hold the documents of the branch's
 * head, decrypted and checked here (docs/protocol.md §5). Local edits are never overwritten: a pull
 * into a directory whose documents changed since its last sync is refused (push them first), and a
 * directory is only filled from scratch when it holds no documents.
 */
import { DEFAULT_BRANCH } from '../../sync/push';
import { UsageError } from '../args';
import type { Command } from '../context';
import { checkServer, dirArg, plural, progressOn, projectFlag, short } from '../sync-command';
import { readDocuments, readState, STATE_FILE, SyncDirError, writeDocuments, writeState } from '../sync-dir';

export const pullCommand: Command = {
  flags: ['url', 'passphraseStdin', 'branch', 'project'],
  subcommands: true,
  usesSession: true,
  async run(ctx) {
    const dir = dirArg(ctx, 'pull');
    const state = await readState(dir);
    const projectId = projectFlag(ctx, state);
    if (!projectId) throw new UsageError(`${dir} has no ${STATE_FILE} yet: pull needs --project prj_…`);
    const branch = ctx.flags.branch ?? state?.branch ?? DEFAULT_BRANCH;
    const same = state !== null && state.projectId === projectId && state.branch === branch;
    const files = await readDocuments(dir);
    if (!same && files.length) {
      throw new SyncDirError(
        state
          ? `${dir} holds documents of branch ${state.branch} of ${state.projectId}: pull branch ${branch} of ${projectId} into another directory`
          : `${dir} already holds documents that did not come from a pull: pull into an empty directory`,
      );
    }

    const { session, client } = await ctx.session();
    checkServer(state, session.baseUrl, dir);
    const keys = await client.unwrapKeys(await ctx.secrets.passphrase());
    const result = await client.pull({
      projectId,
      branch,
      keys,
      local: files.map((f) => f.doc),
      base: same ? state.head : null,
      onProgress: progressOn(ctx),
    });
    if (result.upToDate) {
      ctx.out.line(`Already up to date: branch ${branch} of ${projectId} is at ${short(result.head)}.`);
      return;
    }
    const written = await writeDocuments(dir, files, result.documents);
    await writeState(dir, { server: session.baseUrl, projectId, ...(state?.orgId && state.projectId === projectId ? { orgId: state.orgId } : {}), branch, head: result.head });
    const by = result.snapshot.authorAccount?.email ?? result.snapshot.author;
    ctx.out.line(
      `Pulled ${plural(result.documents.length, 'document')} of ${result.project.name} (${projectId}), branch ${branch} at ${short(result.head)} by ${by}: ` +
        `${written.written} written, ${written.removed} removed, ${written.unchanged} unchanged (${plural(result.blobsDownloaded, 'blob')} downloaded).`,
    );
  },
};
