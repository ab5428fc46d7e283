import type { Pool } from 'pg';
import { claimForDispatch, markPublished, releaseDispatch, type OutboxDispatchRow } from '@somnus/db';
import type { TopicMessageInput } from '@somnus/models';
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
  /** Messages per publish call. */
  batchSize?: number;
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

export const DISPATCH_DEFAULTS = { batchSize: 500, maxRows: 50_000, staleSeconds: 15 * 60, leaseSeconds: 60 } as const;

export function outboxMessage(row: OutboxDispatchRow): TopicMessageInput<typeof OUTBOX_TOPIC> {
  return {
    outboxId: row.id,
    kind: row.kind,
    ...(row.incident_id ? { incidentId: row.incident_id } : {}),
    ...(row.account_id ? { accountId: row.account_id } : {}),
  };
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
      await publishBatch(OUTBOX_TOPIC, rows.map(outboxMessage));
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
