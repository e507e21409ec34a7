import { BatchWriteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeContactsOutHandler, type ContactData, type ContactsOutDeps } from '../../functions/contacts/contacts-out';
import type { DynamoContacts } from '../../functions/contacts/dynamo-contacts';
import { DynamoContactData } from '../../functions/contacts/dynamo-contact-data';
import { keys } from '../../functions/shared/keys';
import { suppressionHash, suppressionKey } from '../../functions/shared/suppression';
import type { JourneyDecisionOf } from '../../functions/journeys/domain/decisions';
import { crmEraserFor } from '../../functions/crm/config';
import { startCrmReceiver, type CrmReceiver } from '../../local/crm-receiver';
import { bodyOf, httpEvent, lambdaContext, memoryLogger } from '../support/http';
import { contactsOnTestTable } from '../support/contacts';
import type { TestTable } from '../support/table';

const TOKEN = 'test-admin-token-0123456789';
const SUPPRESSION_KEY = 'test-suppression-key-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
const NOW = new Date('2026-11-20T10:00:00.000Z');

let table: TestTable;
let contacts: DynamoContacts;
let hubspot: CrmReceiver;

beforeAll(async () => {
  ({ table, contacts } = await contactsOnTestTable());
  hubspot = await startCrmReceiver();
  return () => hubspot.close();
});

/** The fake outbound port: which executions the erase asked Step Functions to stop. */
function fakeExecutions() {
  const stopped: JourneyDecisionOf<'StopJourney'>[] = [];
  return { stopped, stop: async (decision: JourneyDecisionOf<'StopJourney'>) => (stopped.push(decision), { type: 'Stopped' as const }) };
}

function handlerWith(overrides: Partial<ContactsOutDeps> = {}) {
  const executions = fakeExecutions();
  const logger = memoryLogger();
  const handle = makeContactsOutHandler({
    data: new DynamoContactData(table.documentClient, table.tableName),
    executions,
    suppressionKey: async () => SUPPRESSION_KEY,
    clock: { now: () => NOW },
    logger,
    ...overrides,
  });
  return { handle, executions, logger };
}

const exportOf = (handle: ReturnType<typeof handlerWith>['handle'], contactId: string, headers: Record<string, string> = auth) =>
  handle(
    httpEvent({ routeKey: 'GET /contacts/{contactId}/export', path: `/contacts/${contactId}/export`, pathParameters: { contactId }, headers }),
    lambdaContext(),
  );
const erase = (handle: ReturnType<typeof handlerWith>['handle'], contactId: string, headers: Record<string, string> = auth) =>
  handle(httpEvent({ routeKey: 'DELETE /contacts/{contactId}', path: `/contacts/${contactId}`, pathParameters: { contactId }, headers }), lambdaContext());

let people = 0;
const put = (item: Record<string, unknown>) => table.documentClient.send(new PutCommand({ TableName: table.tableName, Item: item }));

/**
 * A person with one item of every kind the table holds about a contact: profile and claim (a form post with name
 * and phone), timeline events (form, email sent and clicked, score change, CRM hand-off), a running journey and its
 * wait, a date index, the report state, the CRM link and lease, the mail log, a send record and an anonymous-id link.
 */
