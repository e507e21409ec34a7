import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoEmailStore } from '../../functions/email/dynamo-email-store';
import { EmailSendFailed, EnrolmentNotRecorded, SesThrottled, type Mailer } from '../../functions/email/ports';
import { makeSendEmailTask } from '../../functions/email/send-email-task';
import { sendEmail } from '../../functions/email/send-email';
import { SesMailer } from '../../functions/email/ses-mailer';
import { handleSesEvent } from '../../functions/email/ses-events';
import { RETRYABLE_TASK_ERRORS } from '../../functions/shared/tasks';
import { localCredentials, localRegion } from '../../local/dynamodb-local';
import { startSesEventsProxy, type SesEventBridgeEvent, type SesEventsProxy } from '../../local/ses-events';
import { memoryLogger } from '../support/http';
import type { TestTable } from '../support/table';
import { PUBLIC_URL, createContact, createEnrolledContact, enrol, eventsOf, fixedClock, insideWindow, sendDeps, type LocalSes, useTableAndSes } from './support';

let table: TestTable;
let ses: LocalSes;
useTableAndSes((t, s) => {
  table = t;
  ses = s;
});

const step = (contactId: string, overrides: Record<string, unknown> = {}) => ({
  contactId,
  journeyId: 'budget-router',
  stepId: 'nurture-1',
  executionName: `budget-router-${contactId}-1`,
  templateId: 'nurture-1',
  ...overrides,
});

