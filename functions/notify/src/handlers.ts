import { defineEventFunction } from '@somnus/runtime';
import { notifyDeps } from './deps';
import { deliverMail } from './use-cases/deliver-mail';

/** One outbox row per message: send its email once (docs/architecture.md §11.3). */
export const handleNotify = defineEventFunction('notify', 'breach-notifications', async (ctx) => {
  const result = await deliverMail(notifyDeps(), { outboxId: ctx.message.outboxId });
  if (result.ok) ctx.log.info({ outboxId: ctx.message.outboxId, kind: ctx.message.kind, delivery: result.value }, 'mail delivery');
  return result;
});
