import { describe, expect, it } from 'vitest';
import { makeSendEmailTask } from '../../functions/email/send-email-task';
import { assign } from '../../functions/experiments/domain/assignment';
import { experiments } from '../../functions/experiments/experiment-content';
import { EventName } from '../../functions/shared/events';
import type { TestTable } from '../support/table';
import { createEnrolledContact, eventsOf, sendDeps, type LocalSes, useTableAndSes } from '../email/support';

let table: TestTable;
let ses: LocalSes;
useTableAndSes((t, s) => {
  table = t;
  ses = s;
});

const experiment = experiments.get('newsletter-march')!;

/** A contact, enrolled in the welcome journey, whom the experiment puts in `arm` (contacts are created until one lands there). */
async function contactIn(arm: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const { contactId } = await createEnrolledContact(table, {}, 'welcome');
    if (assign(experiment, contactId).arm === arm) return contactId;
  }
  throw new Error(`no contact landed in ${arm}`);
}

const step = (contactId: string) => ({
  contactId,
  journeyId: 'welcome',
  stepId: 'welcome-email',
  executionName: `welcome-${contactId}-1`,
  templateId: 'welcome',
  experimentId: 'newsletter-march',
});

describe('a journey email step running an experiment', () => {
  it('sends the contact’s arm, with the arm’s template and subject line, and records the arm on email.sent', async () => {
    const contactId = await contactIn('question');

    const outcome = await makeSendEmailTask(sendDeps(table, ses), experiments)(step(contactId));

    expect(outcome.outcome).toBe('sent');
    const [email] = await ses.emails();
    expect(email?.subject).toBe('Is one follow-up email enough, Ada?');
    const [sent] = await eventsOf(table, contactId, EventName.EmailSent);
    expect(sent?.data).toMatchObject({ templateId: 'tips-day-2', experiment: { id: 'newsletter-march', arm: 'question' } });
  });

  it('sends a held-out contact nothing, records email.skipped with reason holdout, and lets the journey go on', async () => {
    const contactId = await contactIn('holdout');

    const outcome = await makeSendEmailTask(sendDeps(table, ses), experiments)(step(contactId));

    expect(outcome).toEqual({ outcome: 'skipped', reason: 'holdout' });
    expect(await ses.emails()).toEqual([]);
    const [skipped] = await eventsOf(table, contactId, EventName.EmailSkipped);
    expect(skipped?.data).toMatchObject({ reason: 'holdout', experiment: { id: 'newsletter-march', arm: 'holdout' } });
  });

  it('gives the same arm on a retried step: the send answers as the first one did', async () => {
    const contactId = await contactIn('announcement');
    const task = makeSendEmailTask(sendDeps(table, ses), experiments);

    await task(step(contactId));
    const again = await task(step(contactId));

    expect(again).toMatchObject({ outcome: 'sent', duplicate: true });
    expect(await ses.emails()).toHaveLength(1);
  });

  it('fails the step, naming it, when the experiment is not in content/experiments', async () => {
    const { contactId } = await createEnrolledContact(table, {}, 'welcome');

    await expect(makeSendEmailTask(sendDeps(table, ses), experiments)({ ...step(contactId), experimentId: 'gone' })).rejects.toThrow(/no experiment "gone"/);
  });
});
