import { describe, expect, it } from 'vitest';
import { DynamoEmailStore } from '../../functions/email/dynamo-email-store';
import { emailSettings } from '../../functions/email/email-settings';
import { makePreferences } from '../../functions/email/preferences';
import { makeSendEmailTask } from '../../functions/email/send-email-task';
import { TokenSigner } from '../../functions/email/tokens';
import { httpEvent, lambdaContext, memoryLogger } from '../support/http';
import type { TestTable } from '../support/table';
import { PUBLIC_URL, createEnrolledContact, eventsOf, fixedClock, sendDeps, signingKey, type LocalSes, useTableAndSes } from './support';

let table: TestTable;
let ses: LocalSes;
useTableAndSes((t, s) => {
  table = t;
  ses = s;
});

const signer = new TokenSigner([signingKey]);
const store = () => new DynamoEmailStore(table.documentClient, table.tableName);
const page = (clock = fixedClock()) =>
  makePreferences({ store: store(), settings: emailSettings, signer: async () => signer, clock, logger: memoryLogger() });

const request = (method: 'GET' | 'POST', token: string, body?: string) =>
  httpEvent({
    routeKey: `${method} /u/{token}`,
    path: `/u/${token}`,
    pathParameters: { token },
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    ...(body !== undefined ? { body } : {}),
  });

const step = (contactId: string, stepId: string, templateId = 'nurture-1') => ({
  contactId,
  journeyId: 'budget-router',
  stepId,
  executionName: `budget-router-${contactId}-1`,
  templateId,
});

/** Sends nurture-1 and returns the token of its List-Unsubscribe URL. */
async function unsubscribeTokenOf(contactId: string): Promise<string> {
  await makeSendEmailTask(sendDeps(table, ses))(step(contactId, 's1'));
  const [email] = await ses.emails();
  const header = email?.headers?.find((h) => h.name === 'List-Unsubscribe')?.value ?? '';
  return new RegExp(`<${PUBLIC_URL}/u/([^>]+)>`).exec(header)?.[1] ?? '';
}

describe('one-click unsubscribe (RFC 8058)', () => {
  it('unsubscribes from the email\'s topic at once on a POST of exactly "List-Unsubscribe=One-Click", and answers 200', async () => {
    // Prepare
    const { contactId } = await createEnrolledContact(table);
    const token = await unsubscribeTokenOf(contactId);

    // Act
    const result = await page()(request('POST', token, 'List-Unsubscribe=One-Click'), lambdaContext());

    // Assess
    expect(result.statusCode).toBe(200);
    const contact = await store().getContact(contactId);
    expect(contact?.subscriptions?.nurture).toMatchObject({ status: 'unsubscribed', source: 'one-click' });
    const [event] = await eventsOf(table, contactId, 'email.unsubscribed');
    expect(event?.data).toMatchObject({ topic: 'nurture', source: 'one-click', templateId: 'nurture-1', messageId: expect.any(String) });
  });

  it('sends no further email of that topic, but still sends other topics', async () => {
    const { contactId } = await createEnrolledContact(table);
    const token = await unsubscribeTokenOf(contactId);
    await page()(request('POST', token, 'List-Unsubscribe=One-Click'), lambdaContext());
    const task = makeSendEmailTask(sendDeps(table, ses));

    expect(await task(step(contactId, 's2', 'nurture-2'))).toEqual({ outcome: 'skipped', reason: 'unsubscribed' });
    expect(await task(step(contactId, 's3', 'welcome'))).toMatchObject({ outcome: 'sent' });
  });

  it('records one unsubscribe however often the mail client repeats the POST', async () => {
    const { contactId } = await createEnrolledContact(table);
    const token = await unsubscribeTokenOf(contactId);
    for (let i = 0; i < 3; i++) await page()(request('POST', token, 'List-Unsubscribe=One-Click'), lambdaContext());
    expect(await eventsOf(table, contactId, 'email.unsubscribed')).toHaveLength(1);
  });

  it('also accepts the one-click body sent as multipart/form-data', async () => {
    const { contactId } = await createEnrolledContact(table);
    const token = await unsubscribeTokenOf(contactId);
    const body = '--b\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--b--\r\n';

    const result = await page()(request('POST', token, body), lambdaContext());

    expect(result.statusCode).toBe(200);
    expect((await store().getContact(contactId))?.subscriptions?.nurture?.status).toBe('unsubscribed');
  });

  it('refuses a POST that is neither one-click nor the preference form, and changes nothing', async () => {
    const { contactId } = await createEnrolledContact(table);
    const token = await unsubscribeTokenOf(contactId);

    const result = await page()(request('POST', token, ''), lambdaContext());

    expect(result.statusCode).toBe(400);
    expect((await store().getContact(contactId))?.subscriptions).toBeUndefined();
  });

  it('answers 404 and changes nothing for a tampered token', async () => {
    const { contactId } = await createEnrolledContact(table);
    const token = await unsubscribeTokenOf(contactId);
    const result = await page()(request('POST', `${token.slice(0, -2)}AA`, 'List-Unsubscribe=One-Click'), lambdaContext());
    expect(result.statusCode).toBe(404);
    expect((await store().getContact(contactId))?.subscriptions).toBeUndefined();
  });
});

describe('the preference page', () => {
  it('shows one checkbox per topic, checked while subscribed, and changes nothing on GET', async () => {
    const { contactId } = await createEnrolledContact(table);
    const token = await unsubscribeTokenOf(contactId);

    const result = await page()(request('GET', token), lambdaContext());

    expect(result.statusCode).toBe(200);
    for (const topic of emailSettings.topics) expect(result.body).toContain(`value="${topic.id}" checked`);
    expect(result.body).toContain('value="unsubscribe_all"');
    expect(await eventsOf(table, contactId, 'email.unsubscribed')).toHaveLength(0);
  });

  it('saves the topics left checked and records each change', async () => {
    const { contactId } = await createEnrolledContact(table);
    const token = await unsubscribeTokenOf(contactId);

    const result = await page()(request('POST', token, 'topic=newsletter&topic=product&action=save'), lambdaContext());

    expect(result.statusCode).toBe(200);
    expect(result.body).toContain('value="nurture">');
    expect(result.body).toContain('Your preferences are saved');
    const events = await eventsOf(table, contactId, 'email.unsubscribed');
    expect(events.map((e) => e.data)).toEqual([{ topic: 'nurture', source: 'preference-page', messageId: expect.any(String), templateId: 'nurture-1' }]);
  });

  it('unsubscribes from all marketing, and a later save of a topic subscribes again', async () => {
    const { contactId } = await createEnrolledContact(table);
    const token = await unsubscribeTokenOf(contactId);
    const task = makeSendEmailTask(sendDeps(table, ses));

    await page()(request('POST', token, 'action=unsubscribe_all'), lambdaContext());
    const afterAll = await task(step(contactId, 's2', 'welcome'));
    await page()(request('POST', token, 'topic=newsletter&action=save'), lambdaContext());
    const afterResubscribe = await task(step(contactId, 's3', 'welcome'));

    expect(afterAll).toEqual({ outcome: 'skipped', reason: 'unsubscribed' });
    expect(afterResubscribe).toMatchObject({ outcome: 'sent' });
    const unsubscribed = (await eventsOf(table, contactId, 'email.unsubscribed')).map((e) => e.data);
    expect(unsubscribed).toContainEqual(expect.objectContaining({ topic: 'all', source: 'preference-page' }));
  });
});
