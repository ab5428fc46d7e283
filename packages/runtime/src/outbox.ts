import type { Pool } from 'pg';
import { claimForDispatch, markPublished, releaseDispatch, type OutboxDispatchRow } from '@somnus/db';
import { OUTBOX_MESSAGE_MAX_ROWS, type TopicMessageInput } from '@somnus/models';
import { logger } from './logger';
import { publishBatch } from './publisher';

/**
 * The dispatcher of the mail outbox (docs/architecture.md §11.3): takes outbox rows, publishes them to
 * `breach-notifications` in batches, and marks them published only once Pub/Sub acknowledged them. A batch
 * that fails to publish is released for the next dispatch (the sweeper's, at the latest), so a Pub/Sub
 * outage leaves rows queued, never lost. A row published twice is sent once: `notify` claims before sending.
 */

export const OUTBOX_TOPIC = 'breach-notifications' as const;

export interface DispatchOptions {
  /** Only these rows (what a request has just committed). Default: every row due. */
  ids?: readonly string[];
  /** Rows per publish call. */
  batchSize?: number;
  /** Rows per message (at most OUTBOX_MESSAGE_MAX_ROWS). */
  rowsPerMessage?: number;
  /** Stop after this many rows (a sweeper run stays short). */
  maxRows?: number;
  /** Republish rows published or claimed this long ago and never settled (a lost message). */
  staleSeconds?: number;
}

export interface DispatchResult {
  published: number;
  /** Rows whose publishing failed; they stay queued. */
  failed: number;
}

/**
 * 50 rows per message: a delivery of a full message sends 50 emails over notify's pool of 5 SMTP
 * connections well inside its 20 s send budget, and an incident of 10,000 recipients is 200 pushes.
 */
export const DISPATCH_DEFAULTS = { batchSize: 500, rowsPerMessage: 50, maxRows: 50_000, staleSeconds: 15 * 60, leaseSeconds: 60 } as const;

/**
 * The messages for these rows: up to `rowsPerMessage` ids each, an incident's rows together and apart from
 * every other email (a verification code does not wait behind a breach notice's batch).
 */
export function outboxMessages(rows: readonly OutboxDispatchRow[], rowsPerMessage: number = DISPATCH_DEFAULTS.rowsPerMessage): TopicMessageInput<typeof OUTBOX_TOPIC>[] {
  if (!Number.isInteger(rowsPerMessage) || rowsPerMessage < 1 || rowsPerMessage > OUTBOX_MESSAGE_MAX_ROWS) {
    throw new Error(`rowsPerMessage must be 1 to ${OUTBOX_MESSAGE_MAX_ROWS}`);
  }
  const groups = new Map<string, string[]>();
  for (const row of rows) {
    const key = row.incident_id ?? `single:${row.id}`;
    let ids = groups.get(key);
    if (!ids) groups.set(key, (ids = []));
    ids.push(row.id);
  }
  const messages: TopicMessageInput<typeof OUTBOX_TOPIC>[] = [];
  for (const ids of groups.values()) {
    for (let i = 0; i < ids.length; i += rowsPerMessage) messages.push({ outboxIds: ids.slice(i, i + rowsPerMessage) });
  }
  return messages;
}

export async function dispatchOutbox(db: Pool, opts: DispatchOptions = {}): Promise<DispatchResult> {
  const batchSize = opts.batchSize ?? DISPATCH_DEFAULTS.batchSize;
  const maxRows = opts.maxRows ?? DISPATCH_DEFAULTS.maxRows;
  const result: DispatchResult = { published: 0, failed: 0 };
  // a request's own rows go in batches of their own; a sweep walks the queue
  let remainingIds = opts.ids ? [...opts.ids] : undefined;
  while (result.published + result.failed < maxRows) {
    const ids = remainingIds?.splice(0, batchSize);
    if (remainingIds && ids!.length === 0) break;
    const rows = await claimForDispatch(db, {
      limit: Math.min(batchSize, maxRows - result.published - result.failed),
      leaseSeconds: DISPATCH_DEFAULTS.leaseSeconds,
      staleSeconds: opts.staleSeconds ?? DISPATCH_DEFAULTS.staleSeconds,
      ...(ids ? { ids } : {}),
    });
    if (rows.length === 0) {
      if (remainingIds) continue;
      break;
    }
    const rowIds = rows.map((r) => r.id);
    try {
      await publishBatch(OUTBOX_TOPIC, outboxMessages(rows, opts.rowsPerMessage));
    } catch (err) {
      await releaseDispatch(db, rowIds);
      result.failed += rows.length;
      // the cause names the endpoint, never a recipient (messages carry ids only)
      logger().warn({ event: 'outbox_publish_failed', rows: rows.length, reason: (err as Error).message.slice(0, 300) }, 'outbox rows left queued');
      break;
    }
    await markPublished(db, rowIds);
    result.published += rows.length;
  }
  return result;
}

/**
 * After a commit that queued emails: publish them now, without making the request wait. Whatever fails
 * here the sweeper publishes later.
 */
export function dispatchSoon(db: Pool, ids: readonly string[]): void {
  if (ids.length === 0) return;
  const run = dispatchOutbox(db, { ids }).catch((err: unknown) => {
    logger().warn({ event: 'outbox_dispatch_failed', reason: (err as Error).message?.slice(0, 300) }, 'outbox dispatch failed');
  });
  pendingDispatches.add(run);
  void run.finally(() => pendingDispatches.delete(run));
}

const pendingDispatches = new Set<Promise<unknown>>();

/** Waits for dispatches started by dispatchSoon (tests, and a stack that stops). */
export async function settleDispatches(): Promise<void> {
  while (pendingDispatches.size) await Promise.allSettled([...pendingDispatches]);
}