async function person(tag = Math.random().toString(36).slice(2, 10), timelineLength = 0, crmId = `crm-${tag}`) {
  const email = `zelda.${tag}@example.com`;
  const name = `Zelda${tag}`;
  const phone = `+4477009${String(++people).padStart(5, '0')}`;
  const anonymousId = `anon-${tag}`;
  const { contactId } = await contacts.recordSubmission(
    email,
    { formId: 'demo-request', fields: { email, first_name: name, phone }, utm: { utm_source: 'newsletter' }, anonymousId, ip: `198.51.100.${people}` },
    new Date('2026-11-01T09:00:00.000Z'),
  );
  const pk = keys.profile(contactId).PK;
  const sendId = `send-${tag}`;
  const messageId = `msg-${tag}`;
  const executionName = `welcome-${contactId}-E1`;
  const event = (eventId: string, type: string, data: Record<string, unknown>) =>
    put({ ...keys.event(contactId, eventId), eventId, contactId, occurredAt: '2026-11-02T09:00:00.000Z', type, data });
  await event('01KA0000000000000000000001', 'email.sent', { messageId, templateId: 'welcome', journeyId: 'welcome', stepId: 's1', topic: 'news', kind: 'marketing', sendId });
  await event('01KA0000000000000000000002', 'email.clicked', { messageId, templateId: 'welcome', url: `https://example.com/?who=${encodeURIComponent(email)}`, linkIndex: 0, machine: false });
  await event('01KA0000000000000000000003', 'score.changed', { from: 0, to: 20, reason: 'rules' });
  await event('01KA0000000000000000000004', 'crm.handed_off', { provider: 'hubspot', crmId });
  await put({ ...keys.membership(contactId, 'welcome'), journeyId: 'welcome', executionName, status: 'running', entries: 1, enteredAt: '2026-11-01T09:00:01.000Z' });
  await put({ ...keys.wait(contactId, executionName, 'wait-click'), journeyId: 'welcome', executionName, stepId: 'wait-click', event: 'email.clicked', where: [], taskToken: 'secret-task-token', createdAt: '2026-11-02T09:00:00.000Z', expiresAt: 1_900_000_000 });
  await put({ ...keys.dateIndex(contactId, 'birthday'), attribute: 'birthday', date: '1990-04-01', GSI1PK: 'DATE#birthday#04-01', GSI1SK: `1990#${contactId}` });
  await put({ ...keys.reportState(contactId), createdDay: '2026-11-01', stage: 'subscriber', stageAt: '2026-11-01T09:00:00.000Z', scoreBucket: 20, messages: {} });
  await put({ PK: pk, SK: 'CRM#hubspot', GSI1PK: `CRM#hubspot#${crmId}`, GSI1SK: 'CONTACT', contactId, provider: 'hubspot', crmId, at: '2026-11-02T09:00:00.000Z' });
  await put({ PK: pk, SK: 'CRMLEASE', heldUntil: '2026-11-02T09:05:00.000Z', expiresAt: 1_900_000_000 });
  await put({ PK: `ANON#${anonymousId}`, SK: 'LINK', contactId, linkedAt: '2026-11-01T09:00:00.000Z' });
  await put({ PK: pk, SK: 'MAILLOG', sends: [{ at: '2026-11-02T09:00:00.000Z', sendId }], version: 1 });
  await put({ PK: `IDEM#email#${sendId}`, SK: 'IDEM', sendId, contactId, templateId: 'welcome', kind: 'marketing', status: 'sent', eventId: '01KA0000000000000000000001', messageId, links: [`https://example.com/?who=${encodeURIComponent(email)}`], createdAt: '2026-11-02T09:00:00.000Z' });
  await table.documentClient.send(
    new PutCommand({
      TableName: table.tableName,
      Item: { ...keys.profile(contactId), ...(await profileOf(contactId)), crm: { provider: 'hubspot', id: crmId, handedOffAt: '2026-11-02T09:00:00.000Z' } },
    }),
  );
  for (let start = 0; start < timelineLength; start += 25) {
    const batch = Array.from({ length: Math.min(25, timelineLength - start) }, (_, i) => ({
      PutRequest: {
        Item: { ...keys.event(contactId, `01KB${String(start + i).padStart(22, '0')}`), eventId: `01KB${String(start + i).padStart(22, '0')}`, contactId, occurredAt: '2026-11-03T09:00:00.000Z', type: 'page.viewed', data: { url: `https://example.com/p/${start + i}?name=${name}` } },
      },
    }));
    await table.documentClient.send(new BatchWriteCommand({ RequestItems: { [table.tableName]: batch } }));
  }
  return { contactId, email, name, phone, ip: `198.51.100.${people}`, anonymousId, sendId, executionName, crmId };
}

async function profileOf(contactId: string) {
  const contact = await contacts.get(contactId);
  return contact!;
}

/** Every stored value in the table, as one text: where a scan would find an address, a name or a phone number. */
async function everythingStored(): Promise<string> {
  return JSON.stringify(await table.scan());
}

