import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { shippedOverviewRules } from '../../functions/contacts/contact-overview-rules';
import { DynamoContactData } from '../../functions/contacts/dynamo-contact-data';
import { DynamoContacts } from '../../functions/contacts/dynamo-contacts';
import { makeReadContactsHandler } from '../../functions/contacts/read-contacts';
import { segmentStateItem } from '../../functions/segments/capability';
import { keys } from '../../functions/shared/keys';
import { bodyOf, grantedTo, httpEvent, lambdaContext, memoryLogger } from '../support/http';
import { createTestTable, type TestTable } from '../support/table';

let table: TestTable;
let contacts: DynamoContacts;
let read: ReturnType<typeof makeReadContactsHandler>;

beforeAll(async () => {
  table = await createTestTable();
  contacts = new DynamoContacts(table.documentClient, table.tableName);
  read = makeReadContactsHandler({
    contacts,
    logger: memoryLogger(),
    overview: { data: new DynamoContactData(table.documentClient, table.tableName), rules: shippedOverviewRules },
  });
});

const overview = (contactId: string, scopes = 'contacts:read') =>
  read(
    httpEvent({
      routeKey: 'GET /contacts/{contactId}/overview',
      path: `/contacts/${contactId}/overview`,
      pathParameters: { contactId },
      authorizer: grantedTo(scopes),
    }),
    lambdaContext(),
  );

async function newContact() {
  const email = `overview-${Math.random()}@example.com`;
  const { contactId } = await contacts.recordSubmission(email, { formId: 'newsletter', fields: { email }, utm: {} }, new Date('2026-11-01T08:00:00.000Z'));
  return { contactId, email };
}

const put = (item: Record<string, unknown>) => table.documentClient.send(new PutCommand({ TableName: table.tableName, Item: item }));

async function sent(contactId: string, at: string, messageId: string, extra: Record<string, unknown> = {}) {
  await contacts.appendEvent(contactId, {
    type: 'email.sent',
    occurredAt: at,
    data: { messageId, templateId: 'newsletter-issue', kind: 'marketing', sendId: `send-${messageId}`, ...extra },
  });
}

