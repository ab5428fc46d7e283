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
 * One email to send: the outbox row it comes from (the idempotency key of the send; `notify` reads the row,
 * not the message, for what to send and to whom), its kind, and for a breach notice the incident and the
 * recipient's account. Every email Somnus sends goes through this topic (docs/architecture.md §11.3); the
 * topic keeps its first name.
 */
export const OUTBOX_KINDS = ['incident', 'verification', 'password_code', 'reset_code', 'reset_request', 'invitation', 'reshare_keys', 'key_changed'] as const;
export type OutboxMailKind = (typeof OUTBOX_KINDS)[number];

export const breachNotificationMessage = z.object({
  outboxId: z.string().min(1).max(100),
  kind: z.enum(OUTBOX_KINDS).optional(),
  incidentId: z.string().min(1).max(100).optional(),
  accountId: serverId(ID_PREFIX.account).optional(),
  /** Not sent by the outbox dispatcher (`notify` reads the address from the row): kept out of Pub/Sub. */
  email: email.optional(),
});

/** Exactly one schema per topic of TOPICS: a new topic does not type-check until it has one. */
export const TOPIC_MESSAGES = {
  'breach-notifications': breachNotificationMessage,
} as const satisfies Record<TopicName, z.ZodType>;

/** What a subscriber receives (after the schema's normalisation). */
export type TopicMessage<T extends TopicName> = z.output<(typeof TOPIC_MESSAGES)[T]>;
/** What a publisher may pass. */
export type TopicMessageInput<T extends TopicName> = z.input<(typeof TOPIC_MESSAGES)[T]>;