describe('GET /contacts/{contactId}/export', () => {
  it('returns every kind of item held about the contact, as JSON', async () => {
    const { handle } = handlerWith();
    const p = await person();

    const result = await exportOf(handle, p.contactId);

    expect(result.statusCode).toBe(200);
    expect(result.headers['cache-control']).toBe('no-store');
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON document, asserted field by field
    const body = bodyOf(result) as Record<string, any>;
    expect(body.contactId).toBe(p.contactId);
    expect(body.profile).toMatchObject({ email: p.email, attributes: { first_name: p.name, phone: p.phone } });
    expect(body.profile).not.toHaveProperty('PK');
    expect(body.consent).toHaveProperty('subscriptions');
    expect(body.timeline.map((event: { type: string }) => event.type)).toEqual(
      expect.arrayContaining(['form.submitted', 'email.sent', 'email.clicked', 'score.changed', 'crm.handed_off']),
    );
    expect(body.scoreHistory.changes).toHaveLength(1);
    expect(body.sends).toEqual([
      expect.objectContaining({
        sendId: p.sendId,
        record: expect.objectContaining({ templateId: 'welcome', status: 'sent' }),
        events: [expect.objectContaining({ type: 'email.sent' }), expect.objectContaining({ type: 'email.clicked' })],
      }),
    ]);
    expect(body.mailLog).toMatchObject({ sends: [{ sendId: p.sendId }] });
    expect(body.journeys.memberships).toEqual([expect.objectContaining({ journeyId: 'welcome', status: 'running' })]);
    expect(body.journeys.waits).toEqual([expect.objectContaining({ stepId: 'wait-click' })]);
    expect(JSON.stringify(body)).not.toContain('secret-task-token');
    expect(body.crm.link).toMatchObject({ provider: 'hubspot', crmId: p.crmId });
    expect(body.crm.records).toHaveLength(1);
    expect(body.dateIndex).toEqual([expect.objectContaining({ attribute: 'birthday' })]);
    expect(body.reportState).toMatchObject({ stage: 'subscriber' });
    expect(body.identities).toEqual([expect.objectContaining({ id: `ANON#${p.anonymousId}`, contactId: p.contactId })]);
    expect(body.other).toEqual([expect.objectContaining({ heldUntil: '2026-11-02T09:05:00.000Z' })]);
  });

  it('answers 404 JSON for an unknown contact and 400 JSON for an id that cannot be one', async () => {
    const { handle } = handlerWith();

    const unknown = await exportOf(handle, '01HZZZZZZZZZZZZZZZZZZZZZZZ');
    const bad = await exportOf(handle, 'CONTACT#x');

    expect([unknown.statusCode, bodyOf(unknown).error]).toEqual([404, 'not_found']);
    expect([bad.statusCode, bodyOf(bad).error]).toEqual([400, 'invalid_contact_id']);
  });

  it('answers 401 without the admin token', async () => {
    const { handle } = handlerWith();
    const p = await person();

    expect((await exportOf(handle, p.contactId, {})).statusCode).toBe(401);
    expect((await erase(handle, p.contactId, {})).statusCode).toBe(401);
    expect(await contacts.get(p.contactId)).toBeDefined();
  });
});

