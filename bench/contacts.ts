/**
 * Erase of a contact with a 1,000-event timeline, on DynamoDB Local: DynamoDB calls per erased contact (each
 * attempt counted, by operation) and time, against a floor that issues the same deletes directly (one Query of
 * the partition, BatchWriteItem deletes of the same items, one TransactWriteItems for the profile and claim).
 * Run alone with `tsx bench/contacts.ts`; `npm run bench` includes it.
 */
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { eraseContact } from '../functions/contacts/contacts-out';
import { DynamoContactData } from '../functions/contacts/dynamo-contact-data';
import { keys } from '../functions/shared/keys';
import { queryAll } from '../functions/shared/query';
import { ensureTable, localCredentials, localRegion, startDynamoDbLocal } from '../local/dynamodb-local';

export interface EraseBenchResult {
  readonly contacts: number;
  readonly eventsPerContact: number;
  /** Items deleted per contact (events, sends, memberships, …, profile and claim). */
  readonly itemsPerContact: number;
  readonly callsPerContact: number;
  readonly callsByOperation: Readonly<Record<string, number>>;
  readonly floorCallsPerContact: number;
  readonly medianMs: number;
  readonly floorMedianMs: number;
}

const EVENTS = 1_000;
const SENDS = 20;
const CONTACTS = 5;

/** A contact as a long nurture leaves it: profile, claim, 1,000 events (20 of them sends), send records, a mail log. */
function contactItems(n: number, run: string): Record<string, unknown>[] {
  const contactId = `BENCH${run}${String(n).padStart(6, '0')}`;
  const email = `bench-${run}-${n}@example.com`;
  const items: Record<string, unknown>[] = [
    { ...keys.profile(contactId), contactId, email, attributes: { first_name: 'Bench' }, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' },
    { ...keys.email(email), contactId, createdAt: '2026-01-01T00:00:00.000Z' },
    { PK: keys.profile(contactId).PK, SK: 'MAILLOG', sends: [], version: 1 },
    { ...keys.membership(contactId, 'welcome'), journeyId: 'welcome', executionName: `welcome-${contactId}`, status: 'completed', entries: 1, enteredAt: '2026-01-01T00:00:00.000Z' },
  ];
  for (let i = 0; i < EVENTS; i++) {
    const eventId = `01K${String(i).padStart(23, '0')}`;
    const send = i < SENDS;
    items.push({
      ...keys.event(contactId, eventId),
      eventId,
      contactId,
      occurredAt: '2026-01-02T00:00:00.000Z',
      type: send ? 'email.sent' : 'page.viewed',
      data: send ? { messageId: `m-${contactId}-${i}`, templateId: 't', kind: 'marketing', sendId: `s-${contactId}-${i}` } : { url: `https://example.com/p/${i}` },
    });
    if (send) items.push({ PK: `IDEM#email#s-${contactId}-${i}`, SK: 'IDEM', sendId: `s-${contactId}-${i}`, contactId, status: 'sent', links: [] });
  }
  return items;
}

async function batchPut(db: DynamoDBDocumentClient, tableName: string, items: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    let requests = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    while (requests.length > 0) {
      const result = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
      requests = (result.UnprocessedItems?.[tableName] ?? []) as typeof requests;
    }
  }
}

/** The floor: the same reads and deletes, issued directly with no erasure bookkeeping. */
async function floorErase(db: DynamoDBDocumentClient, tableName: string, contactId: string, sendKeys: { PK: string; SK: string }[], email: string) {
  const partition = await queryAll(db, { TableName: tableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': keys.profile(contactId).PK }, ConsistentRead: true });
  await db.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: sendKeys, ConsistentRead: true } } }));
  const doomed = [...sendKeys, ...partition.filter((item) => item.SK !== 'PROFILE').map((item) => ({ PK: String(item.PK), SK: String(item.SK) }))];
  for (let i = 0; i < doomed.length; i += 25) {
    await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: doomed.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } })) } }));
  }
  await db.send(
    new TransactWriteCommand({
      TransactItems: [{ Delete: { TableName: tableName, Key: keys.profile(contactId) } }, { Delete: { TableName: tableName, Key: keys.email(email) } }],
    }),
  );
}

