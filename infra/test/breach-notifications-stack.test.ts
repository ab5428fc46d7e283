import { FUNCTION_REGISTRY, ROUTES, type FunctionSpec } from '@somnus/models';
import { MAX_DELIVERY_ATTEMPTS, NOTIFY_MAX_ATTEMPTS } from '../functions';
import { grants } from './support/policy';
import { PROJECT, PROJECT_NUMBER, runStack, testConfig, T, type StackRun } from './support/harness';

/**
 * The breach-notification functions as the registry declares them (docs/architecture.md §5.1, §11.3): the
 * operator-only `incidents`, which publishes to the notification topic and runs the outbox sweeper on a
 * schedule, and the Pub/Sub-triggered `notify`. Their deployment follows from their entries alone.
 */
const FIXTURE: readonly FunctionSpec[] = FUNCTION_REGISTRY;

let run: StackRun;
const config = testConfig();
const email = (id: string) => `${id}@${PROJECT}.iam.gserviceaccount.com`;
/** Cloud Run's deterministic URL of `incidents`: the audience it accepts, set by infra, never the request's Host. */
const INCIDENTS_URL = `https://incidents-${PROJECT_NUMBER}.us-central1.run.app`;
const AGENT = `serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com`;

beforeAll(async () => {
  run = await runStack(FIXTURE, ROUTES, config);
});

describe('a private operator function (incidents)', () => {
  it('is invoked only by the operators group and its sweeper\'s scheduler account: no public invoker', () => {
    expect(grants(run).filter((g) => g.on === 'run:incidents').sort((a, b) => a.member.localeCompare(b.member))).toEqual([
      { member: `group:${config.operatorsGroup}`, on: 'run:incidents', role: 'roles/run.invoker' },
      { member: `serviceAccount:${email('sched-incidents')}`, on: 'run:incidents', role: 'roles/run.invoker' },
    ]);
  });

  it('checks Google ID tokens again itself, for its own URL, from the operators\' emails and, apart, the scheduler\'s account', () => {
    const fn = run.ofType(T.fn).find((f) => f.inputs.name === 'incidents')!;
    expect(fn.inputs.serviceConfig.environmentVariables).toMatchObject({
      SOMNUS_OPERATOR_ISSUER: 'https://accounts.google.com',
      SOMNUS_OPERATOR_JWKS_URL: 'https://www.googleapis.com/oauth2/v3/certs',
      // operators: every route; the sweeper's scheduler account: only POST /ops/outbox/dispatch
      SOMNUS_OPERATOR_EMAILS: 'alice@example.com,bob@example.com',
      SOMNUS_SWEEPER_EMAILS: email('sched-incidents'),
      SOMNUS_OPERATOR_AUDIENCE: INCIDENTS_URL,
    });
    // no other function gets operator settings
    for (const f of run.ofType(T.fn).filter((x) => x.inputs.name !== 'incidents')) {
      expect(Object.keys(f.inputs.serviceConfig.environmentVariables).filter((k: string) => k.startsWith('SOMNUS_OPERATOR') || k.startsWith('SOMNUS_SWEEPER'))).toEqual([]);
    }
  });

  it('runs the outbox sweeper every minute through Cloud Scheduler with an OIDC token for its URL', () => {
    const job = run.ofType(T.scheduler).find((j) => j.inputs.name === 'somnus-incidents-outbox-dispatch')!;
    expect(job.inputs).toMatchObject({
      schedule: '* * * * *',
      httpTarget: {
        httpMethod: 'POST',
        uri: 'https://incidents-mockhash-uc.a.run.app/ops/outbox/dispatch',
        oidcToken: { serviceAccountEmail: email('sched-incidents'), audience: INCIDENTS_URL },
      },
    });
  });

  it('is not behind the load balancer', () => {
    expect(run.ofType(T.neg).map((n) => n.inputs.cloudFunction.function)).not.toContain('incidents');
    const backends = JSON.stringify(run.one(T.urlMap, 'url-map').inputs);
    expect(backends).not.toContain('incidents');
  });

  it('may publish to the notification topic, as may the functions that cause emails, and no other', () => {
    const publishers = grants(run).filter((g) => g.on === 'topic:breach-notifications' && g.role === 'roles/pubsub.publisher');
    expect(publishers.map((g) => g.member).sort()).toEqual(['auth', 'incidents', 'invites'].map((f) => `serviceAccount:${email(`fn-${f}`)}`));
    expect(grants(run).filter((g) => g.member === `serviceAccount:${email('fn-incidents')}`).map((g) => `${g.on} ${g.role}`).sort()).toEqual([
      'secret:somnus-database-url roles/secretmanager.secretAccessor',
      'topic:breach-notifications roles/pubsub.publisher',
    ]);
  });

  it('leaves SMTP to notify alone: no other function reads the SMTP secret', () => {
    const readers = grants(run).filter((g) => g.on === 'secret:somnus-smtp-url').map((g) => g.member);
    expect(readers).toEqual([`serviceAccount:${email('fn-notify')}`]);
  });

  it('is reachable by operators (ingress all, IAM decides) and its URL is a stack output', () => {
    const fn = run.ofType(T.fn).find((f) => f.inputs.name === 'incidents')!;
    expect(fn.inputs.serviceConfig.ingressSettings).toBe('ALLOW_ALL');
    expect(run.outputs.incidentsUrl).toBe(INCIDENTS_URL);
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

  it('gives up on an email before Pub/Sub gives up on its message', () => {
    const fn = run.ofType(T.fn).find((f) => f.inputs.name === 'notify')!;
    const attempts = Number(fn.inputs.serviceConfig.environmentVariables.NOTIFY_MAX_ATTEMPTS);
    expect(attempts).toBe(NOTIFY_MAX_ATTEMPTS);
    expect(attempts).toBeLessThan(MAX_DELIVERY_ATTEMPTS);
  });

  it('has exactly its listed roles and secrets', () => {
    expect(grants(run).filter((g) => g.member === `serviceAccount:${email('fn-notify')}`).map((g) => `${g.on} ${g.role}`).sort()).toEqual([
      'secret:somnus-database-url roles/secretmanager.secretAccessor',
      'secret:somnus-smtp-url roles/secretmanager.secretAccessor',
    ]);
  });
});

it('builds and deploys every function, the breach-notification ones included, from its registry entry alone', () => {
  expect(run.ofType(T.fn).map((f) => f.inputs.name).sort()).toEqual(FIXTURE.map((s) => s.name).sort());
  expect(run.builds.sort()).toEqual([...FIXTURE.map((s) => s.name), 'migrate'].sort());
});