describe('the journey send step', () => {
  it('sends the rendered email through SES with one-click unsubscribe headers and records email.sent', async () => {
    // Prepare
    const { contactId, email } = await createEnrolledContact(table, { first_name: 'Grace' });
    const task = makeSendEmailTask(sendDeps(table, ses));

    // Act
    const output = await task(step(contactId));

    // Assess
    expect(output).toEqual({ outcome: 'sent', messageId: expect.any(String) });
    const [stored] = await ses.emails();
    expect(stored?.destination.to).toEqual([email]);
    expect(stored?.subject).toBe('Grace, your guide to planning on a small budget');
    expect(stored?.body.html).toContain('Hi Grace,');
    expect(stored?.body.text).toContain('Hi Grace,');
    const headers = Object.fromEntries((stored?.headers ?? []).map((h) => [h.name, h.value]));
    expect(headers['List-Unsubscribe']).toMatch(new RegExp(`^<${PUBLIC_URL}/u/u\\.[^>]+>, <mailto:unsubscribe@example\\.com\\?subject=unsubscribe>$`));
    expect(headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    const [sent] = await eventsOf(table, contactId, 'email.sent');
    expect(sent?.data).toMatchObject({
      messageId: output.outcome === 'sent' ? output.messageId : '',
      templateId: 'nurture-1',
      journeyId: 'budget-router',
      stepId: 'nurture-1',
      topic: 'nurture',
      kind: 'marketing',
    });
  });

  it('rewrites links to signed tracking URLs and adds the open pixel, but leaves the unsubscribe link alone', async () => {
    const { contactId } = await createEnrolledContact(table);
    await makeSendEmailTask(sendDeps(table, ses))(step(contactId));
    const [stored] = await ses.emails();
    expect(stored?.body.html).not.toContain('href="https://www.example.com/guides/small-budget-planning"');
    expect(stored?.body.html).toMatch(new RegExp(`href="${PUBLIC_URL}/t/c/c\\.${contactId}\\.[\\w-]+\\.0\\.[\\w-]+~[\\w-]+"`));
    expect(stored?.body.html).toMatch(new RegExp(`<img src="${PUBLIC_URL}/t/o/o\\.`));
    expect(stored?.body.html).toMatch(new RegExp(`href="${PUBLIC_URL}/u/u\\.`));
    expect(stored?.body.text).toMatch(new RegExp(`\\[${PUBLIC_URL}/t/c/c\\.`));
  });

  it('sends one email when the step is invoked twice, and answers the second time as a duplicate', async () => {
    const { contactId } = await createEnrolledContact(table);
    const task = makeSendEmailTask(sendDeps(table, ses));

    const first = await task(step(contactId));
    const second = await task(step(contactId));

    expect(second).toEqual({ ...first, duplicate: true });
    expect(await ses.emails()).toHaveLength(1);
    expect(await eventsOf(table, contactId, 'email.sent')).toHaveLength(1);
  });

  it('sends one email when two invocations of the same step race', async () => {
    const { contactId } = await createEnrolledContact(table);
    const task = makeSendEmailTask(sendDeps(table, ses));

    const outcomes = await Promise.all([task(step(contactId)), task(step(contactId)), task(step(contactId))]);

    expect(await ses.emails()).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === 'sent' && !o.duplicate)).toHaveLength(1);
  });

  it('raises SesThrottled when SES throttles, and sends on the retry', async () => {
    const { contactId } = await createEnrolledContact(table);
    const deps = sendDeps(table, ses);
    const throttled: Mailer = {
      send: async () => {
        throw Object.assign(new Error('Maximum sending rate exceeded.'), { name: 'TooManyRequestsException' });
      },
    };
    // The SDK error surfaces through the real mailer's mapping: wrap the fake the same way.
    const mapping = new SesMailer({ send: () => throttled.send({} as never) } as never, undefined);

    const error = await makeSendEmailTask({ ...deps, mailer: mapping })(step(contactId)).catch((e: unknown) => e);
    const retry = await makeSendEmailTask(deps)(step(contactId));

    expect(error).toBeInstanceOf(SesThrottled);
    expect((error as Error).name).toBe('SesThrottled');
    expect(retry).toMatchObject({ outcome: 'sent' });
    expect(await ses.emails()).toHaveLength(1);
  });

  it('records email.failed and fails the step when SES refuses the email', async () => {
    const { contactId } = await createEnrolledContact(table);
    const refusing: Mailer = {
      send: async () => {
        throw Object.assign(new Error('Email address is not verified.'), { name: 'MessageRejected' });
      },
    };

    const error = await makeSendEmailTask({ ...sendDeps(table, ses), mailer: refusing })(step(contactId)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EmailSendFailed);
    const [failed] = await eventsOf(table, contactId, 'email.failed');
    expect(failed?.data).toEqual({ templateId: 'nurture-1', journeyId: 'budget-router', stepId: 'nurture-1', error: 'MessageRejected' });
  });

  it('answers no_contact for a contact that does not exist', async () => {
    const output = await makeSendEmailTask(sendDeps(table, ses))(step('01HNOSUCHCONTACT0000000000'));
    expect(output).toEqual({ outcome: 'skipped', reason: 'no_contact' });
    expect(await ses.emails()).toHaveLength(0);
  });
});