describe('DELETE /contacts/{contactId}', () => {
  it('leaves no trace of the email, the name or the phone anywhere in the table', async () => {
    const { handle, logger } = handlerWith();
    const p = await person();

    const result = await erase(handle, p.contactId);

    expect(result.statusCode).toBe(200);
    const stored = await everythingStored();
    for (const personal of [p.email, p.name, p.phone, p.anonymousId, `"${p.ip}"`]) expect(stored).not.toContain(personal);
    expect(JSON.stringify(logger.lines)).not.toContain(p.email);
  });

  it('stops the running journey, reports the CRM record and deletes every item of the contact', async () => {
    const { handle, executions } = handlerWith();
    const p = await person();

    const result = await erase(handle, p.contactId);

    expect(bodyOf(result)).toEqual({
      contactId: p.contactId,
      status: 'erased',
      requestedAt: NOW.toISOString(),
      erasedAt: NOW.toISOString(),
      journeysStopped: 1,
      itemsDeleted: expect.any(Number),
      crm: { provider: 'hubspot', crmId: p.crmId, deleted: false },
      erasedBy: 'testkey000000000',
    });
    expect(executions.stopped).toEqual([expect.objectContaining({ journeyId: 'welcome', executionName: p.executionName })]);
    const left = await table.partition(keys.profile(p.contactId).PK);
    expect(left.map((item) => item.SK).sort()).toEqual(['ERASED', 'REPORTS']);
    const scan = await table.scan();
    expect(scan.filter((item) => item.PK === `IDEM#email#${p.sendId}` || item.PK === `ANON#${p.anonymousId}`)).toEqual([]);
    expect(scan.filter((item) => item.GSI1PK === `CRM#hubspot#${p.crmId}`)).toEqual([]);
  });

  it('keeps only a keyed hash of the address on the suppression list, and an audit record of who erased whom without personal data', async () => {
    const { handle } = handlerWith();
    const p = await person();

    await erase(handle, p.contactId);

    const scan = await table.scan();
    const suppressed = scan.filter((item) => item.PK === suppressionKey(suppressionHash(SUPPRESSION_KEY, p.email)).PK);
    expect(suppressed).toEqual([expect.objectContaining({ reason: 'erased', suppressedAt: NOW.toISOString() })]);
    const audit = scan.filter((item) => String(item.PK).startsWith('AUDIT#erasures#') && item.contactId === p.contactId);
    expect(audit).toEqual([
      expect.objectContaining({ action: 'contact.erased', journeysStopped: 1, crm: { provider: 'hubspot', crmId: p.crmId, deleted: false }, erasedBy: 'testkey000000000' }),
    ]);
    expect(await contacts.findIdByEmail(p.email)).toBeUndefined();
  });

  it('changes no report counter and no other contact', async () => {
    const { handle } = handlerWith();
    const other = await person();
    const p = await person();
    await put({ ...keys.metric('forms.submitted', 0, '2026-11-01'), count: 2 });
    const before = (await table.scan()).filter((item) => !String(item.PK).startsWith(`CONTACT#${p.contactId}`) && !String(item.PK).startsWith('AUDIT#'));

    await erase(handle, p.contactId);

    const after = await table.scan();
    const bystanders = (items: Record<string, unknown>[]) =>
      items.filter((item) => String(item.PK).startsWith('METRIC#') || String(item.PK).includes(other.contactId) || item.contactId === other.contactId);
    expect(bystanders(after)).toEqual(bystanders(before));
    expect(bystanders(after).length).toBeGreaterThan(10);
  });

  it('answers the same outcome when erased twice, and nothing is written the second time', async () => {
    const { handle, executions } = handlerWith();
    const p = await person();

    const first = await erase(handle, p.contactId);
    const tableAfterFirst = await table.scan();
    const second = await erase(handle, p.contactId);

    expect(second.statusCode).toBe(200);
    expect(bodyOf(second)).toEqual(bodyOf(first));
    expect(await table.scan()).toEqual(tableAfterFirst);
    expect(executions.stopped).toHaveLength(1);
    expect((await exportOf(handle, p.contactId)).statusCode).toBe(404);
  });

  it('finishes on a rerun after a crash midway through a long timeline', async () => {
    const p = await person(undefined, 300);
    const real = new DynamoContactData(table.documentClient, table.tableName);
    let deletes = 0;
    const crashing: ContactData = {
      partition: (id) => real.partition(id),
      get: (wanted) => real.get(wanted),
      begin: (...args) => real.begin(...args),
      finish: (...args) => real.finish(...args),
      delete: async (id, doomed) => {
        // The references go, then the first chunk of the timeline; the process dies before the rest.
        if (++deletes === 2) {
          await real.delete(id, doomed.slice(0, 100));
          throw new Error('Lambda timed out');
        }
        return real.delete(id, doomed);
      },
    };

    await expect(erase(handlerWith({ data: crashing }).handle, p.contactId)).rejects.toThrow('Lambda timed out');
    expect(await contacts.get(p.contactId)).toBeDefined();
    const rerun = await erase(handlerWith().handle, p.contactId);

    expect(rerun.statusCode).toBe(200);
    expect(bodyOf(rerun)).toMatchObject({ status: 'erased', itemsDeleted: expect.any(Number) });
    const stored = await everythingStored();
    for (const personal of [p.email, p.name, p.phone]) expect(stored).not.toContain(personal);
    expect((await table.partition(keys.profile(p.contactId).PK)).map((item) => item.SK).sort()).toEqual(['ERASED', 'REPORTS']);
  });

  it('erases a contact known only by a user id, with no address to suppress', async () => {
    const { handle } = handlerWith();
    const contactId = `USERONLY${Date.now()}`;
    await put({ ...keys.profile(contactId), contactId, email: '', attributes: { first_name: 'Nameless' }, createdAt: NOW.toISOString(), updatedAt: NOW.toISOString() });

    const result = await erase(handle, contactId);

    expect(result.statusCode).toBe(200);
    expect((await table.partition(keys.profile(contactId).PK)).map((item) => item.SK)).toEqual(['ERASED']);
  });

  it('answers 404 JSON for an unknown contact and 400 JSON for a bad id, and writes nothing', async () => {
    const { handle } = handlerWith();
    const before = await table.scan();

    const unknown = await erase(handle, '01HZZZZZZZZZZZZZZZZZZZZZZZ');
    const bad = await erase(handle, 'x'.repeat(65));

    expect([unknown.statusCode, bodyOf(unknown).error]).toEqual([404, 'not_found']);
    expect([bad.statusCode, bodyOf(bad).error]).toEqual([400, 'invalid_contact_id']);
    expect(await table.scan()).toEqual(before);
  });
});

