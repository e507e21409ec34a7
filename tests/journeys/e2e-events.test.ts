import { describe, expect, it } from 'vitest';
import { eventually, simulatedSteps, trackedLinks, uniqueEmail, useLocalRuntime, type JourneyDriver } from './support';

/**
 * The shipped journeys through the real local runtime, where something the contact does must reach a running
 * execution before the journey's own timer moves it on: a click before the wait for it times out, a goal, an
 * unsubscribe or a bounce before the next email, an order within cart recovery's first hour. Each such event
 * travels through the gateway, the table's stream, the reactor and Step Functions, which on a busy machine can take
 * seconds; so an hour of journey time passes in 30 real seconds here, leaving that path a wide margin (the full
 * runs, whose timers must pass quickly, are in e2e.test.ts and e2e-cart.test.ts).
 */
let drive: JourneyDriver;

useLocalRuntime({ tableName: 'journeys-events', timeScale: 120 }, (_, d) => {
  drive = d;
});

const person = uniqueEmail;

describe('budget-router: what the contact does before the next email', () => {
  it('nurtures a $2,000 request and jumps to the demo offer when the first email\'s link is clicked', { timeout: 60_000 }, async () => {
    const email = person('small');
    await drive.identify(email, { email, first_name: 'Ada' });

    const contactId = await drive.postForm('demo-request', { email, first_name: 'Ada', budget: 2000 });
    const [first] = await eventually(() => drive.inbox(email), (mails) => mails.length > 0);
    await eventually(() => drive.waits(contactId), (waits) => waits.length > 0);
    await drive.later(60);
    const click = await fetch(trackedLinks(first!.html)[0]!, { redirect: 'manual' });
    const execution = await drive.finished('budget-router', contactId);

    expect(click.status).toBe(302);
    expect(execution.status).toBe('SUCCEEDED');
    expect(await drive.sent(contactId)).toEqual(['nurture-1', 'demo-offer']);
    expect(drive.steps('budget-router', contactId)).toEqual(
      await simulatedSteps('budget-router', { budget: 2_000 }, [{ at: '+1h', type: 'email.clicked', data: { templateId: 'nurture-1', machine: false } }]),
    );
    // The reactor deletes the wait in its transaction after resuming the task, which may come after the execution ends.
    expect(await eventually(() => drive.waits(contactId), (waits) => waits.length === 0)).toEqual([]);
    expect(await drive.crmContacts()).not.toContainEqual(expect.objectContaining({ email }));
  });

  it('stops the sequence when the contact books a demo (the goal), and records why', { timeout: 60_000 }, async () => {
    const email = person('booker');
    await drive.identify(email, { email, first_name: 'Bo' });

    const contactId = await drive.postForm('demo-request', { email, first_name: 'Bo', budget: 3000 });
    await eventually(() => drive.inbox(email), (mails) => mails.length > 0);
    await drive.track(email, 'demo_booked', { calendar: 'sales' });
    const execution = await drive.finished('budget-router', contactId);

    expect(execution.status).toBe('ABORTED');
    const exit = (await eventually(() => drive.timeline(contactId), (t) => t.some((e) => e.type === 'journey.exited'))).find((e) => e.type === 'journey.exited');
    expect(exit?.data).toMatchObject({ journeyId: 'budget-router', reason: 'goal', detail: 'event demo_booked' });
    expect(await drive.sent(contactId)).toEqual(['nurture-1']);
  });

  it('leaves the nurture sequence at once when the contact unsubscribes with one click', { timeout: 60_000 }, async () => {
    const email = person('leaver');
    await drive.identify(email, { email, first_name: 'Lee' });

    const contactId = await drive.postForm('demo-request', { email, first_name: 'Lee', budget: 1500 });
    const [first] = await eventually(() => drive.inbox(email), (mails) => mails.length > 0);
    const unsubscribe = /href="([^"]*\/u\/[^"]+)"/.exec(first!.html)![1]!.replace(/&amp;/g, '&');
    const oneClick = await fetch(unsubscribe, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    const execution = await drive.finished('budget-router', contactId);

    expect(oneClick.status).toBe(200);
    expect(execution.status).toBe('ABORTED');
    const exit = (await eventually(() => drive.timeline(contactId), (t) => t.some((e) => e.type === 'journey.exited'))).find((e) => e.type === 'journey.exited');
    expect(exit?.data).toMatchObject({ reason: 'unsubscribed' });
    expect(await drive.sent(contactId)).toEqual(['nurture-1']);
  });

  it('leaves on a hard bounce from the mailbox simulator', { timeout: 60_000 }, async () => {
    const email = 'bounce@simulator.amazonses.com';
    await drive.identify(email, { email, first_name: 'Bounce' });

    const contactId = await drive.postForm('demo-request', { email, first_name: 'Bounce', budget: 1500 });
    const execution = await drive.finished('budget-router', contactId);

    expect(execution.status).toBe('ABORTED');
    const types = (await eventually(() => drive.timeline(contactId), (t) => t.some((e) => e.type === 'journey.exited'))).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['email.bounced', 'journey.exited']));
  });
});

describe('cart-recovery: an order within the hour', () => {
  it('sends nothing when the order completes within the hour', { timeout: 60_000 }, async () => {
    const email = uniqueEmail('shopper');
    const contactId = await drive.identify(email, { email, first_name: 'Sam' });

    await drive.track(email, 'checkout_started', { cart_value: 120 });
    await eventually(async () => drive.execution('cart-recovery', contactId), (e) => e !== undefined);
    await drive.track(email, 'order_completed', { total: 120 });
    const execution = await drive.finished('cart-recovery', contactId);

    expect(execution.status).toBe('ABORTED');
    expect(await drive.sent(contactId)).toEqual([]);
  });
});