describe('a send in doubt (the sender died between SES and recording the outcome)', () => {
  /** SES's events as the local runtime publishes them (its proxy in front of aws-ses-v2-local), kept for the test to deliver. */
  let proxy: SesEventsProxy;
  let sesClient: SESv2Client;
  let published: SesEventBridgeEvent[] = [];

  beforeAll(async () => {
    proxy = await startSesEventsProxy({
      sesUrl: ses.url,
      deliver: async (event) => published.push(event),
      region: localRegion,
      account: '000000000000',
      delayMs: 0,
    });
    sesClient = new SESv2Client({ endpoint: proxy.url, region: localRegion, credentials: localCredentials });
  });
  afterAll(async () => {
    sesClient.destroy();
    await proxy.close();
  });
  beforeEach(() => {
    published = [];
  });

  const store = () => new DynamoEmailStore(table.documentClient, table.tableName);
  const sesEventsDeps = () => ({ store: store(), logger: memoryLogger() });
  /** The send deps, through the events proxy, with a store whose `markSent` does `instead` (the injected fault). */
  const dying = (instead: DynamoEmailStore['markSent']) => {
    const failing = Object.assign(Object.create(store()) as DynamoEmailStore, { markSent: instead });
    return sendDeps(table, ses, { store: failing, mailer: new SesMailer(sesClient, undefined) });
  };
  const died = async () => {
    throw new Error('injected: process died after SES accepted the email');
  };
  /** The events SES published for the one email sent so far. */
  const sesEvents = async () => {
    await proxy.idle();
    return published;
  };
  const sendIdOf = (event: SesEventBridgeEvent) => ((event.detail.mail as { tags: Record<string, string[]> }).tags.send ?? [])[0] ?? '';

  it('never sends twice, and SES\'s delivery event records the send once, however often it arrives', async () => {
    // Prepare: the write after SES fails, as if the Lambda died there; its retry cannot tell whether SES took it.
    const { contactId } = await createEnrolledContact(table);
    await expect(makeSendEmailTask(dying(died))(step(contactId))).rejects.toThrow('injected');
    expect(await makeSendEmailTask(sendDeps(table, ses))(step(contactId))).toEqual({ outcome: 'skipped', reason: 'send_in_doubt' });
    const [delivery, ...others] = await sesEvents();
    expect(others).toEqual([]);
    expect(delivery?.['detail-type']).toBe('Email Delivered');
    const sendId = sendIdOf(delivery!);
    expect((await store().getSend(sendId))?.status).toBe('pending');
    expect(await eventsOf(table, contactId, 'email.sent')).toEqual([]);

    // Act: SES's event arrives, then again (EventBridge delivers at least once).
    const first = await handleSesEvent(delivery, sesEventsDeps());
    const record = await store().getSend(sendId);
    const second = await handleSesEvent(delivery, sesEventsDeps());
    const retry = await makeSendEmailTask(sendDeps(table, ses))(step(contactId));

    // Assess
    const [stored] = await ses.emails();
    expect(await ses.emails()).toHaveLength(1);
    expect([first, second]).toEqual(['recorded', 'duplicate']);
    expect(record).toMatchObject({ status: 'sent', messageId: stored?.messageId });
    expect(await store().getSend(sendId)).toEqual(record);
    const sent = await eventsOf(table, contactId, 'email.sent');
    expect(sent).toHaveLength(1);
    expect(sent[0]?.data).toEqual({
      messageId: stored?.messageId,
      templateId: 'nurture-1',
      journeyId: 'budget-router',
      stepId: 'nurture-1',
      topic: 'nurture',
      kind: 'marketing',
      sendId,
      reconciledFrom: 'Delivery',
    });
    expect(sent[0]?.occurredAt).toBe(record?.createdAt);
    expect(await eventsOf(table, contactId, 'email.delivered')).toHaveLength(1);
    expect(retry).toEqual({ outcome: 'sent', messageId: stored?.messageId, duplicate: true });
  });

  it('answers sent, writing nothing twice, when SES\'s event settled the send before the sender recorded it', async () => {
    // Prepare: the sender is slow; SES's delivery event is handled before its write.
    const { contactId } = await createEnrolledContact(table);
    const late = dying(async (...args) => {
      for (const event of await sesEvents()) await handleSesEvent(event, sesEventsDeps());
      return store().markSent(...args);
    });

    // Act
    const output = await makeSendEmailTask(late)(step(contactId));

    // Assess
    const [stored] = await ses.emails();
    expect(output).toEqual({ outcome: 'sent', messageId: stored?.messageId });
    const sent = await eventsOf(table, contactId, 'email.sent');
    expect(sent).toHaveLength(1);
    expect(sent[0]?.data).toMatchObject({ messageId: stored?.messageId, reconciledFrom: 'Delivery' });
  });

  it('records a send SES rejected after accepting it as failed, gives its slot back, and keeps the rejection', async () => {
    // Prepare: SES rejects the email after accepting the call (a virus), and the sender died in between.
    const { contactId } = await createEnrolledContact(table);
    await expect(makeSendEmailTask(dying(died))(step(contactId))).rejects.toThrow('injected');
    const [delivery] = await sesEvents();
    const { delivery: _delivered, ...detail } = delivery!.detail;
    const reject: SesEventBridgeEvent = { ...delivery!, 'detail-type': 'Email Rejected', detail: { ...detail, eventType: 'Reject', reject: { reason: 'Bad content' } } };

    // Act
    const outcome = await handleSesEvent(reject, sesEventsDeps());
    const retry = await makeSendEmailTask(sendDeps(table, ses))(step(contactId)).catch((e: unknown) => e);

    // Assess
    expect(outcome).toBe('recorded');
    expect(await store().getSend(sendIdOf(reject))).toMatchObject({ status: 'failed', reason: 'Reject: Bad content' });
    expect((await eventsOf(table, contactId, 'email.failed'))[0]?.data).toEqual({
      templateId: 'nurture-1', journeyId: 'budget-router', stepId: 'nurture-1', error: 'Reject: Bad content',
    });
    expect(await eventsOf(table, contactId, 'email.sent')).toEqual([]);
    expect((await eventsOf(table, contactId, 'email.rejected'))[0]?.data).toMatchObject({ reason: 'Bad content' });
    const log = await table.documentClient.send(
      new GetCommand({ TableName: table.tableName, Key: { PK: `CONTACT#${contactId}`, SK: 'MAILLOG' }, ConsistentRead: true }),
    );
    expect(log.Item?.sends).toEqual([]);
    expect(retry).toBeInstanceOf(EmailSendFailed);
  });

  it('stays send_in_doubt and logs an error once no SES event settled it within 24 hours', async () => {
    const { contactId } = await createEnrolledContact(table);
    await expect(makeSendEmailTask(dying(died))(step(contactId))).rejects.toThrow('injected');
    const logger = memoryLogger();
    const dayLater = sendDeps(table, ses, { clock: fixedClock(new Date(insideWindow.getTime() + 24 * 3_600_000 + 60_000)), logger });

    const [soon, late] = [await makeSendEmailTask(sendDeps(table, ses))(step(contactId)), await makeSendEmailTask(dayLater)(step(contactId))];

    expect([soon, late]).toEqual([{ outcome: 'skipped', reason: 'send_in_doubt' }, { outcome: 'skipped', reason: 'send_in_doubt' }]);
    expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'error', message: expect.stringContaining('still in doubt') }));
  });
});

