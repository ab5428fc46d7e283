import { listen } from './api';
import type { TestStack } from './stack';

/**
 * The push request Pub/Sub (and the local bus) sends to `notify`, sent to a notify server at `baseUrl`:
 * a message naming several outbox rows (`outboxIds`, what the dispatcher publishes), or one row with its
 * kind (the shape published before batches, still accepted). Answers the HTTP status (2xx: acknowledged,
 * anything else: redelivered).
 */
export async function pushOutboxMessage(
  baseUrl: string,
  m: ({ outboxId: string; kind: string } | { outboxIds: readonly string[] }) & { messageId: string },
): Promise<number> {
  const payload = 'outboxIds' in m ? { outboxIds: m.outboxIds } : { outboxId: m.outboxId, kind: m.kind };
  const res = await fetch(`${baseUrl}/projects/somnus-local/topics/breach-notifications`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      message: { data: Buffer.from(JSON.stringify(payload)).toString('base64'), messageId: m.messageId, publishTime: new Date().toISOString() },
      subscription: 'projects/somnus-local/subscriptions/breach-notifications-notify',
    }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** pushOutboxMessage to the stack's `notify`, served on a loopback port for the one request: one row (the shape before batches), or several. */
export async function pushToNotify(stack: TestStack, outboxIds: string | readonly string[], messageId: string): Promise<number> {
  const server = await listen(stack.functions.notify!);
  try {
    return await pushOutboxMessage(server.baseUrl, typeof outboxIds === 'string' ? { outboxId: outboxIds, kind: 'incident', messageId } : { outboxIds, messageId });
  } finally {
    await server.close();
  }
}
