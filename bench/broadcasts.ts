/**
 * Broadcast bench (part of `npm run bench`; alone: `npx tsx bench/broadcasts.ts`, `BENCH_BROADCAST_MEMBERS=1000` for a
 * smaller run): a broadcast to a segment of 10,000 members through the local runtime (the API, the local Step
 * Functions endpoint running the broadcast ASL, the step handler, DynamoDB Local, aws-ses-v2-local), against a
 * floor measured in the same runtime: the same DynamoDB and SES calls per send issued directly, at the same
 * concurrency the step sends at. It also checks exactly one email per eligible member and the skip counts.
 */
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient, TransactWriteCommand, type BatchWriteCommandOutput } from '@aws-sdk/lib-dynamodb';
import { inFlightOf } from '../functions/broadcasts/domain/broadcast';
import { emailKeys } from '../functions/email/dynamo-email-store';
import { emails, renderer } from '../functions/email/templates';
import { sampleContext } from '../functions/email/samples';
import { ulid } from '../functions/shared/ids';
import { keys, segmentMemberKeys } from '../functions/shared/keys';
import { localCredentials, localRegion } from '../local/dynamodb-local';
import { startRuntime } from '../local/runtime';

/** A shipped segment (the API refuses others); the bench's fresh runtime has only the members seeded here. */
const BENCH_SEGMENT = 'newsletter-subscribers';

export const broadcastGoals = { minSendRatio: 0.7 } as const;

export interface BroadcastBenchResult {
  readonly members: number;
  readonly eligible: number;
  readonly concurrency: number;
  readonly broadcastPerSecond: number;
  readonly floorPerSecond: number;
  readonly seconds: number;
  /** Eligible members with exactly one email, members with more than one, addresses that should have had none. */
  readonly exactlyOnce: boolean;
  readonly duplicates: number;
  readonly unexpected: number;
  readonly skipsRight: boolean;
  readonly skipped: Readonly<Record<string, number>>;
}

/** The rate the bench asks for: above anything this machine reaches, so the measure is throughput, not pacing. */
const UNLIMITED_RATE = 10_000;
const WINDOW_TIME = '2026-03-10T15:00:00Z';