describe('guards', () => {
  const subscription = (status: string) => ({ status, at: '2026-03-02T00:00:00Z', source: 'test' });
  const setProfile = async (contactId: string, attribute: string, value: unknown) => {
    const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
    await table.documentClient.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: { PK: `CONTACT#${contactId}`, SK: 'PROFILE' },
        UpdateExpression: 'SET #a = :v',
        ExpressionAttributeNames: { '#a': attribute },
        ExpressionAttributeValues: { ':v': value },
      }),
    );
  };

  it('sends no email after the contact unsubscribed from the topic, and records why', async () => {
    const { contactId } = await createEnrolledContact(table);
    await setProfile(contactId, 'subscriptions', { nurture: subscription('unsubscribed') });

    const output = await makeSendEmailTask(sendDeps(table, ses))(step(contactId));

    expect(output).toEqual({ outcome: 'skipped', reason: 'unsubscribed' });
    expect(await ses.emails()).toHaveLength(0);
    const [skipped] = await eventsOf(table, contactId, 'email.skipped');
    expect(skipped?.data).toEqual({ templateId: 'nurture-1', journeyId: 'budget-router', stepId: 'nurture-1', topic: 'nurture', reason: 'unsubscribed' });
  });

  it('sends no marketing email after an unsubscribe from all, but still sends transactional ones', async () => {
    const { contactId } = await createEnrolledContact(table);
    await setProfile(contactId, 'subscriptions', { all: subscription('unsubscribed') });
    const task = makeSendEmailTask(sendDeps(table, ses));

    expect(await task(step(contactId, { templateId: 'welcome', stepId: 'welcome' }))).toEqual({ outcome: 'skipped', reason: 'unsubscribed' });
    expect(await task(step(contactId, { templateId: 'rep-will-call', stepId: 'rep' }))).toMatchObject({ outcome: 'sent' });
  });

  it('sends nothing at all to a suppressed contact', async () => {
    const { contactId } = await createEnrolledContact(table);
    await setProfile(contactId, 'suppressed', { reason: 'bounce', at: '2026-03-02T00:00:00Z' });
    const task = makeSendEmailTask(sendDeps(table, ses));

    expect(await task(step(contactId))).toEqual({ outcome: 'skipped', reason: 'suppressed' });
    expect(await task(step(contactId, { templateId: 'rep-will-call', stepId: 'rep' }))).toEqual({ outcome: 'skipped', reason: 'suppressed' });
    expect(await ses.emails()).toHaveLength(0);
  });

  it('sends no marketing email while a double opt-in is unconfirmed', async () => {
    const { contactId } = await createEnrolledContact(table);
    await setProfile(contactId, 'subscriptions', { nurture: subscription('pending') });
    expect(await makeSendEmailTask(sendDeps(table, ses))(step(contactId))).toEqual({ outcome: 'skipped', reason: 'unconfirmed' });
  });

  it('answers unconfirmed, naming the topic and recording nothing, to a journey that waits for the confirmation; sends once confirmed', async () => {
    // Prepare
    const { contactId } = await createEnrolledContact(table);
    await setProfile(contactId, 'subscriptions', { nurture: subscription('pending') });
    const task = makeSendEmailTask(sendDeps(table, ses));

    // Act
    const pending = await task({ ...step(contactId), awaitConfirmation: true });
    await setProfile(contactId, 'subscriptions', { nurture: subscription('subscribed') });
    const confirmed = await task({ ...step(contactId), awaitConfirmation: true });

    // Assess: the same step sends after the wait, as nothing was recorded before it
    expect(pending).toEqual({ outcome: 'unconfirmed', topic: 'nurture' });
    expect(confirmed).toMatchObject({ outcome: 'sent' });
    expect(await eventsOf(table, contactId, 'email.skipped')).toEqual([]);
    expect(await ses.emails()).toHaveLength(1);
  });

  it('caps marketing emails at 3 per rolling 7 days, transactional exempt, and lets them through again later', async () => {
    // Prepare
    const { contactId } = await createEnrolledContact(table);
    const clock = fixedClock(new Date('2026-03-10T14:00:00Z'));
    const task = makeSendEmailTask(sendDeps(table, ses, { clock }));
    const nth = (n: number, templateId = 'nurture-1') => step(contactId, { stepId: `s${n}`, templateId });

    // Act
    for (let n = 1; n <= 3; n++) expect(await task(nth(n))).toMatchObject({ outcome: 'sent' });
    const fourth = await task(nth(4));
    const transactional = await task(nth(5, 'rep-will-call'));
    clock.set(new Date('2026-03-17T14:00:01Z'));
    const weekLater = await task(nth(6));

    // Assess
    expect(fourth).toEqual({ outcome: 'skipped', reason: 'frequency_cap' });
    expect(transactional).toMatchObject({ outcome: 'sent' });
    expect(weekLater).toMatchObject({ outcome: 'sent' });
  });

  it('defers a marketing email outside the contact\'s local hours until the window opens', async () => {
    // 23:30 in Tokyo on March 10th: the window opens at 08:00 Tokyo time, 23:00 UTC.
    const { contactId } = await createEnrolledContact(table, { time_zone: 'Asia/Tokyo' });
    const clock = fixedClock(new Date('2026-03-10T14:30:00Z'));
    const task = makeSendEmailTask(sendDeps(table, ses, { clock }));

    expect(await task(step(contactId))).toEqual({ outcome: 'deferred', until: '2026-03-10T23:00:00Z' });
    expect(await task(step(contactId, { templateId: 'rep-will-call', stepId: 'rep' }))).toMatchObject({ outcome: 'sent' });
    clock.set(new Date('2026-03-10T23:00:00Z'));
    expect(await task(step(contactId))).toMatchObject({ outcome: 'sent' });
    expect(await eventsOf(table, contactId, 'email.sent')).toHaveLength(2);
  });

  it('records a guard\'s refusal once, however often the step is retried', async () => {
    const { contactId } = await createEnrolledContact(table);
    await setProfile(contactId, 'subscriptions', { nurture: subscription('unsubscribed') });
    const task = makeSendEmailTask(sendDeps(table, ses));

    await task(step(contactId));
    await task(step(contactId));

    expect(await eventsOf(table, contactId, 'email.skipped')).toHaveLength(1);
  });
});

