/**
 * The push request Pub/Sub (and the local bus) sends to `notify` for one outbox row, sent to a notify
 * server at `baseUrl`; answers the HTTP status (2xx: acknowledged, anything else: redelivered).
 */
export async function pushOutboxMessage(baseUrl: string, m: { outboxId: string; kind: string; messageId: string }): Promise<number> {
  const res = await fetch(`${baseUrl}/projects/somnus-local/topics/breach-notifications`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      message: { data: Buffer.from(JSON.stringify({ outboxId: m.outboxId, kind: m.kind })).toString('base64'), messageId: m.messageId, publishTime: new Date().toISOString() },
      subscription: 'projects/somnus-local/subscriptions/breach-notifications-notify',
    }),
  });
  await res.arrayBuffer();
  return res.status;
}
