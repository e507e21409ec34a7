import { describe, expect, it } from 'vitest';
import type { FormDefinition } from '../../functions/forms/domain/form-definition';
import { forms } from '../../functions/forms/forms';
import type { Runtime } from '../../local/runtime';
import { eventually, uniqueEmail, useLocalRuntime, type JourneyDriver } from './support';

/**
 * The welcome journey for a newsletter form that asks for double opt-in, through the real local runtime: the form
 * post, the reactor's confirmation email and `pending` consent, the compiled state machine waiting in the local
 * Step Functions endpoint, the confirmation link in the local inbox, and the reactor resuming the wait on
 * `consent.confirmed`. The shipped newsletter form has no `subscribe` block; this file's runtime (in this process)
 * reads it declared `subscribe: { topic: newsletter, doubleOptIn: true }`, as a marketer would write it.
 *
 * Two journey days pass per real second, so the welcome journey's 30-day bound on the wait lasts 15 seconds: time
 * enough to click the link, and short enough to watch it run out.
 */
const newsletter = forms.get('newsletter')!;
(forms as Map<string, FormDefinition>).set('newsletter', { ...newsletter, subscribe: { topic: 'newsletter', doubleOptIn: true } });

let runtime: Runtime;
let drive: JourneyDriver;

useLocalRuntime({ tableName: 'journeys-double-opt-in', timeScale: 172_800 }, (r, d) => {
  runtime = r;
  drive = d;
});

const pending = { newsletter: { status: 'pending' as const } };

/** Signs up through the double opt-in form and waits for the confirmation email; answers its signed link. */
async function signUp(name: string): Promise<{ email: string; contactId: string; confirmLink: string }> {
  const email = uniqueEmail(name.toLowerCase());
  await drive.identify(email, { email, first_name: name });
  const contactId = await drive.postForm('newsletter', { email, first_name: name, newsletter_consent: 'on' });
  const [confirmation] = await eventually(() => drive.inbox(email), (mails) => mails.some((m) => m.subject === 'Please confirm your subscription'));
  const confirmLink = /href="([^"]*\/u\/k\.[^"]+)"/.exec(confirmation?.html ?? '')?.[1]?.replace(/&amp;/g, '&');
  expect(confirmLink, 'the confirmation email\'s link').toBeDefined();
  return { email, contactId, confirmLink: confirmLink! };
}

describe('welcome after a double opt-in', () => {
  it('waits for the confirmation, then sends the welcome and the tips, as the simulator does', { timeout: 90_000 }, async () => {
    // Prepare: signed up; the journey started and waits for the confirmation, having sent and skipped nothing
    const { email, contactId, confirmLink } = await signUp('Dora');
    const waits = await eventually(() => drive.waits(contactId), (items) => items.length > 0);
    expect(waits).toEqual([expect.objectContaining({ event: 'consent.confirmed', where: ['topic == newsletter'] })]);
    const journeySends = (await drive.timeline(contactId)).filter((e) => (e.type === 'email.skipped' || e.type === 'email.sent') && e.data.journeyId === 'welcome');
    expect(journeySends).toEqual([]);

    // Act: the contact presses the confirmation page's button
    const confirmed = await fetch(confirmLink, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'action=confirm' });
    const execution = await drive.finished('welcome', contactId, 60_000);

    // Assess
    expect(confirmed.status).toBe(200);
    expect(execution.status).toBe('SUCCEEDED');
    const timeline = await drive.timeline(contactId);
    const welcome = timeline.find((e) => e.type === 'email.sent' && e.data.templateId === 'welcome');
    // The simulator, told the confirmation came when the runtime's welcome went out, predicts the same run.
    const run = await drive.versusSimulator('welcome', contactId, { first_name: 'Dora' }, [{ at: welcome!.occurredAt, type: 'consent.confirmed', data: { topic: 'newsletter' } }], pending);
    expect(run.runtime).toEqual(run.simulator);
    expect(run.runtime.emails).toEqual(['welcome', 'tips-day-2', 'tips-day-5']);
    expect((await drive.inbox(email)).map((m) => m.subject)).toContain('Welcome, Dora!');
    expect(timeline.map((e) => e.type)).not.toContain('journey.exited');
  });

  it('exits as unconfirmed when the link is never confirmed within 30 days, sending and skipping nothing, as the simulator does', { timeout: 90_000 }, async () => {
    // Prepare
    const { email, contactId } = await signUp('Nell');

    // Act: nobody confirms
    const execution = await drive.finished('welcome', contactId, 60_000);
    await runtime.stepFunctions.idle();

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    const timeline = await drive.timeline(contactId);
    expect(timeline.filter((e) => e.type.startsWith('journey.')).map((e) => [e.type, e.data.reason])).toEqual([
      ['journey.entered', undefined],
      ['journey.exited', 'unconfirmed'],
    ]);
    const run = await drive.versusSimulator('welcome', contactId, { first_name: 'Nell' }, [], pending);
    expect(run.runtime).toEqual(run.simulator);
    expect(run.runtime).toEqual({ steps: ['welcome-email'], emails: [], minutes: [] });
    expect(await drive.waits(contactId)).toEqual([]);
    expect((await drive.inbox(email)).map((m) => m.subject)).toEqual(['Please confirm your subscription']);
  });
});