describe('sendEmail with extra data', () => {
  it('renders the data a caller passes, and the template default without it', async () => {
    const { contactId } = await createEnrolledContact(table);
    const deps = sendDeps(table, ses);
    await sendEmail({ contactId, templateId: 'trial-ending-soon', sendId: 'a1', data: { days_left: 5 } }, deps);
    await sendEmail({ contactId, templateId: 'trial-ends-today', sendId: 'a2' }, deps);
    const [first, second] = await ses.emails();
    expect(first?.subject).toBe('Your trial ends in 5 days');
    expect(second?.subject).toBe('Your trial ends today');
  });
});

describe('the journey enrolment', () => {
  it('sends nothing once a goal or an exit ended the enrolment, and records why', async () => {
    const { contactId } = await createContact(table);
    await enrol(table, contactId, 'budget-router', `budget-router-${contactId}-1`, 'exited');

    const output = await makeSendEmailTask(sendDeps(table, ses))(step(contactId));

    expect(output).toEqual({ outcome: 'skipped', reason: 'exited' });
    expect(await ses.emails()).toHaveLength(0);
    const [skipped] = await eventsOf(table, contactId, 'email.skipped');
    expect(skipped?.data).toMatchObject({ reason: 'exited', journeyId: 'budget-router', stepId: 'nurture-1' });
  });

  it('sends nothing for an execution that is no longer the contact\'s running enrolment', async () => {
    const { contactId } = await createContact(table);
    await enrol(table, contactId, 'budget-router', `budget-router-${contactId}-2`);

    expect(await makeSendEmailTask(sendDeps(table, ses))(step(contactId))).toEqual({ outcome: 'skipped', reason: 'exited' });
    expect(await ses.emails()).toHaveLength(0);
  });

  it('sends nothing when an exit lands between the read and the claim', async () => {
    // Prepare: the goal's exit is recorded right after the send read the membership as running.
    const { contactId } = await createEnrolledContact(table);
    const store = new DynamoEmailStore(table.documentClient, table.tableName);
    let exited = false;
    const racing = Object.assign(Object.create(store) as DynamoEmailStore, {
      loadForSend: async (...args: Parameters<DynamoEmailStore['loadForSend']>) => {
        const state = await store.loadForSend(...args);
        if (!exited) {
          exited = true;
          await enrol(table, contactId, 'budget-router', `budget-router-${contactId}-1`, 'exited');
        }
        return state;
      },
    });

    // Act
    const output = await makeSendEmailTask(sendDeps(table, ses, { store: racing }))(step(contactId));

    // Assess
    expect(output).toEqual({ outcome: 'skipped', reason: 'exited' });
    expect(await ses.emails()).toHaveLength(0);
  });

  it('waits for a membership the reactor records a moment after the execution started, then sends', async () => {
    // Prepare: the membership lands right after the send's first read found none (not after a fixed pause, which a
    // busy machine could stretch past the send's own wait).
    const { contactId } = await createContact(table);
    const store = new DynamoEmailStore(table.documentClient, table.tableName);
    let reads = 0;
    const late = Object.assign(Object.create(store) as DynamoEmailStore, {
      loadForSend: async (...args: Parameters<DynamoEmailStore['loadForSend']>) => {
        const state = await store.loadForSend(...args);
        if (++reads === 1) await enrol(table, contactId);
        return state;
      },
    });

    // Act
    const output = await makeSendEmailTask(sendDeps(table, ses, { store: late }))(step(contactId));

    // Assess: it read again after waiting, and sent
    expect(reads).toBeGreaterThan(1);
    expect(output).toMatchObject({ outcome: 'sent' });
    expect(await ses.emails()).toHaveLength(1);
  });

  it('raises EnrolmentNotRecorded (retried by Step Functions) while the reactor has not recorded the membership, then sends', async () => {
    const { contactId } = await createContact(table);
    const task = makeSendEmailTask(sendDeps(table, ses));

    const early = await task(step(contactId)).catch((e: unknown) => e);
    await enrol(table, contactId);
    const retry = await task(step(contactId));

    expect(early).toBeInstanceOf(EnrolmentNotRecorded);
    expect((early as Error).name).toBe('EnrolmentNotRecorded');
    expect(RETRYABLE_TASK_ERRORS).toContain('EnrolmentNotRecorded');
    expect(retry).toMatchObject({ outcome: 'sent' });
    expect(await ses.emails()).toHaveLength(1);
  });

  it('still costs three DynamoDB calls per send: read, claim, record', async () => {
    const { contactId } = await createEnrolledContact(table);
    const counted = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: table.endpoint, region: localRegion, credentials: localCredentials }), { marshallOptions: { removeUndefinedValues: true } });
    const operations: string[] = [];
    counted.middlewareStack.add(
      (next, context) => async (args) => {
        operations.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize' },
    );
    const store = new DynamoEmailStore(counted, table.tableName);

    expect(await makeSendEmailTask(sendDeps(table, ses, { store }))(step(contactId))).toMatchObject({ outcome: 'sent' });

    expect(operations).toEqual(['BatchGetItemCommand', 'TransactWriteItemsCommand', 'TransactWriteItemsCommand']);
  });
});

