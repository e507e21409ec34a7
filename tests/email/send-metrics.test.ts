import { describe, expect, it } from 'vitest';
import { countingSends } from '../../functions/email/email-senders';
import { makeSendEmailTask } from '../../functions/email/send-email-task';
import { SesMailer } from '../../functions/email/ses-mailer';
import { businessMetrics, MetricService, publishingMetrics } from '../../functions/shared/metrics';
import type { TestTable } from '../support/table';
import { captureEmf } from '../support/emf';
import { createEnrolledContact, sendDeps, type LocalSes, useTableAndSes } from './support';

let table: TestTable;
let ses: LocalSes;
useTableAndSes((t, s) => {
  table = t;
  ses = s;
});
const emf = captureEmf();

describe('EmailsSent', () => {
  it('counts an email SES took once, not again when a retried step finds it sent, with no address in the line', async () => {
    // Prepare: the send step as send-email-task.handler.ts composes it, on aws-ses-v2-local.
    const metrics = businessMetrics('Nurture-test', MetricService.email);
    const task = publishingMetrics(metrics, makeSendEmailTask(sendDeps(table, ses, { mailer: countingSends(new SesMailer(ses.client, undefined), metrics) })));
    const { contactId, email } = await createEnrolledContact(table, { first_name: 'Grace' });
    const step = { contactId, journeyId: 'budget-router', stepId: 'nurture-1', executionName: `budget-router-${contactId}-1`, templateId: 'nurture-1' };

    // Act
    const first = await task(step);
    const retry = await task(step);

    // Assess
    expect(first.outcome).toBe('sent');
    expect(retry).toMatchObject({ outcome: 'sent', duplicate: true });
    expect(await ses.emails()).toHaveLength(1);
    expect(emf.lines()).toMatchObject([{ service: 'email', EmailsSent: 1 }]);
    expect(JSON.stringify(emf.lines())).not.toContain(email);
    expect(JSON.stringify(emf.lines())).not.toContain(contactId);
  });
});
