import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { TOPICS, type TopicName } from '@somnus/models';
import type { StackConfig } from './config';

export interface TopicSet {
  topic: gcp.pubsub.Topic;
  deadLetter: gcp.pubsub.Topic;
  /** Pull subscription on the dead-letter topic, for operators to inspect and replay what failed. */
  deadLetterInspect: gcp.pubsub.Subscription;
}

export interface PubSub {
  topics: Record<TopicName, TopicSet>;
  /** `serviceAccount:service-<number>@gcp-sa-pubsub…`: forwards undeliverable messages to the dead-letter topic. */
  serviceAgent: pulumi.Output<string>;
}

const WEEK = '604800s';

export function createPubSub(config: StackConfig): PubSub {
  // Pub/Sub's service agent may not exist yet in a new project (it is made on first use): generating its identity
  // creates it, so the grants below never name an account that is not there yet.
  const agent = new gcp.projects.ServiceIdentity('pubsub-service-agent', { project: config.project, service: 'pubsub.googleapis.com' });
  const serviceAgent = agent.member;
  const storage = { allowedPersistenceRegions: [config.region] };
  const topics = {} as Record<TopicName, TopicSet>;
  for (const name of TOPICS) {
    const topic = new gcp.pubsub.Topic(`topic-${name}`, {
      project: config.project,
      name,
      messageStoragePolicy: storage,
      messageRetentionDuration: WEEK,
    });
    const deadLetter = new gcp.pubsub.Topic(`topic-${name}-dead-letter`, {
      project: config.project,
      name: `${name}-dead-letter`,
      messageStoragePolicy: storage,
      messageRetentionDuration: WEEK,
    });
    const deadLetterInspect = new gcp.pubsub.Subscription(`sub-${name}-dead-letter-inspect`, {
      project: config.project,
      name: `${name}-dead-letter-inspect`,
      topic: deadLetter.id,
      ackDeadlineSeconds: 60,
      messageRetentionDuration: WEEK,
      retainAckedMessages: true,
      expirationPolicy: { ttl: '' },
    });
    // Dead-lettering: the Pub/Sub service agent publishes the failed message to the dead-letter topic
    // (it must also be a subscriber of the source subscription: granted with the subscription, functions.ts).
    new gcp.pubsub.TopicIAMMember(`topic-${name}-dead-letter-publisher`, {
      project: config.project,
      topic: deadLetter.name,
      role: 'roles/pubsub.publisher',
      member: serviceAgent,
    });
    topics[name] = { topic, deadLetter, deadLetterInspect };
  }
  return { topics, serviceAgent };
}