describe('the frequency cap under concurrency', () => {
  /** A store whose first `n` reads wait for each other, so concurrent sends decide on the same mail log. */
  const lockstep = (n: number) => {
    const store = new DynamoEmailStore(table.documentClient, table.tableName);
    let waiting = n;
    let release!: () => void;
    const allRead = new Promise<void>((done) => (release = done));
    return Object.assign(Object.create(store) as DynamoEmailStore, {
      loadForSend: async (...args: Parameters<DynamoEmailStore['loadForSend']>) => {
        const state = await store.loadForSend(...args);
        if (waiting > 0) {
          if (--waiting === 0) release();
          await allRead;
        }
        return state;
      },
    });
  };

  it('sends exactly one of two concurrent marketing emails when one slot is left, and logs it', async () => {
    // Prepare: two of the three slots taken.
    const { contactId } = await createEnrolledContact(table);
    const task = makeSendEmailTask(sendDeps(table, ses));
    for (const stepId of ['s1', 's2']) expect(await task(step(contactId, { stepId }))).toMatchObject({ outcome: 'sent' });
    await ses.clear();
    const racing = makeSendEmailTask(sendDeps(table, ses, { store: lockstep(2) }));

    // Act
    const outcomes = await Promise.all([racing(step(contactId, { stepId: 's3' })), racing(step(contactId, { stepId: 's4' }))]);

    // Assess
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['sent', 'skipped']);
    expect(outcomes).toContainEqual({ outcome: 'skipped', reason: 'frequency_cap' });
    expect(await ses.emails()).toHaveLength(1);
    const log = await table.documentClient.send(
      new GetCommand({ TableName: table.tableName, Key: { PK: `CONTACT#${contactId}`, SK: 'MAILLOG' }, ConsistentRead: true }),
    );
    expect((log.Item?.sends as unknown[]).length).toBe(3);
  });

  it('gives the slot back when SES refuses the email', async () => {
    const { contactId } = await createEnrolledContact(table);
    const refusing: Mailer = {
      send: async () => {
        throw Object.assign(new Error('Email address is not verified.'), { name: 'MessageRejected' });
      },
    };
    const task = makeSendEmailTask(sendDeps(table, ses));

    await expect(makeSendEmailTask(sendDeps(table, ses, { mailer: refusing }))(step(contactId, { stepId: 's1' }))).rejects.toThrow(EmailSendFailed);
    for (const stepId of ['s2', 's3', 's4']) expect(await task(step(contactId, { stepId }))).toMatchObject({ outcome: 'sent' });

    expect(await ses.emails()).toHaveLength(3);
  });
});
