import { outboxIdsOf } from '@somnus/models';
import { defineEventFunction } from '@somnus/runtime';
import { notifyDeps } from './deps';
import { deliverMails } from './use-cases/deliver-mail';

/** The outbox rows a message names: send each one's email once (docs/architecture.md §11.3). */
export const handleNotify = defineEventFunction('notify', 'breach-notifications', async (ctx) => {
  const outboxIds = outboxIdsOf(ctx.message);
  const result = await deliverMails(notifyDeps(), { outboxIds });
  if (result.ok) ctx.log.info({ rows: outboxIds.length, delivery: result.value }, 'mail delivery');
  return result;
});