describe('GET /contacts/{contactId}/overview', () => {
  it('answers the profile, consent for every topic, the stage, current segments and the CRM link in one call', async () => {
    const { contactId, email } = await newContact();
    await table.documentClient.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: keys.profile(contactId),
        UpdateExpression: 'SET subscriptions = :s, stage = :stage, stageChangedAt = :since, crm = :crm',
        ExpressionAttributeValues: {
          ':s': { product: { status: 'unsubscribed', at: '2026-11-02T10:00:00.000Z', source: 'preference-page' }, newsletter: { status: 'subscribed', at: '2026-11-01T08:00:00.000Z', source: 'form', basis: 'form' } },
          ':stage': 'mql',
          ':since': '2026-11-03T09:00:00.000Z',
          ':crm': { provider: 'hubspot', id: '901', handedOffAt: '2026-11-03T09:00:00.000Z' },
        },
      }),
    );
    await put(segmentStateItem({ segmentId: 'newsletter-subscribers', contactId, member: true, since: '2026-11-01T08:00:01.000Z', memory: {}, evaluatedAt: '2026-11-01T08:00:01.000Z' }));
    await put(segmentStateItem({ segmentId: 'loyal-customers', contactId, member: false, memory: {}, evaluatedAt: '2026-11-01T08:00:01.000Z' }));

    const result = await overview(contactId);

    expect(result.statusCode).toBe(200);
    expect(result.headers['cache-control']).toBe('no-store');
    const body = bodyOf(result);
    expect(body.contact).toMatchObject({ contactId, email });
    expect(body.contact).not.toHaveProperty('PK');
    expect(body).not.toHaveProperty('timeline');
    expect(body.consent).toEqual([
      { topic: 'newsletter', status: 'subscribed', basis: 'form', source: 'form', at: '2026-11-01T08:00:00.000Z' },
      { topic: 'product', status: 'unsubscribed', source: 'preference-page', at: '2026-11-02T10:00:00.000Z' },
      { topic: 'nurture', status: 'subscribed' },
    ]);
    expect(body.stage).toEqual({ id: 'mql', since: '2026-11-03T09:00:00.000Z' });
    expect(body.segments).toEqual([{ segmentId: 'newsletter-subscribers', since: '2026-11-01T08:00:01.000Z' }]);
    expect(body.crm).toEqual({ provider: 'hubspot', crmId: '901' });
    expect(body.journeys).toEqual([]);
    expect(body.sends).toEqual([]);
  });

  it('shows every topic unsubscribed, with the all-topics record, once the person left all marketing', async () => {
    const { contactId } = await newContact();
    await table.documentClient.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: keys.profile(contactId),
        UpdateExpression: 'SET subscriptions = :s',
        ExpressionAttributeValues: { ':s': { all: { status: 'unsubscribed', at: '2026-11-05T10:00:00.000Z', source: 'one-click' } } },
      }),
    );

    const body = bodyOf(await overview(contactId));

    expect(body.consent).toEqual(
      ['newsletter', 'product', 'nurture'].map((topic) => ({ topic, status: 'unsubscribed', source: 'one-click', at: '2026-11-05T10:00:00.000Z' })),
    );
    expect(body.stage).toEqual({ id: 'subscriber' });
    expect(body.crm).toBeNull();
  });

  it('lists journeys with where an active contact is, and how ended ones ended', async () => {
    const { contactId } = await newContact();
    const membership = (journeyId: string, fields: Record<string, unknown>) =>
      put({ ...keys.membership(contactId, journeyId), journeyId, executionName: `${journeyId}-${contactId}-e1`, entries: 1, ...fields });
    await membership('cart-recovery', { status: 'running', enteredAt: '2026-11-06T10:00:00.000Z' });
    await membership('welcome', { status: 'exited', enteredAt: '2026-11-01T08:00:01.000Z', endedAt: '2026-11-02T10:00:00.000Z', endReason: 'unsubscribed' });
    await membership('trial-expiry', { status: 'running', enteredAt: '2026-11-04T10:00:00.000Z' });
    await put({
      ...keys.wait(contactId, `trial-expiry-${contactId}-e1`, 'wait-for-upgrade'),
      journeyId: 'trial-expiry',
      executionName: `trial-expiry-${contactId}-e1`,
      stepId: 'wait-for-upgrade',
      event: 'plan_upgraded',
      where: [],
      taskToken: 'secret-token',
      createdAt: '2026-11-04T10:00:00.000Z',
      expiresAt: 1_900_000_000,
    });
    await sent(contactId, '2026-11-06T11:00:00.000Z', 'm-cart-1', { journeyId: 'cart-recovery', stepId: 'first-reminder' });

    const result = await overview(contactId);

    expect(bodyOf(result).journeys).toEqual([
      // After its first reminder the contact sits in the one wait that follows it.
      { journeyId: 'cart-recovery', status: 'active', step: 'a-day-later', enteredAt: '2026-11-06T10:00:00.000Z' },
      { journeyId: 'trial-expiry', status: 'active', step: 'wait-for-upgrade', enteredAt: '2026-11-04T10:00:00.000Z' },
      { journeyId: 'welcome', status: 'exited', enteredAt: '2026-11-01T08:00:01.000Z', endedAt: '2026-11-02T10:00:00.000Z', reason: 'unsubscribed' },
    ]);
    expect(result.body).not.toContain('secret-token');
  });

  it('places a contact that has marked no step yet in the first wait of its journey', async () => {
    const { contactId } = await newContact();
    await put({ ...keys.membership(contactId, 'cart-recovery'), journeyId: 'cart-recovery', executionName: 'x', entries: 1, status: 'running', enteredAt: '2026-11-06T10:00:00.000Z' });

    const body = bodyOf(await overview(contactId));

    expect(body.journeys).toEqual([{ journeyId: 'cart-recovery', status: 'active', step: 'grace-hour', enteredAt: '2026-11-06T10:00:00.000Z' }]);
  });

  it('lists sends newest first with their outcome, opens, clicks and clicks by people, at most 50', async () => {
    const { contactId } = await newContact();
    await sent(contactId, '2026-11-02T09:00:00.000Z', 'm-1', { journeyId: 'welcome', stepId: 'welcome-email', templateId: 'welcome' });
    const event = (type: string, at: string, data: Record<string, unknown>) => contacts.appendEvent(contactId, { type, occurredAt: at, data } as never);
    await event('email.delivered', '2026-11-02T09:00:05.000Z', { messageId: 'm-1', templateId: 'welcome' });
    await event('email.opened', '2026-11-02T10:00:00.000Z', { messageId: 'm-1', templateId: 'welcome', machine: false });
    await event('email.opened', '2026-11-02T11:00:00.000Z', { messageId: 'm-1', templateId: 'welcome', machine: true });
    await event('email.clicked', '2026-11-02T10:01:00.000Z', { messageId: 'm-1', templateId: 'welcome', url: 'https://example.com/', linkIndex: 0, machine: false });
    await event('email.clicked', '2026-11-02T09:00:06.000Z', { messageId: 'm-1', templateId: 'welcome', url: 'https://example.com/', linkIndex: 0, machine: true });
    await event('email.skipped', '2026-11-03T09:00:00.000Z', { templateId: 'tips', journeyId: 'welcome', stepId: 'tips-day-2', reason: 'frequency_cap' });
    await sent(contactId, '2026-11-04T09:00:00.000Z', 'm-2');
    await event('email.bounced', '2026-11-04T09:00:02.000Z', { messageId: 'm-2', templateId: 'newsletter-issue', bounceType: 'Permanent', permanent: true });

    const body = bodyOf(await overview(contactId));

    expect(body.sends).toEqual([
      { messageId: 'm-2', templateId: 'newsletter-issue', sentAt: '2026-11-04T09:00:00.000Z', status: 'bounced', opens: 0, clicks: 0, humanClicks: 0 },
      { templateId: 'tips', journeyId: 'welcome', stepId: 'tips-day-2', sentAt: '2026-11-03T09:00:00.000Z', status: 'skipped', opens: 0, clicks: 0, humanClicks: 0 },
      { messageId: 'm-1', templateId: 'welcome', journeyId: 'welcome', stepId: 'welcome-email', sentAt: '2026-11-02T09:00:00.000Z', status: 'delivered', opens: 2, clicks: 2, humanClicks: 1 },
    ]);
  });

  it('keeps only the 50 newest sends', async () => {
    const { contactId } = await newContact();
    for (let i = 0; i < 53; i++) await sent(contactId, new Date(Date.UTC(2026, 10, 2, 9, i)).toISOString(), `bulk-${i}`);

    const sends = bodyOf(await overview(contactId)).sends as { messageId: string }[];

    expect(sends).toHaveLength(50);
    expect(sends[0]!.messageId).toBe('bulk-52');
    expect(sends[49]!.messageId).toBe('bulk-3');
  });

  it('answers 404 for an unknown contact and 400 naming the field for an id that is not one', async () => {
    const unknown = await overview('01HZZZZZZZZZZZZZZZZZZZZZZZ');
    const invalid = await overview('not a contact id!');

    expect(unknown.statusCode).toBe(404);
    expect(bodyOf(unknown)).toMatchObject({ error: 'not_found' });
    expect(invalid.statusCode).toBe(400);
    expect(bodyOf(invalid)).toMatchObject({ error: 'invalid_contact_id', errors: [{ field: 'contactId' }] });
  });

  it('answers 404 for an erased contact, whose erasure record and report state remain', async () => {
    const { contactId } = await newContact();
    await put({ PK: `CONTACT#${contactId}`, SK: 'ERASED', status: 'erased', contactId });
    await put({ PK: `CONTACT#${contactId}`, SK: 'REPORTS' });
    await table.documentClient.send(new DeleteCommand({ TableName: table.tableName, Key: keys.profile(contactId) }));

    expect((await overview(contactId)).statusCode).toBe(404);
  });
});