describe('DELETE /contacts/{contactId} with HubSpot\'s GDPR delete configured', () => {
  const settings = { provider: 'hubspot' as const, hubspot: { accessToken: 'local-hubspot-token', baseUrl: '', gdprDelete: true } };
  const eraser = () => crmEraserFor({ ...settings, hubspot: { ...settings.hubspot, baseUrl: hubspot.url } }, { allowLoopback: true });

  /** A person handed to the local HubSpot receiver: its record id is the one the contact's CRM link holds. */
  async function handedOff() {
    const tag = Math.random().toString(36).slice(2, 10);
    const response = await fetch(`${hubspot.url}/crm/v3/objects/contacts/batch/upsert`, {
      method: 'POST',
      headers: { authorization: 'Bearer local-hubspot-token', 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ idProperty: 'email', id: `zelda.${tag}@example.com`, properties: { firstname: `Zelda${tag}` } }] }),
    });
    const { results } = (await response.json()) as { results: { id: string }[] };
    return person(tag, 0, results[0]!.id);
  }

  it('deletes the HubSpot record too and says so', async () => {
    const { handle } = handlerWith({ crm: async () => eraser() });
    const p = await handedOff();

    const result = await erase(handle, p.contactId);

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toMatchObject({ crm: { provider: 'hubspot', crmId: p.crmId, deleted: true } });
    const inbox = hubspot.inbox();
    expect(inbox.contacts.find((record) => record.id === p.crmId)).toBeUndefined();
    expect(JSON.stringify(inbox)).not.toContain(p.email);
    expect(inbox.gdprDeleted).toContainEqual(expect.objectContaining({ crmId: p.crmId }));
  });

  it('stops before deleting anything of ours when HubSpot fails (502), and a rerun finishes', async () => {
    const { handle } = handlerWith({ crm: async () => eraser() });
    const p = await handedOff();
    await fetch(`${hubspot.url}/dev/crm/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 503, times: 1 }) });

    const failed = await erase(handle, p.contactId);

    expect(failed.statusCode).toBe(502);
    expect(bodyOf(failed)).toMatchObject({ error: 'crm_delete_failed' });
    expect(await contacts.findIdByEmail(p.email)).toBe(p.contactId);
    const retried = await erase(handle, p.contactId);
    expect(retried.statusCode).toBe(200);
    expect(bodyOf(retried)).toMatchObject({ status: 'erased', crm: { deleted: true } });
    expect(hubspot.inbox().contacts.find((record) => record.id === p.crmId)).toBeUndefined();
  });

  it('counts a record HubSpot no longer has as deleted', async () => {
    const { handle } = handlerWith({ crm: async () => eraser() });
    const p = await person(undefined, 0, '999999');

    const result = await erase(handle, p.contactId);

    expect(bodyOf(result)).toMatchObject({ status: 'erased', crm: { provider: 'hubspot', crmId: '999999', deleted: true } });
  });
});
