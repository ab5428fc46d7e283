import type { OutboxDispatchRow } from '@somnus/db';
import { breachNotificationMessage, OUTBOX_MESSAGE_MAX_ROWS, outboxIdsOf } from '@somnus/models';
import { outboxMessages } from '../src/outbox';

/**
 * What the outbox dispatcher publishes (packages/runtime/src/outbox.ts; docs/architecture.md §11.3): an
 * incident's rows together, up to `rowsPerMessage` per message, every other email in a message of its own;
 * and what `breach-notifications` accepts.
 */

const row = (id: number, incident: string | null): OutboxDispatchRow => ({
  id: String(id),
  kind: incident ? 'incident' : 'verification',
  incident_id: incident,
  account_id: `acct_${'ab'.repeat(16)}`,
  email: `r${id}@example.test`,
});

it('puts an incident\'s rows in messages of at most rowsPerMessage ids, and every other email alone', () => {
  const rows = [
    ...Array.from({ length: 7 }, (_, i) => row(i + 1, 'inc_a')),
    row(8, null),
    ...Array.from({ length: 3 }, (_, i) => row(i + 9, 'inc_b')),
    row(12, null),
    row(13, 'inc_a'),
  ];
  expect(outboxMessages(rows, 3)).toEqual([
    { outboxIds: ['1', '2', '3'] },
    { outboxIds: ['4', '5', '6'] },
    { outboxIds: ['7', '13'] },
    { outboxIds: ['8'] },
    { outboxIds: ['9', '10', '11'] },
    { outboxIds: ['12'] },
  ]);
  // every row exactly once, and nothing but ids (never an address)
  const messages = outboxMessages(rows);
  expect(messages.flatMap((m) => m.outboxIds).sort((a, b) => Number(a) - Number(b))).toEqual(rows.map((r) => r.id));
  expect(JSON.stringify(messages)).not.toContain('@');
});

it('refuses a message size the topic would not accept', () => {
  expect(() => outboxMessages([row(1, null)], 0)).toThrow();
  expect(() => outboxMessages([row(1, null)], OUTBOX_MESSAGE_MAX_ROWS + 1)).toThrow();
});

it('accepts messages naming rows in either shape, and nothing else', () => {
  const parse = (m: unknown) => breachNotificationMessage.safeParse(m);
  const batch = parse({ outboxIds: ['1', '2', '2'] });
  expect(batch.success && outboxIdsOf(batch.data)).toEqual(['1', '2']);
  // the one-row shape published before batches
  const single = parse({ outboxId: '7', kind: 'incident' });
  expect(single.success && outboxIdsOf(single.data)).toEqual(['7']);
  for (const bad of [{}, { outboxIds: [] }, { outboxIds: Array.from({ length: OUTBOX_MESSAGE_MAX_ROWS + 1 }, (_, i) => String(i + 1)) }, { outboxIds: [1] }, { outboxIds: '1' }]) {
    expect(parse(bad).success).toBe(false);
  }
});
