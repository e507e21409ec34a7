import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRuntime, type Runtime } from '../../local/runtime';
import { eventually, journeyDriver } from './support';

/**
 * Cart recovery through the real local runtime, with an hour passing in a real second: slow enough for a site to
 * report the order within the journey's first hour.
 */
let runtime: Runtime;
let drive: ReturnType<typeof journeyDriver>;

beforeAll(async () => {
  runtime = await startRuntime({ port: 0, dynamoDbPort: 0, sesPort: 0, dataDir: null, tableName: 'journeys-cart', timeScale: 3_600 });
  drive = journeyDriver(runtime);
}, 120_000);
afterAll(async () => {
  await runtime?.stop();
});

let n = 0;
const shopper = () => `shopper-${Date.now()}-${n++}@example.com`;

describe('cart-recovery through npm start\'s parts', () => {
  it('sends nothing when the order completes within the hour', { timeout: 60_000 }, async () => {
    const email = shopper();
    const contactId = await drive.identify(email, { email, first_name: 'Sam' });

    await drive.track(email, 'checkout_started', { cart_value: 120 });
    await eventually(async () => drive.execution('cart-recovery', contactId), (e) => e !== undefined);
    await drive.track(email, 'order_completed', { total: 120 });
    const execution = await drive.finished('cart-recovery', contactId);

    expect(execution.status).toBe('ABORTED');
    expect(await drive.sent(contactId)).toEqual([]);
  });

  it('reminds an hour after checkout, and stops before the second reminder once the order completes', { timeout: 60_000 }, async () => {
    const email = shopper();
    const contactId = await drive.identify(email, { email, first_name: 'Kim' });

    await drive.track(email, 'checkout_started', { cart_value: 80 });
    await eventually(() => drive.sent(contactId), (sent) => sent.length === 1, 20_000);
    await drive.track(email, 'order_completed', { total: 80 });
    const execution = await drive.finished('cart-recovery', contactId);

    expect(execution.status).toBe('ABORTED');
    expect(await drive.sent(contactId)).toEqual(['cart-reminder-1']);
    const exit = (await eventually(() => drive.timeline(contactId), (t) => t.some((e) => e.type === 'journey.exited'))).find((e) => e.type === 'journey.exited');
    expect(exit?.data).toMatchObject({ journeyId: 'cart-recovery', reason: 'goal', detail: 'event order_completed' });
  });
});
