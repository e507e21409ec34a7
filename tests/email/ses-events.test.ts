import { describe, expect, it } from 'vitest';
import { DynamoEmailStore } from '../../functions/email/dynamo-email-store';
import { makeSendEmailTask } from '../../functions/email/send-email-task';
import { SesEventDetail, settleDoubt } from '../../functions/email/domain/ses-event';
import { handleSesEvent } from '../../functions/email/ses-events';
import { memoryLogger } from '../support/http';
import type { TestTable } from '../support/table';
import { createEnrolledContact, eventsOf, sendDeps, type LocalSes, useTableAndSes } from './support';

let table: TestTable;
let ses: LocalSes;
useTableAndSes((t, s) => {
  table = t;
  ses = s;
});

const store = () => new DynamoEmailStore(table.documentClient, table.tableName);
const deps = () => ({ store: store(), logger: memoryLogger() });

/** Sends nurture-1 to the contact from a journey step; the SES event tags are the ones the send set. */
async function send(contactId: string) {
  const output = await makeSendEmailTask(sendDeps(table, ses))({
    contactId,
    journeyId: 'budget-router',
    stepId: 'nurture-1',
    executionName: `budget-router-${contactId}-1`,
    templateId: 'nurture-1',
  });
  return output.outcome === 'sent' ? output.messageId : '';
}

/**
 * An SES event as EventBridge delivers it, shaped like the examples in the SES developer guide ("Examples of
 * event data that Amazon SES publishes to Amazon EventBridge").
 */
function sesEvent(detailType: string, eventType: string, contactId: string, messageId: string, extra: Record<string, unknown>, id = `${eventType}-${messageId}`) {
  return {
    version: '0',
    id,
    'detail-type': detailType,
    source: 'aws.ses',
    account: '123456789012',
    time: '2026-03-10T14:00:05Z',
    region: 'us-east-1',
    resources: ['arn:aws:ses:us-east-1:123456789012:configuration-set/nurture'],
    detail: {
      eventType,
      mail: {
        timestamp: '2026-03-10T14:00:00.000Z',
        source: 'hello@example.com',
        sendingAccountId: '123456789012',
        messageId,
        destination: ['recipient@example.com'],
        headersTruncated: false,
        tags: {
          'ses:configuration-set': ['nurture'],
          'ses:source-ip': ['192.0.2.0'],
          contact: [contactId],
          send: ['abc'],
          template: ['nurture-1'],
          journey: ['budget-router'],
          step: ['nurture-1'],
          topic: ['nurture'],
        },
      },
      ...extra,
    },
  };
}

const permanentBounce = {
  bounce: {
    bounceType: 'Permanent',
    bounceSubType: 'General',
    bouncedRecipients: [{ emailAddress: 'recipient@example.com', action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }],
    timestamp: '2026-03-10T14:00:05.000Z',
    feedbackId: '0100-feedback',
    reportingMTA: 'dsn; e.example.com',
  },
};