export async function benchBroadcasts(say: (line: string) => void = () => undefined, members = Number(process.env.BENCH_BROADCAST_MEMBERS ?? 10_000)): Promise<BroadcastBenchResult> {
  say('broadcasts: starting the local runtime');
  const runtime = await startRuntime({ port: 0, dynamoDbPort: 0, sesPort: 0, cognitoPort: 0, dataDir: null, tableName: 'broadcast-bench' });
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: runtime.dynamoDbEndpoint, region: localRegion, credentials: localCredentials }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  // The runtime points SES at its event proxy in front of aws-ses-v2-local: the floor sends through the same one.
  const ses = new SESv2Client({ endpoint: process.env.AWS_ENDPOINT_URL_SESV2, region: localRegion, credentials: localCredentials });
  const admin = { authorization: `Bearer ${runtime.apiKey}`, 'content-type': 'application/json' };
  try {
    await fetch(`${runtime.url}/dev/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ at: WINDOW_TIME }) });
    const concurrency = inFlightOf(UNLIMITED_RATE);

    say(`broadcasts: seeding ${members} members (5% unsubscribed, 3% suppressed) and the floor's contacts`);
    const audience = Array.from({ length: members }, (_, i) => ({
      contactId: ulid(),
      blocked: i % 20 === 7 ? ('unsubscribed' as const) : i % 33 === 5 ? ('suppressed' as const) : undefined,
    }));
    await seed(db, runtime.tableName, BENCH_SEGMENT, audience);
    const floorContacts = Array.from({ length: Math.min(members, 2_000) }, () => ({ contactId: ulid(), blocked: undefined }));
    await seed(db, runtime.tableName, undefined, floorContacts);

    say(`broadcasts: floor, the same calls per send issued directly at c=${concurrency}`);
    const email = renderer.render('monthly-newsletter', sampleContext());
    let next = 0;
    const floorStarted = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < floorContacts.length) await floorSend(db, ses, runtime.tableName, floorContacts[next++]!.contactId, email);
      }),
    );
    const floorPerSecond = floorContacts.length / ((performance.now() - floorStarted) / 1_000);
    await runtime.stepFunctions.idle();
    await fetch(`${runtime.sesUrl}/clear-store`, { method: 'POST' });

    say(`broadcasts: broadcast to ${members} members`);
    const started = performance.now();
    const response = await fetch(`${runtime.url}/broadcasts`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ id: 'bench-newsletter', name: 'Bench newsletter', template: 'monthly-newsletter', segment: BENCH_SEGMENT, when: { now: true }, rate: UNLIMITED_RATE }),
    });
    if (response.status !== 202) throw new Error(`POST /broadcasts answered ${response.status}: ${await response.text()}`);
    await runtime.stepFunctions.idle();
    const seconds = (performance.now() - started) / 1_000;

    const view = (await (await fetch(`${runtime.url}/broadcasts/bench-newsletter`, { headers: admin })).json()) as { status: string; sent: number; skipped: Record<string, number> };
    if (view.status !== 'sent') throw new Error(`the broadcast ended ${view.status}`);
    const store = (await (await fetch(`${runtime.sesUrl}/store`)).json()) as { emails: { destination: { to: string[] } }[] };
    const received = new Map<string, number>();
    for (const e of store.emails) for (const to of e.destination.to) received.set(to, (received.get(to) ?? 0) + 1);
    const wanted = new Set(audience.filter((m) => !m.blocked).map((m) => addressOf(m.contactId)));
    const duplicates = [...received.values()].filter((n) => n > 1).length;
    const unexpected = [...received.keys()].filter((to) => !wanted.has(to)).length;
    const exactlyOnce = duplicates === 0 && unexpected === 0 && [...wanted].every((to) => received.get(to) === 1);
    const expectedSkips = { unsubscribed: audience.filter((m) => m.blocked === 'unsubscribed').length, suppressed: audience.filter((m) => m.blocked === 'suppressed').length };
    const skipsRight = JSON.stringify(sorted(view.skipped)) === JSON.stringify(sorted(expectedSkips)) && view.sent === wanted.size;
    return {
      members,
      eligible: wanted.size,
      concurrency,
      broadcastPerSecond: members / seconds,
      floorPerSecond,
      seconds,
      exactlyOnce,
      duplicates,
      unexpected,
      skipsRight,
      skipped: view.skipped,
    };
  } finally {
    ses.destroy();
    await runtime.stop();
  }
}

const addressOf = (contactId: string) => `${contactId.toLowerCase()}@example.com`;

function sorted(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

async function seed(db: DynamoDBDocumentClient, tableName: string, segmentId: string | undefined, contacts: readonly { contactId: string; blocked?: 'unsubscribed' | 'suppressed' | undefined }[]) {
  const at = '2026-03-01T10:00:00.000Z';
  const items = contacts.flatMap(({ contactId, blocked }) => [
    {
      ...keys.profile(contactId),
      contactId,
      email: addressOf(contactId),
      attributes: { first_name: 'Ada', time_zone: 'America/New_York' },
      createdAt: at,
      updatedAt: at,
      ...(blocked === 'suppressed' ? { suppressed: { reason: 'bounce', at } } : {}),
      ...(blocked === 'unsubscribed' ? { subscriptions: { all: { status: 'unsubscribed', at, source: 'preferences' } } } : {}),
    },
    ...(segmentId ? [{ ...keys.segmentState(contactId, segmentId), ...segmentMemberKeys(segmentId, contactId), segmentId, contactId, member: true, since: at, memory: {}, evaluatedAt: at }] : []),
  ]);
  const batches: (typeof items)[] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < batches.length) {
        let pending: unknown[] | undefined = batches[next++]!.map((Item) => ({ PutRequest: { Item } }));
        while (pending && pending.length > 0) {
          const out: BatchWriteCommandOutput = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending as never } }));
          pending = out.UnprocessedItems?.[tableName];
        }
      }
    }),
  );
}