export async function benchErase(say: (line: string) => void = () => undefined): Promise<EraseBenchResult> {
  const dynamo = await startDynamoDbLocal();
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: localRegion, credentials: localCredentials });
  const calls = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      calls.set(operation, (calls.get(operation) ?? 0) + 1);
      return next(args);
    },
    // Inside the retry middleware: each attempt sent over the wire counts.
    { step: 'finalizeRequest', priority: 'low', name: 'eraseBenchCounter' },
  );
  const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  try {
    const tableName = `bench-erase-${Date.now()}`;
    await ensureTable(client, tableName);
    const eraseRun = contactItemsFor('e');
    const floorRun = contactItemsFor('f');
    say(`erase: writing ${CONTACTS * 2} contacts of ${EVENTS} events each`);
    await batchPut(db, tableName, [...eraseRun.flatMap((c) => c.items), ...floorRun.flatMap((c) => c.items)]);

    const deps = {
      data: new DynamoContactData(db, tableName),
      executions: { stop: async () => ({ type: 'NotRunning' as const }) },
      suppressionKey: async () => 'bench-suppression-key-0123456789',
      clock: { now: () => new Date() },
    };
    calls.clear();
    const times: number[] = [];
    let items = 0;
    for (const contact of eraseRun) {
      const started = performance.now();
      const outcome = await eraseContact(deps, contact.contactId);
      times.push(performance.now() - started);
      items += outcome?.itemsDeleted ?? 0;
    }
    const callsByOperation = Object.fromEntries([...calls].map(([operation, n]) => [operation, n / CONTACTS]));
    const callsPerContact = [...calls.values()].reduce((a, b) => a + b, 0) / CONTACTS;

    calls.clear();
    const floorTimes: number[] = [];
    for (const contact of floorRun) {
      const started = performance.now();
      await floorErase(db, tableName, contact.contactId, contact.sendKeys, contact.email);
      floorTimes.push(performance.now() - started);
    }
    const floorCallsPerContact = [...calls.values()].reduce((a, b) => a + b, 0) / CONTACTS;
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    say(`erase: ${callsPerContact} calls per contact (floor ${floorCallsPerContact}), median ${median(times).toFixed(0)} ms (floor ${median(floorTimes).toFixed(0)} ms)`);
    return {
      contacts: CONTACTS,
      eventsPerContact: EVENTS,
      itemsPerContact: items / CONTACTS,
      callsPerContact,
      callsByOperation,
      floorCallsPerContact,
      medianMs: median(times),
      floorMedianMs: median(floorTimes),
    };
  } finally {
    client.destroy();
    await dynamo.stop();
  }
}

function contactItemsFor(run: string) {
  return Array.from({ length: CONTACTS }, (_, n) => {
    const items = contactItems(n, run);
    const contactId = String(items[0]!.contactId);
    return {
      contactId,
      email: String(items[0]!.email),
      items,
      sendKeys: items.filter((item) => String(item.PK).startsWith('IDEM#email#')).map((item) => ({ PK: String(item.PK), SK: String(item.SK) })),
    };
  });
}

export function eraseSection(result: EraseBenchResult): { markdown: string; verdicts: { goal: string; met: boolean }[] } {
  const ratio = result.medianMs / result.floorMedianMs;
  const operations = Object.entries(result.callsByOperation)
    .map(([operation, n]) => `${operation} ${n}`)
    .join(', ');
  const lines = [
    '## Contacts: erase',
    '',
    '| measure | value | floor |',
    '| --- | ---: | ---: |',
    `| DynamoDB calls per erased contact (${result.eventsPerContact.toLocaleString('en')}-event timeline, ${result.itemsPerContact} items deleted): ${operations} | ${result.callsPerContact} | ${result.floorCallsPerContact} |`,
    `| median erase time, ms (${result.contacts} contacts) | ${result.medianMs.toFixed(0)} (${ratio.toFixed(2)}× the floor) | ${result.floorMedianMs.toFixed(0)} |`,
    '',
    'The floor issues the same Query, BatchGetItem, BatchWriteItem deletes and closing transaction directly; the erase ' +
      'adds its bookkeeping (the opening transaction with the suppressed address, one count update per round of ' +
      'deletes, a second Query to see the partition emptied, the closing transaction with the audit record and a read of the outcome).',
    '',
  ];
  return { markdown: lines.join('\n'), verdicts: [] };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const result = await benchErase((line) => console.error(`[erase] ${line}`));
  console.log(eraseSection(result).markdown);
  process.exit(0);
}
