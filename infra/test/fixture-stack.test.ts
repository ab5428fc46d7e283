import { FUNCTION_REGISTRY, ROUTES, type FunctionSpec } from '@somnus/models';
import { MAX_DELIVERY_ATTEMPTS } from '../functions';
import { grants } from './support/policy';
import { PROJECT, PROJECT_NUMBER, runStack, testConfig, T, type StackRun } from './support/harness';

/**
 * The registry as it will grow (docs/architecture.md §5.1): an operator-only `incidents` function that publishes to the
 * notification topic, and a Pub/Sub-triggered `notify`. Adding them takes only these entries.
 */
const FIXTURE: readonly FunctionSpec[] = [
  ...FUNCTION_REGISTRY,
  {
    name: 'incidents',
    entryPoint: 'incidents',
    source: 'functions/incidents',
    trigger: { type: 'http', public: false, invokers: ['operators'] },
    memoryMiB: 512,
    cpu: 1,
    secrets: ['database-url'],
    roles: [],
    publishes: ['breach-notifications'],
  },
  {
    name: 'notify',
    entryPoint: 'notify',
    source: 'functions/notify',
    trigger: { type: 'pubsub', topic: 'breach-notifications' },
    memoryMiB: 256,
    cpu: 1,
    secrets: ['database-url', 'smtp-url'],
    roles: [],
  },
];

let run: StackRun;
const config = testConfig();
const email = (id: string) => `${id}@${PROJECT}.iam.gserviceaccount.com`;
const AGENT = `serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com`;

beforeAll(async () => {
  run = await runStack(FIXTURE, ROUTES, config);
});

describe('a private operator function (incidents)', () => {
  it('is invoked only by the operators group: no public invoker', () => {
    expect(grants(run).filter((g) => g.on === 'run:incidents')).toEqual([
      { member: `group:${config.operatorsGroup}`, on: 'run:incidents', role: 'roles/run.invoker' },
    ]);
  });

  it('is not behind the load balancer', () => {
    expect(run.ofType(T.neg).map((n) => n.inputs.cloudFunction.function)).not.toContain('incidents');
    const backends = JSON.stringify(run.one(T.urlMap, 'url-map').inputs);
    expect(backends).not.toContain('incidents');
  });

  it('may publish to the notification topic, which no other function may', () => {
    const publishers = grants(run).filter((g) => g.on === 'topic:breach-notifications' && g.role === 'roles/pubsub.publisher');
    expect(publishers).toEqual([{ member: `serviceAccount:${email('fn-incidents')}`, on: 'topic:breach-notifications', role: 'roles/pubsub.publisher' }]);
    expect(grants(run).filter((g) => g.member === `serviceAccount:${email('fn-incidents')}`).map((g) => `${g.on} ${g.role}`).sort()).toEqual([
      'secret:somnus-database-url roles/secretmanager.secretAccessor',
      'topic:breach-notifications roles/pubsub.publisher',
    ]);
  });

  it('is reachable by operators (ingress all, IAM decides) and its URL is a stack output', () => {
    const fn = run.ofType(T.fn).find((f) => f.inputs.name === 'incidents')!;
    expect(fn.inputs.serviceConfig.ingressSettings).toBe('ALLOW_ALL');
    expect(run.outputs.incidentsUrl).toBe('https://incidents-mockhash-uc.a.run.app');
  });
});

describe('a Pub/Sub-triggered function (notify)', () => {
  const subscription = () => run.ofType(T.subscription).find((s) => s.inputs.name === 'breach-notifications-notify')!;

  it('gets a push trigger on its topic with retries and a bounded number of deliveries into the dead-letter topic', () => {
    const topic = run.ofType(T.topic).find((t) => t.inputs.name === 'breach-notifications')!;
    const dlq = run.ofType(T.topic).find((t) => t.inputs.name === 'breach-notifications-dead-letter')!;
    const s = subscription().inputs;
    expect(s.topic).toBe(topic.id);
    expect(s.pushConfig).toEqual({
      pushEndpoint: `https://notify-mockhash-uc.a.run.app/projects/${PROJECT}/topics/breach-notifications`,
      oidcToken: { serviceAccountEmail: email('push-notify'), audience: 'https://notify-mockhash-uc.a.run.app' },
    });
    expect(s.retryPolicy).toEqual({ minimumBackoff: expect.stringMatching(/^\d+s$/), maximumBackoff: expect.stringMatching(/^\d+s$/) });
    expect(s.deadLetterPolicy).toEqual({ deadLetterTopic: dlq.id, maxDeliveryAttempts: MAX_DELIVERY_ATTEMPTS });
    expect(MAX_DELIVERY_ATTEMPTS).toBeGreaterThanOrEqual(5); // Pub/Sub's allowed range is 5..100
    expect(MAX_DELIVERY_ATTEMPTS).toBeLessThanOrEqual(100);
  });

  it('gives the Pub/Sub service agent the roles dead-lettering needs', () => {
    const agent = grants(run).filter((g) => g.member === AGENT).map((g) => `${g.on} ${g.role}`).sort();
    expect(agent).toEqual(
      [
        'topic:breach-notifications-dead-letter roles/pubsub.publisher',
        'subscription:breach-notifications-notify roles/pubsub.subscriber',
        `serviceAccount:projects/${PROJECT}/serviceAccounts/${email('push-notify')} roles/iam.serviceAccountTokenCreator`,
      ].sort(),
    );
  });

  it('is invoked only by its push account and takes internal traffic only', () => {
    expect(grants(run).filter((g) => g.on === 'run:notify')).toEqual([
      { member: `serviceAccount:${email('push-notify')}`, on: 'run:notify', role: 'roles/run.invoker' },
    ]);
    const fn = run.ofType(T.fn).find((f) => f.inputs.name === 'notify')!;
    expect(fn.inputs.serviceConfig.ingressSettings).toBe('ALLOW_INTERNAL_ONLY');
    expect(fn.inputs.eventTrigger).toBeUndefined();
  });

  it('has exactly its listed roles and secrets', () => {
    expect(grants(run).filter((g) => g.member === `serviceAccount:${email('fn-notify')}`).map((g) => `${g.on} ${g.role}`).sort()).toEqual([
      'secret:somnus-database-url roles/secretmanager.secretAccessor',
      'secret:somnus-smtp-url roles/secretmanager.secretAccessor',
    ]);
  });
});

it('builds and deploys every fixture function from its registry entry alone', () => {
  expect(run.ofType(T.fn).map((f) => f.inputs.name).sort()).toEqual(FIXTURE.map((s) => s.name).sort());
  expect(run.builds.sort()).toEqual([...FIXTURE.map((s) => s.name), 'migrate'].sort());
});
