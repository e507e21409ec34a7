import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CrmRejected, CrmUnavailable } from '../../functions/crm/errors';
import { handOff } from '../../functions/crm/hand-off';
import { makeHandOffTask } from '../../functions/crm/hand-off-task';
import { DynamoCrmStore } from '../../functions/crm/dynamo-crm-store';
import { HubSpotCrm } from '../../functions/crm/hubspot';
import { keys } from '../../functions/shared/keys';
import type { CrmReceiver } from '../../local/crm-receiver';
import { createTestTable, type TestTable } from '../support/table';
import { handOffDepsFor, injectFault, newContact, startCrmReceiver } from './support';

let table: TestTable;
let receiver: CrmReceiver;

beforeAll(async () => {
  table = await createTestTable();
  receiver = await startCrmReceiver();
});
afterAll(async () => receiver.close());
beforeEach(async () => {
  await fetch(`${receiver.url}/dev/crm`, { method: 'DELETE' });
});

const eventsOf = async (contactId: string, type: string) =>
  (await table.partition(keys.profile(contactId).PK)).filter((item) => item.type === type);

describe('hand-off to HubSpot', () => {
  it('upserts the contact by email with its lifecycle stage and score properties, and leaves a note explaining the score', async () => {
    const contactId = await newContact(table, 'grace@acme.example', { budget: 10000, job_title: 'VP Engineering' });

    const outcome = await handOff({ contactId, idempotencyKey: 'k-1', reason: 'budget ≥ $5,000', source: 'reactor' }, handOffDepsFor(table, receiver));

    const inbox = receiver.inbox();
    expect(outcome).toEqual({ outcome: 'handed_off', crmId: inbox.contacts[0]!.id, provider: 'hubspot' });
    expect(inbox.contacts[0]!.properties).toMatchObject({
      email: 'grace@acme.example',
      firstname: 'Ada',
      lastname: 'Lovelace',
      company: 'Acme',
      jobtitle: 'VP Engineering',
      lifecyclestage: 'subscriber',
      nurture_fit_score: '35',
      nurture_handoff_reason: 'budget ≥ $5,000',
    });
    expect(inbox.contacts[0]!.notes[0]!.body).toContain('Budget of $5,000 or more: +20');
  });

  it('stores the CRM id on the contact and records crm.handed_off on its timeline', async () => {
    const contactId = await newContact(table, 'ida@acme.example');
    const { crmId } = (await handOff({ contactId, idempotencyKey: 'k-2', source: 'reactor' }, handOffDepsFor(table, receiver))) as { crmId: string };

    const contact = await new DynamoCrmStore(table.documentClient, table.tableName).contact(contactId);
    expect(contact?.crm).toEqual({ provider: 'hubspot', id: crmId, handedOffAt: '2026-11-24T12:00:00.000Z' });
    expect((await eventsOf(contactId, 'crm.handed_off')).map((e) => e.data)).toEqual([
      { provider: 'hubspot', crmId, source: 'reactor', idempotencyKey: 'k-2' },
    ]);
    expect(await new DynamoCrmStore(table.documentClient, table.tableName).findContact({ provider: 'hubspot', crmId })).toBe(contactId);
  });

  it('keeps one CRM record per contact: a later hand-off updates it', async () => {
    const contactId = await newContact(table, 'joan@acme.example');
    const deps = handOffDepsFor(table, receiver);
    const first = await handOff({ contactId, idempotencyKey: 'k-3a', source: 'reactor' }, deps);
    const second = await handOff({ contactId, idempotencyKey: 'k-3b', source: 'journey:budget-router/hand-off' }, deps);

    expect(second).toEqual(first);
    expect(receiver.inbox().contacts).toHaveLength(1);
    expect(receiver.inbox().handOffs.map((h) => h.created)).toEqual([false, true]);
  });

  it('calls the CRM once per idempotency key, however often it is retried', async () => {
    const contactId = await newContact(table, 'katherine@acme.example');
    const deps = handOffDepsFor(table, receiver);
    await handOff({ contactId, idempotencyKey: 'k-4', source: 'reactor' }, deps);
    await handOff({ contactId, idempotencyKey: 'k-4', source: 'reactor' }, deps);

    expect(receiver.inbox().handOffs).toHaveLength(1);
    expect(receiver.inbox().contacts[0]!.notes).toHaveLength(1);
    expect(await eventsOf(contactId, 'crm.handed_off')).toHaveLength(1);
  });

  it('waits out a 429 with its Retry-After and then hands off', async () => {
    const contactId = await newContact(table, 'margaret@acme.example');
    await injectFault(receiver, { status: 429, times: 1, retryAfter: '0.05' });
    const waits: number[] = [];
    const deps = handOffDepsFor(table, receiver, { retry: { attempts: 3, sleep: async (ms) => void waits.push(ms) } });

    expect((await handOff({ contactId, idempotencyKey: 'k-5', source: 'reactor' }, deps)).outcome).toBe('handed_off');
    expect(waits).toEqual([50]);
  });

  it('throws CrmUnavailable when the CRM keeps failing with 5xx, for the caller to retry later', async () => {
    const contactId = await newContact(table, 'dorothy@acme.example');
    await injectFault(receiver, { status: 503, times: 3 });

    await expect(handOff({ contactId, idempotencyKey: 'k-6', source: 'reactor' }, handOffDepsFor(table, receiver))).rejects.toBeInstanceOf(
      CrmUnavailable,
    );
    expect(await eventsOf(contactId, 'crm.handed_off')).toEqual([]);
  });

  it('leaves a Retry-After longer than its budget to the caller instead of sleeping through it', async () => {
    const contactId = await newContact(table, 'mary@acme.example');
    await injectFault(receiver, { status: 429, times: 1, retryAfter: '120' });

    const error = await handOff({ contactId, idempotencyKey: 'k-7', source: 'reactor' }, handOffDepsFor(table, receiver)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CrmUnavailable);
    expect((error as CrmUnavailable).retryAfterMs).toBe(120_000);
  });

  it('refuses for good (CrmRejected) when HubSpot rejects the token', async () => {
    const contactId = await newContact(table, 'radia@acme.example');
    const crm = new HubSpotCrm({ accessToken: 'wrong', baseUrl: receiver.url }, { allowLoopback: true });

    await expect(handOff({ contactId, idempotencyKey: 'k-8', source: 'reactor' }, handOffDepsFor(table, receiver, { crm }))).rejects.toBeInstanceOf(CrmRejected);
  });

  it('skips a contact that does not exist, saying so', async () => {
    expect(await handOff({ contactId: '01JNOSUCHCONTACT0000000000', idempotencyKey: 'k-9', source: 'reactor' }, handOffDepsFor(table, receiver))).toEqual({
      outcome: 'skipped',
      reason: 'no such contact',
    });
  });
});

