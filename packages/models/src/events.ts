import { z } from 'zod';
import type { TopicName } from './function-registry';
import { email, ID_PREFIX, serverId } from './primitives';

/**
 * The messages carried by each Pub/Sub topic. Publishers and event functions both validate against these
 * schemas, so a topic's producer and its subscribers cannot disagree on its shape unnoticed.
 */

/** The CloudEvent type of a Pub/Sub message as functions-framework hands it to a `cloudEvent()` handler. */
export const PUBSUB_MESSAGE_PUBLISHED = 'google.cloud.pubsub.topic.v1.messagePublished';

/**
 * Emails to send: the outbox rows they come from (each row is the idempotency key of its send; `notify`
 * reads the rows, not the message, for what to send and to whom). Every email Somnus sends goes through
 * this topic (docs/architecture.md §11.3); the topic keeps its first name.
 *
 * A message names up to OUTBOX_MESSAGE_MAX_ROWS rows (`outboxIds`): an incident's ten thousand emails are
 * two hundred messages, not ten thousand pushes, and each row is still claimed, sent and settled on its own.
 * `outboxId` (one row, with its kind and ids beside it) is the shape published before batches; it is still
 * accepted, so that messages in flight during an upgrade are delivered.
 */
export const OUTBOX_KINDS = ['incident', 'verification', 'password_code', 'reset_code', 'reset_request', 'invitation', 'reshare_keys', 'key_changed'] as const;
export type OutboxMailKind = (typeof OUTBOX_KINDS)[number];

/** Rows one message may name: Pub/Sub's limits are far away; what bounds it is one delivery's time (notify's send budget). */
export const OUTBOX_MESSAGE_MAX_ROWS = 100;

const outboxRowId = z.string().min(1).max(100);

export const breachNotificationMessage = z
  .object({
    outboxIds: z.array(outboxRowId).min(1).max(OUTBOX_MESSAGE_MAX_ROWS).optional(),
    outboxId: outboxRowId.optional(),
    kind: z.enum(OUTBOX_KINDS).optional(),
    incidentId: z.string().min(1).max(100).optional(),
    accountId: serverId(ID_PREFIX.account).optional(),
    /** Not sent by the outbox dispatcher (`notify` reads the address from the row): kept out of Pub/Sub. */
    email: email.optional(),
  })
  .refine((m) => m.outboxIds !== undefined || m.outboxId !== undefined, { message: 'a message names its outbox rows', path: ['outboxIds'] });

/** The rows a message of `breach-notifications` names, whichever shape it has. */
export function outboxIdsOf(m: { outboxIds?: readonly string[] | undefined; outboxId?: string | undefined }): string[] {
  return [...new Set([...(m.outboxIds ?? []), ...(m.outboxId !== undefined ? [m.outboxId] : [])])];
}

/** Exactly one schema per topic of TOPICS: a new topic does not type-check until it has one. */
export const TOPIC_MESSAGES = {
  'breach-notifications': breachNotificationMessage,
} as const satisfies Record<TopicName, z.ZodType>;

/** What a subscriber receives (after the schema's normalisation). */
export type TopicMessage<T extends TopicName> = z.output<(typeof TOPIC_MESSAGES)[T]>;
/** What a publisher may pass. */
export type TopicMessageInput<T extends TopicName> = z.input<(typeof TOPIC_MESSAGES)[T]>;
