import { SendSlots } from '../src/send-slots';

/**
 * notify's send slots (functions/notify/src/send-slots.ts): at most `size` sends started at once, handed
 * on in the order asked for, and a wait bounded by the delivery's send budget.
 */

const later = (ms: number) => performance.now() + ms;

it('gives out at most its size, and a returned slot to the longest waiter first', async () => {
  const slots = new SendSlots(2);
  const a = await slots.acquire(later(1000));
  const b = await slots.acquire(later(1000));
  expect(a).not.toBeNull();
  expect(b).not.toBeNull();
  expect(slots.load).toEqual({ busy: 2, waiting: 0 });

  const order: string[] = [];
  const c = slots.acquire(later(1000)).then((r) => (order.push('c'), r));
  const d = slots.acquire(later(1000)).then((r) => (order.push('d'), r));
  expect(slots.load).toEqual({ busy: 2, waiting: 2 });

  a!();
  a!(); // a second release of the same slot frees nothing more
  const gotC = await c;
  expect(order).toEqual(['c']);
  expect(slots.load).toEqual({ busy: 2, waiting: 1 });
  b!();
  const gotD = await d;
  expect(order).toEqual(['c', 'd']);
  gotC!();
  gotD!();
  expect(slots.load).toEqual({ busy: 0, waiting: 0 });
});

it('answers null when no slot comes free before the budget, and forgets that waiter', async () => {
  const slots = new SendSlots(1);
  const held = await slots.acquire(later(1000));
  const started = performance.now();
  expect(await slots.acquire(later(50))).toBeNull();
  expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  // a budget already spent does not wait at all
  expect(await slots.acquire(later(-1))).toBeNull();
  expect(slots.load).toEqual({ busy: 1, waiting: 0 });
  // the slot goes back to the pool, not to the waiter that gave up
  held!();
  expect(slots.load).toEqual({ busy: 0, waiting: 0 });
  expect(await slots.acquire(later(10))).not.toBeNull();
});

it('refuses a size below one', () => {
  expect(() => new SendSlots(0)).toThrow();
  expect(() => new SendSlots(1.5)).toThrow();
});

it('gives no slot once the budget is spent, even a free one: a send must start within its delivery\'s budget', async () => {
  const slots = new SendSlots(2);
  // rendering took longer than the budget (a slow database): the row is given back, not sent late
  expect(await slots.acquire(later(-1))).toBeNull();
  expect(slots.load).toEqual({ busy: 0, waiting: 0 });
});

it('does not hand a returned slot to a waiter whose budget ran out before its timer could fire', async () => {
  const slots = new SendSlots(1);
  const held = await slots.acquire(later(1000));
  const late = slots.acquire(later(20));
  const onTime = slots.acquire(later(1000));
  // the event loop is busy past the first waiter's budget, so its timer has not run when the slot comes back
  const until = performance.now() + 40;
  while (performance.now() < until) {
    // busy
  }
  held!();
  expect(await late).toBeNull();
  const next = await onTime;
  expect(next).not.toBeNull();
  expect(slots.load).toEqual({ busy: 1, waiting: 0 });
  next!();
  expect(slots.load).toEqual({ busy: 0, waiting: 0 });
});

it('hands the next slot to an email that is not a breach notice before the notices waiting (a code does not wait behind a batch)', async () => {
  const slots = new SendSlots(1);
  const held = await slots.acquire(later(1000));
  const order: string[] = [];
  const batch = [1, 2, 3].map((i) => slots.acquire(later(1000)).then((r) => (order.push(`notice ${i}`), r)));
  const code = slots.acquire(later(1000), { first: true }).then((r) => (order.push('code'), r));
  const otherCode = slots.acquire(later(1000), { first: true }).then((r) => (order.push('other code'), r));
  held!();
  (await code)!();
  (await otherCode)!();
  for (const b of batch) (await b)!();
  expect(order).toEqual(['code', 'other code', 'notice 1', 'notice 2', 'notice 3']);
  expect(slots.load).toEqual({ busy: 0, waiting: 0 });
});