describe('the journeys hand-off task', () => {
  const input = (contactId: string) => ({
    contactId,
    journeyId: 'budget-router',
    stepId: 'hand-off',
    executionName: `budget-router-${contactId}-01JENTRY000000000000000000`,
    reason: 'budget ≥ $5,000',
  });

  it('takes the HandOffTaskInput and answers the HandOffTaskOutput, one hand-off per execution and step', async () => {
    const contactId = await newContact(table, 'hedy@acme.example', { budget: 9000 });
    const deps = handOffDepsFor(table, receiver);
    const task = makeHandOffTask({ ...deps, crm: async () => deps.crm });

    const first = await task(input(contactId));
    const again = await task(input(contactId));

    expect(first).toEqual({ outcome: 'handed_off', crmId: expect.any(String), provider: 'hubspot' });
    expect(again).toEqual(first);
    expect(receiver.inbox().handOffs).toHaveLength(1);
    const [event] = await eventsOf(contactId, 'crm.handed_off');
    expect(event?.data).toMatchObject({ source: 'journey:budget-router/hand-off', reason: 'budget ≥ $5,000' });
  });

  it('skips, saying so, when no CRM is configured', async () => {
    const deps = handOffDepsFor(table, receiver);
    const task = makeHandOffTask({ ...deps, crm: async () => undefined });
    expect(await task(input('01JANY0000000000000000000'))).toEqual({ outcome: 'skipped', reason: 'no CRM configured' });
  });

  it('throws the named error Step Functions retries when the CRM is down', async () => {
    const contactId = await newContact(table, 'barbara@acme.example');
    await injectFault(receiver, { status: 502, times: 3 });
    const deps = handOffDepsFor(table, receiver);
    const task = makeHandOffTask({ ...deps, crm: async () => deps.crm });

    await expect(task(input(contactId))).rejects.toMatchObject({ name: 'CrmUnavailable' });
  });

  it('rejects an input that is not a HandOffTaskInput', async () => {
    const deps = handOffDepsFor(table, receiver);
    const task = makeHandOffTask({ ...deps, crm: async () => deps.crm });
    await expect(task({ contactId: 'x' })).rejects.toThrow();
  });
});
