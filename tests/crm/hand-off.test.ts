import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeHandOffWorker } from '../../functions/crm/hand-off-worker';
import { SqsHandOffQueue } from '../../functions/crm/sqs-hand-off-queue';
import { CrmRejected, CrmUnavailable } from '../../functions/crm/errors';
import { handOff } from '../../functions/crm/hand-off';
import { makeHandOffTask } from '../../functions/crm/hand-off-task';
import { DynamoCrmStore } from '../../functions/crm/dynamo-crm-store';
import { HubSpotCrm } from '../../functions/crm/hubspot';
import { keys } from '../../functions/shared/keys';
import { startCrmQueue, type CrmQueue, type DeadLetter } from '../../local/crm-queue';
import type { CrmReceiver } from '../../local/crm-receiver';
import { createTestTable, type TestTable } from '../support/table';
import { clock, handOffDepsFor, injectFault, localSqs, newContact, setStage, startCrmReceiver } from './support';

let table: TestTable;
let receiver: CrmReceiver;
/** The CRM hand-off queue the journey step parks hand-offs in, delivering to the real worker (2 deliveries). */
let queue: CrmQueue;
const parked: DeadLetter[] = [];

beforeAll(async () => {
  table = await createTestTable();
  receiver = await startCrmReceiver();
  const deps = handOffDepsFor(table, receiver, { retry: { attempts: 1 } });
  const worker = makeHandOffWorker({ ...deps, crm: async () => deps.crm, maxReceives: 2 });
  queue = await startCrmQueue({ worker, region: 'us-east-1', account: '000000000000', retryDelayMs: 10, maxReceives: 2, onDeadLetter: (e) => parked.push(e) });
});
afterAll(async () => {
  await queue.close();
  await receiver.close();
});
beforeEach(async () => {
  await fetch(`${receiver.url}/dev/crm`, { method: 'DELETE' });
  parked.length = 0;
});

