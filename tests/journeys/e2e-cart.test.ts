import { describe, expect, it } from 'vitest';
import { eventually, simulated, simulatedSteps, uniqueEmail, useLocalRuntime, type JourneyDriver } from './support';

/**
 * Cart recovery through the real local runtime, with an hour passing in a real second: the full no-order run takes
 * some 25 real seconds, and an order between the reminders has the 24 seconds of the day between them to reach the
 * execution. An order within the first hour (one real second here) is in e2e-events.test.ts, on a slower clock.
 */
let drive: JourneyDriver;

useLocalRuntime({ tableName: 'journeys-cart', timeScale: 3_600 }, (_, d) => {
  drive = d;
});

const shopper = () => uniqueEmail('shopper');

describe('cart-recovery through npm start\'s parts', () => {
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

  it('sends both reminders, 24 hours apart on the journey clock, when no order comes: the simulator\'s path', { timeout: 90_000 }, async () => {
    // Prepare
    const email = shopper();
    const contactId = await drive.identify(email, { email, first_name: 'Noa' });
    const predicted = await simulated('cart-recovery', { first_name: 'Noa' });

    // Act
    await drive.track(email, 'checkout_started', { cart_value: 45 });
    const execution = await drive.finished('cart-recovery', contactId, 60_000);

    // Assess: the path and the sends the simulator predicts
    expect(execution.status).toBe('SUCCEEDED');
    expect(drive.steps('cart-recovery', contactId)).toEqual(await simulatedSteps('cart-recovery', { first_name: 'Noa' }));
    const sent = (await drive.timeline(contactId)).filter((e) => e.type === 'email.sent');
    expect(sent.map((e) => e.data.templateId)).toEqual(predicted.emails.map((e) => e.templateId));
    expect(sent.map((e) => e.data.templateId)).toEqual(['cart-reminder-1', 'cart-reminder-2']);
    // Assess: a day apart on the execution's clock (the steps between the sends take a few real seconds at most)
    const gapHours = (Date.parse(sent[1]!.occurredAt) - Date.parse(sent[0]!.occurredAt)) / 3_600_000;
    const predictedGapHours = (Date.parse(predicted.emails[1]!.at) - Date.parse(predicted.emails[0]!.at)) / 3_600_000;
    expect(predictedGapHours).toBe(24);
    expect(gapHours).toBeGreaterThanOrEqual(24);
    expect(gapHours).toBeLessThan(24 + 1);
    // Assess: both emails are in the local SES inbox
    const inbox = await eventually(() => drive.inbox(email), (mails) => mails.length >= 2);
    expect(inbox.map((m) => m.subject)).toEqual(['You left something in your cart', 'Still thinking it over, Noa?']);
  });
});