describe('SES events', () => {
  it('suppresses the contact on a permanent bounce and records email.bounced; nothing is sent to it again', async () => {
    // Prepare
    const { contactId } = await createEnrolledContact(table);
    const messageId = await send(contactId);

    // Act
    const outcome = await handleSesEvent(sesEvent('Email Bounced', 'Bounce', contactId, messageId, permanentBounce), deps());
    const next = await makeSendEmailTask(sendDeps(table, ses))({
      contactId, journeyId: 'budget-router', stepId: 'nurture-2', executionName: `budget-router-${contactId}-1`, templateId: 'nurture-2',
    });

    // Assess
    expect(outcome).toBe('recorded');
    const [bounced] = await eventsOf(table, contactId, 'email.bounced');
    expect(bounced?.data).toEqual({
      messageId, templateId: 'nurture-1', journeyId: 'budget-router', stepId: 'nurture-1', topic: 'nurture',
      bounceType: 'Permanent', bounceSubType: 'General', permanent: true,
    });
    expect((await store().getContact(contactId))?.suppressed).toEqual({ reason: 'bounce', at: '2026-03-10T14:00:05Z' });
    expect(next).toEqual({ outcome: 'skipped', reason: 'suppressed' });
  });

  it('records a transient bounce without suppressing', async () => {
    const { contactId } = await createEnrolledContact(table);
    const messageId = await send(contactId);
    const transient = { bounce: { ...permanentBounce.bounce, bounceType: 'Transient', bounceSubType: 'MailboxFull' } };

    await handleSesEvent(sesEvent('Email Bounced', 'Bounce', contactId, messageId, transient), deps());

    const [bounced] = await eventsOf(table, contactId, 'email.bounced');
    expect(bounced?.data).toMatchObject({ bounceType: 'Transient', permanent: false });
    expect((await store().getContact(contactId))?.suppressed).toBeUndefined();
  });

  it('on a complaint, suppresses, unsubscribes from all marketing and records both events', async () => {
    const { contactId } = await createEnrolledContact(table);
    const messageId = await send(contactId);
    const complaint = {
      complaint: {
        complainedRecipients: [{ emailAddress: 'recipient@example.com' }],
        timestamp: '2026-03-10T14:00:05.000Z',
        feedbackId: '0100-feedback',
        userAgent: 'Mozilla/5.0',
        complaintFeedbackType: 'abuse',
        arrivalDate: '2026-03-10T14:00:04.000Z',
      },
    };

    await handleSesEvent(sesEvent('Email Complaint Received', 'Complaint', contactId, messageId, complaint), deps());

    const contact = await store().getContact(contactId);
    expect(contact?.suppressed?.reason).toBe('complaint');
    expect(contact?.subscriptions?.all).toMatchObject({ status: 'unsubscribed', source: 'complaint' });
    expect((await eventsOf(table, contactId, 'email.complained'))[0]?.data).toMatchObject({ messageId, feedbackType: 'abuse' });
    expect((await eventsOf(table, contactId, 'email.unsubscribed'))[0]?.data).toEqual({ topic: 'all', source: 'complaint', messageId, templateId: 'nurture-1' });
  });

  it('records deliveries, rejections and delays', async () => {
    const { contactId } = await createEnrolledContact(table);
    const messageId = await send(contactId);

    await handleSesEvent(sesEvent('Email Delivered', 'Delivery', contactId, messageId, { delivery: { timestamp: '2026-03-10T14:00:05Z', processingTimeMillis: 500, recipients: ['recipient@example.com'], smtpResponse: '250 ok' } }), deps());
    await handleSesEvent(sesEvent('Email Rejected', 'Reject', contactId, messageId, { reject: { reason: 'Bad content' } }), deps());
    await handleSesEvent(sesEvent('Email Delivery Delayed', 'DeliveryDelay', contactId, messageId, { deliveryDelay: { delayType: 'TransientCommunicationFailure', delayedRecipients: [], expirationTime: '2026-03-11T14:00:00Z', timestamp: '2026-03-10T14:00:05Z' } }), deps());

    expect(await eventsOf(table, contactId, 'email.delivered')).toHaveLength(1);
    expect((await eventsOf(table, contactId, 'email.rejected'))[0]?.data).toMatchObject({ reason: 'Bad content' });
    expect((await eventsOf(table, contactId, 'email.delivery_delayed'))[0]?.data).toMatchObject({ delayType: 'TransientCommunicationFailure' });
  });

  it('writes a redelivered event once', async () => {
    const { contactId } = await createEnrolledContact(table);
    const messageId = await send(contactId);
    const event = sesEvent('Email Bounced', 'Bounce', contactId, messageId, permanentBounce);

    const outcomes = [await handleSesEvent(event, deps()), await handleSesEvent(event, deps())];

    expect(outcomes).toEqual(['recorded', 'duplicate']);
    expect(await eventsOf(table, contactId, 'email.bounced')).toHaveLength(1);
  });

  it('settles a send in doubt as sent on any SES event but a refusal, and as failed on Reject or Rendering Failure', () => {
    const settle = (eventType: string, extra: Record<string, unknown> = {}) =>
      settleDoubt(SesEventDetail.parse(sesEvent('-', eventType, 'c', 'm', extra).detail));

    expect(['Send', 'Delivery', 'DeliveryDelay'].map((type) => settle(type, { delivery: {}, deliveryDelay: {} }))).toEqual(Array(3).fill({ status: 'sent' }));
    expect(settle('Bounce', permanentBounce)).toEqual({ status: 'sent' });
    expect(settle('Complaint', { complaint: {} })).toEqual({ status: 'sent' });
    expect(settle('Reject', { reject: { reason: 'Bad content' } })).toEqual({ status: 'failed', error: 'Reject: Bad content' });
    expect(settle('Rendering Failure', { failure: { errorMessage: 'Attribute name is missing', templateName: 't' } })).toEqual({ status: 'failed', error: 'RenderingFailure' });
  });

  it('ignores events of emails Nurture did not send, and the event types it tracks itself', async () => {
    const foreign = sesEvent('Email Delivered', 'Delivery', 'x', 'm', { delivery: {} });
    delete (foreign.detail.mail.tags as Record<string, unknown>).contact;
    expect(await handleSesEvent(foreign, deps())).toBe('not_ours');
    expect(await handleSesEvent(sesEvent('Email Opened', 'Open', 'x', 'm', { open: {} }), deps())).toBe('ignored');
  });
});