/** The journeys' hand-off task, parking in the local queue. */
const taskFor = (overrides: Parameters<typeof handOffDepsFor>[2] = {}, crm?: () => Promise<HubSpotCrm | undefined>) => {
  const deps = handOffDepsFor(table, receiver, overrides);
  return makeHandOffTask({ ...deps, crm: crm ?? (async () => deps.crm as HubSpotCrm), parking: new SqsHandOffQueue(localSqs(queue.endpoint), queue.queueUrl) });
};

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

  it('does not hand a recycled contact back to sales: sales sent it back to nurture', async () => {
    const contactId = await newContact(table, 'recycled@acme.example', { budget: 10000 });
    await setStage(table, contactId, 'recycled');

    expect(await handOff({ contactId, idempotencyKey: 'k-10', source: 'journey:budget-router/hand-off-to-sales' }, handOffDepsFor(table, receiver))).toEqual({
      outcome: 'skipped',
      reason: 'recycled',
    });
    expect(receiver.inbox().handOffs).toEqual([]);
  });

  it('hands a recycled contact off again once it re-qualifies (re-enters MQL)', async () => {
    const contactId = await newContact(table, 'requalified@acme.example', { budget: 10000 });
    await setStage(table, contactId, 'mql');

    expect((await handOff({ contactId, idempotencyKey: 'stage-01JREQUALIFIED00000000000', source: 'reactor' }, handOffDepsFor(table, receiver))).outcome).toBe('handed_off');
    expect(receiver.inbox().contacts[0]!.properties).toMatchObject({ lifecyclestage: 'marketingqualifiedlead' });
  });

  it('leaves the rep one note when the journey and the MQL hand the same lead off within minutes, the record carrying the later stage', async () => {
    const contactId = await newContact(table, 'twice@acme.example', { budget: 10000 });
    await handOff({ contactId, idempotencyKey: 'journey/budget-router-x/hand-off-to-sales', reason: 'Budget of $5,000 or more', source: 'journey:budget-router/hand-off-to-sales' }, handOffDepsFor(table, receiver));
    await setStage(table, contactId, 'mql');
    const aMinuteLater = { now: () => new Date(clock.now().getTime() + 60_000) };
    await handOff({ contactId, idempotencyKey: 'stage-01JTWICE000000000000000000', reason: 'score 30 ≥ 30', source: 'reactor' }, handOffDepsFor(table, receiver, { clock: aMinuteLater }));

    const [record] = receiver.inbox().contacts;
    expect(receiver.inbox().contacts).toHaveLength(1);
    expect(record!.notes).toHaveLength(1);
    expect(record!.properties).toMatchObject({ lifecyclestage: 'marketingqualifiedlead', nurture_handoff_reason: 'score 30 ≥ 30' });
  });

  it('leaves a new note for a hand-off long after the last one', async () => {
    const contactId = await newContact(table, 'again@acme.example');
    await handOff({ contactId, idempotencyKey: 'k-11a', source: 'reactor' }, handOffDepsFor(table, receiver));
    const nextDay = { now: () => new Date(clock.now().getTime() + 86_400_000) };
    await handOff({ contactId, idempotencyKey: 'k-11b', source: 'reactor' }, handOffDepsFor(table, receiver, { clock: nextDay }));

    expect(receiver.inbox().contacts[0]!.notes).toHaveLength(2);
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
    const task = taskFor();

    const first = await task(input(contactId));
    const again = await task(input(contactId));

    expect(first).toEqual({ outcome: 'handed_off', crmId: expect.any(String), provider: 'hubspot' });
    expect(again).toEqual(first);
    expect(receiver.inbox().handOffs).toHaveLength(1);
    const [event] = await eventsOf(contactId, 'crm.handed_off');
    expect(event?.data).toMatchObject({ source: 'journey:budget-router/hand-off', reason: 'budget ≥ $5,000' });
  });

  it('skips when no CRM is configured, and records crm.handoff_skipped on the contact so it is never silent', async () => {
    const contactId = await newContact(table, 'nocrm@acme.example', { budget: 9000 });
    const task = taskFor({}, async () => undefined);

    expect(await task(input(contactId))).toEqual({ outcome: 'skipped', reason: 'no CRM configured' });
    await task(input(contactId));
    expect((await eventsOf(contactId, 'crm.handoff_skipped')).map((e) => e.data)).toEqual([
      { reason: 'no CRM configured', source: 'journey:budget-router/hand-off', idempotencyKey: `journey/${input(contactId).executionName}/hand-off` },
    ]);
  });

  it('parks the hand-off in the hand-off queue when the CRM stays down, whose worker records crm.handoff_failed after its last delivery and parks it in the dead-letter queue', async () => {
    const contactId = await newContact(table, 'barbara@acme.example');
    await injectFault(receiver, { status: 502, times: 10 });

    expect(await taskFor()(input(contactId))).toEqual({ outcome: 'queued', reason: expect.stringContaining('CrmUnavailable 502') });
    await queue.idle();

    expect(parked).toEqual([expect.objectContaining({ receives: 2, body: expect.objectContaining({ contactId, source: 'journey:budget-router/hand-off' }) })]);
    expect((await eventsOf(contactId, 'crm.handoff_failed')).map((e) => e.data)).toEqual([
      expect.objectContaining({ provider: 'hubspot', attempts: 2, source: 'journey:budget-router/hand-off' }),
    ]);
  });

  it('hands off later, once, when the CRM comes back while the hand-off is parked', async () => {
    const contactId = await newContact(table, 'annie@acme.example');
    await injectFault(receiver, { status: 503, times: 3 });

    expect((await taskFor()(input(contactId))).outcome).toBe('queued');
    await queue.idle();

    expect(receiver.inbox().handOffs.map((h) => h.email)).toEqual(['annie@acme.example']);
    expect(await eventsOf(contactId, 'crm.handed_off')).toHaveLength(1);
    expect(parked).toEqual([]);
  });

  it('records a refusal as crm.handoff_failed, parks the request in the dead-letter queue without calling the CRM again, and fails the step', async () => {
    const contactId = await newContact(table, 'evelyn@acme.example');
    await injectFault(receiver, { status: 400, times: 1 });

    await expect(taskFor()(input(contactId))).rejects.toMatchObject({ name: 'CrmRejected' });
    await queue.idle();

    expect(await eventsOf(contactId, 'crm.handoff_failed')).toHaveLength(1);
    expect(parked).toEqual([expect.objectContaining({ body: expect.objectContaining({ contactId }) })]);
    expect(receiver.inbox().handOffs).toEqual([]);
  });

  it('rejects an input that is not a HandOffTaskInput', async () => {
    await expect(taskFor()({ contactId: 'x' })).rejects.toThrow();
  });
});
