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
 * One email to send about a breach incident: the outbox row it comes from (the idempotency key of the
 * send) and its recipient. Kept to what a sender needs; the breach pipeline that writes the outbox owns
 * the id formats and may tighten them.
 */
export const breachNotificationMessage = z.object({
  outboxId: z.string().min(1).max(100),
  incidentId: z.string().min(1).max(100),
  accountId: serverId(ID_PREFIX.account),
  email,
});

/** Exactly one schema per topic of TOPICS: a new topic does not type-check until it has one. */
export const TOPIC_MESSAGES = {
  'breach-notifications': breachNotificationMessage,
} as const satisfies Record<TopicName, z.ZodType>;

/** What a subscriber receives (after the schema's normalisation). */
export type TopicMessage<T extends TopicName> = z.output<(typeof TOPIC_MESSAGES)[T]>;
/** What a publisher may pass. */
export type TopicMessageInput<T extends TopicName> = z.input<(typeof TOPIC_MESSAGES)[T]>;