/** One broadcast send's calls, issued directly: consistent BatchGet, the claim (send record + mail log), SES, the record. */
async function floorSend(db: DynamoDBDocumentClient, ses: SESv2Client, tableName: string, contactId: string, email: { subject: string; html: string; text: string }) {
  const sendId = `floor-${contactId}`;
  await db.send(
    new BatchGetCommand({ RequestItems: { [tableName]: { Keys: [keys.profile(contactId), emailKeys.mailLog(contactId), emailKeys.send(sendId)], ConsistentRead: true } } }),
  );
  await db.send(
    new TransactWriteCommand({
      TransactItems: [
        { Put: { TableName: tableName, Item: { ...emailKeys.send(sendId), status: 'pending' }, ConditionExpression: 'attribute_not_exists(PK)' } },
        { Put: { TableName: tableName, Item: { ...emailKeys.mailLog(contactId), sends: [], version: 1 } } },
      ],
    }),
  );
  const { MessageId } = await ses.send(
    new SendEmailCommand({
      FromEmailAddress: emails.settings.sender.from,
      Destination: { ToAddresses: [addressOf(contactId)] },
      Content: { Simple: { Subject: { Data: email.subject }, Body: { Html: { Data: email.html }, Text: { Data: email.text } } } },
      EmailTags: [
        { Name: 'contact', Value: contactId },
        { Name: 'send', Value: sendId },
      ],
    }),
  );
  await db.send(
    new TransactWriteCommand({
      TransactItems: [
        { Update: { TableName: tableName, Key: emailKeys.send(sendId), UpdateExpression: 'SET #s = :s, messageId = :m', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': 'sent', ':m': MessageId } } },
        { Put: { TableName: tableName, Item: { ...keys.event(contactId, ulid()), contactId, type: 'email.sent' }, ConditionExpression: 'attribute_not_exists(PK)' } },
      ],
    }),
  );
}

/** The report's broadcast section, Markdown, with a verdict per goal. */
export function broadcastsSection(result: BroadcastBenchResult): { markdown: string; verdicts: { goal: string; met: boolean }[] } {
  const verdicts: { goal: string; met: boolean }[] = [];
  const verdict = (goal: string, met: boolean) => {
    verdicts.push({ goal, met });
    return met ? 'met' : '**MISS**';
  };
  const ratio = result.broadcastPerSecond / result.floorPerSecond;
  const lines = [
    '## Broadcasts',
    '',
    '| measure | value | goal |',
    '| --- | ---: | --- |',
    `| broadcast to ${result.members} members (${result.eligible} eligible) in ${result.seconds.toFixed(1)} s: members/s ${result.broadcastPerSecond.toFixed(1)} vs floor sends/s ${result.floorPerSecond.toFixed(1)} at c=${result.concurrency} | ${ratio.toFixed(2)}× | ≥ ${broadcastGoals.minSendRatio}×: ${verdict(`broadcast: ${ratio.toFixed(2)}× the send floor (goal ≥ ${broadcastGoals.minSendRatio}×)`, ratio >= broadcastGoals.minSendRatio)} |`,
    `| exactly one email per eligible member (duplicates ${result.duplicates}, unexpected ${result.unexpected}) | ${result.exactlyOnce ? 'yes' : 'no'} | yes: ${verdict('broadcast: exactly one email per eligible member', result.exactlyOnce)} |`,
    `| skip counts (${Object.entries(result.skipped).map(([reason, n]) => `${reason} ${n}`).join(', ')}) | ${result.skipsRight ? 'right' : 'wrong'} | right: ${verdict('broadcast: skip counts by reason', result.skipsRight)} |`,
    '',
    'The broadcast runs through the local runtime: `POST /broadcasts`, the local Step Functions endpoint running the ' +
      'broadcast ASL, the step handler sending each page through `sendEmail` (guards, send record, SES, `email.sent`), ' +
      'with the reactor and the SES event proxy handling what the sends write, as they do for the floor. The floor ' +
      'issues the same four calls per send (consistent BatchGetItem, the claim transaction, SES SendEmail, the record ' +
      'transaction) directly, at the concurrency the step sends at; members/s counts skipped members too.',
    '',
  ];
  return { markdown: lines.join('\n'), verdicts };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const result = await benchBroadcasts((line) => console.error(line));
  console.log(JSON.stringify(result, null, 2));
  console.log(broadcastsSection(result).markdown);
  process.exit();
}
