/**
 * Email bench (part of `npm run bench`; alone: `npx tsx bench/email.ts`):
 * - templates rendered per second on one core (Liquid subject/preheader/HTML/text, link tracking, pixel, HMAC);
 * - sends per second through the send step's factory (real SDK clients → DynamoDB Local + aws-ses-v2-local)
 *   against a floor issuing the same DynamoDB and SES calls directly with a pre-rendered email;
 * - DynamoDB calls per send, counted on the handler's client;
 * - the email functions' bundles (minified like NurtureFunction bundles them).
 */
import { statSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import sesModule from 'aws-ses-v2-local';
import { build } from 'esbuild';
import { DynamoEmailStore, emailKeys } from '../functions/email/dynamo-email-store';
import { addOpenPixel, trackLinks } from '../functions/email/domain/render';
import { makeSendEmailTask } from '../functions/email/send-email-task';
import { sampleContext } from '../functions/email/samples';
import { SesMailer } from '../functions/email/ses-mailer';
import { emails, renderer } from '../functions/email/templates';
import { TokenSigner } from '../functions/email/tokens';
import { ulid } from '../functions/shared/ids';
import { keys } from '../functions/shared/keys';
import { functions } from '../lib/functions';
import { ensureTable, localCredentials, localRegion, startDynamoDbLocal } from '../local/dynamodb-local';
import { repoRoot } from './child';

export const emailGoals = {
  minRendersPerSecond: 5_000,
  minSendRatio: 0.7,
  maxTrackingBundleKb: 150,
  maxBundleKb: 500,
} as const;

export interface EmailBenchResult {
  readonly rendersPerSecond: number;
  readonly sends: readonly { concurrency: number; handler: number; floor: number }[];
  readonly dynamoCallsPerSend: number;
  readonly callsByOperation: Readonly<Record<string, number>>;
  readonly bundles: readonly { name: string; kb: number }[];
}

const PUBLIC_URL = 'https://nurture.example.com';
const signer = new TokenSigner(['bench-signing-key-0123456789']);
const insideWindow = new Date('2026-03-10T15:00:00Z');

export async function benchEmail(say: (line: string) => void = () => undefined): Promise<EmailBenchResult> {
  say('email: rendering templates on one core');
  const rendersPerSecond = benchRender(3_000);

  say('email: starting DynamoDB Local and aws-ses-v2-local for sends');
  const dynamo = await startDynamoDbLocal();
  const startSes = (sesModule as unknown as { default?: typeof sesModule }).default ?? sesModule;
  const sesServer: Server = await startSes({ host: '127.0.0.1', port: 0 });
  const sesUrl = `http://127.0.0.1:${(sesServer.address() as AddressInfo).port}`;
  const config = { endpoint: dynamo.endpoint, region: localRegion, credentials: localCredentials };
  const raw = new DynamoDBClient(config);
  const calls = countCalls(raw);
  const db = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  const ses = new SESv2Client({ endpoint: sesUrl, region: localRegion, credentials: localCredentials });
  const tableName = 'email-bench';
  try {
    await ensureTable(raw, tableName);
    const contacts = await seedContacts(db, tableName, 500);
    const send = makeSendEmailTask({
      store: new DynamoEmailStore(db, tableName),
      mailer: new SesMailer(ses, undefined),
      renderer,
      // The cap would skip most sends of a bench that mails the same 500 contacts for seconds on end.
      settings: { ...emails.settings, frequencyCap: { max: 1_000_000, days: 7 } },
      signer: async () => signer,
      publicUrl: PUBLIC_URL,
      clock: { now: () => insideWindow },
      logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    });
    let n = 0;
    const handlerOp = async () => {
      const i = n++;
      const contactId = contacts[i % contacts.length]!;
      const out = await send({ contactId, journeyId: BENCH_JOURNEY, stepId: `s${i}`, executionName: executionOf(contactId), templateId: 'nurture-1' });
      if (out.outcome !== 'sent') throw new Error(`send ${i}: ${JSON.stringify(out)}`);
    };
    // The floor sends the same bytes: the rendered email with tracked links, the pixel, the headers and tags.
    const email = renderer.render('nurture-1', sampleContext());
    const tracked = trackLinks(email, (index) => `${PUBLIC_URL}/t/c/${signer.sign('c', ['01HCONTACT', 'send', String(index)])}`, (url) => url.startsWith(PUBLIC_URL));
    const rendered = { subject: email.subject, html: addOpenPixel(tracked.html, `${PUBLIC_URL}/t/o/x`), text: tracked.text };
    const floorOp = async () => {
      const i = n++;
      const contactId = contacts[i % contacts.length]!;
      await floorSend(db, ses, tableName, contactId, `floor-${i}`, rendered);
    };

    say('email: measuring DynamoDB calls per send');
    calls.reset();
    for (let i = 0; i < 50; i++) await handlerOp();
    const counted = calls.snapshot();
    const perSend = Object.values(counted).reduce((a, b) => a + b, 0) / 50;
    const callsByOperation = Object.fromEntries(Object.entries(counted).map(([op, c]) => [op, c / 50]));

    const sends: { concurrency: number; handler: number; floor: number }[] = [];
    for (const concurrency of [1, 8]) {
      say(`email: sends/s at c=${concurrency}, handler vs floor`);
      await rate(handlerOp, concurrency, 1_000);
      await rate(floorOp, concurrency, 1_000);
      const handler: number[] = [];
      const floor: number[] = [];
      for (let round = 0; round < 3; round++) {
        handler.push(await rate(handlerOp, concurrency, 4_000));
        floor.push(await rate(floorOp, concurrency, 4_000));
      }
      sends.push({ concurrency, handler: median(handler), floor: median(floor) });
    }

    say('email: bundling the email functions');
    const bundles = await bundleSizes();
    return { rendersPerSecond, sends, dynamoCallsPerSend: perSend, callsByOperation, bundles };
  } finally {
    ses.destroy();
    raw.destroy();
    await new Promise<void>((done) => sesServer.close(() => done()));
    await dynamo.stop();
  }
}

/** Renders of the shipped templates per second on this thread, everything a send does before SES. */
function benchRender(ms: number): number {
  const ids = renderer.ids();
  const context = sampleContext();
  const once = (i: number) => {
    const id = ids[i % ids.length]!;
    const email = renderer.render(id, context);
    const tracked = trackLinks(email, (index) => `${PUBLIC_URL}/t/c/${signer.sign('c', ['01HCONTACT', 'send', String(index)])}`, (url) => url.startsWith(PUBLIC_URL));
    return addOpenPixel(tracked.html, `${PUBLIC_URL}/t/o/${signer.sign('o', ['01HCONTACT', 'send'])}`).length;
  };
  for (let i = 0, end = performance.now() + 500; performance.now() < end; i++) once(i);
  let count = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  while (performance.now() - started < ms) {
    for (let j = 0; j < 50; j++) once(count++);
  }
  // Per CPU-second of this process, not per wall-clock second: on a shared machine the wall clock also counts the
  // time other processes held the core.
  const used = process.cpuUsage(cpu);
  return count / ((used.user + used.system) / 1e6);
}

/** The journey the sends run in: every seeded contact has a running membership of it (the send checks it). */
const BENCH_JOURNEY = 'bench';
const executionOf = (contactId: string) => `${BENCH_JOURNEY}-${contactId}`;

/**
 * The same calls a send makes, issued directly: consistent BatchGet (with the membership), the claim as a
 * TransactWrite (send record, enrolment check, mail-log slot), SES, TransactWrite.
 */
async function floorSend(
  db: DynamoDBDocumentClient,
  ses: SESv2Client,
  tableName: string,
  contactId: string,
  sendId: string,
  email: { subject: string; html: string; text: string },
): Promise<void> {
  await db.send(
    new BatchGetCommand({
      RequestItems: {
        [tableName]: {
          Keys: [keys.profile(contactId), emailKeys.mailLog(contactId), emailKeys.send(sendId), keys.membership(contactId, BENCH_JOURNEY)],
          ConsistentRead: true,
        },
      },
    }),
  );
  await db.send(
    new TransactWriteCommand({
      TransactItems: [
        { Put: { TableName: tableName, Item: { ...emailKeys.send(sendId), status: 'pending' }, ConditionExpression: 'attribute_not_exists(PK)' } },
        {
          ConditionCheck: {
            TableName: tableName,
            Key: keys.membership(contactId, BENCH_JOURNEY),
            ConditionExpression: 'executionName = :name AND #s = :running',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: { ':name': executionOf(contactId), ':running': 'running' },
          },
        },
        { Put: { TableName: tableName, Item: { ...emailKeys.mailLog(contactId), sends: [], version: 1 } } },
      ],
    }),
  );
  const { MessageId } = await ses.send(
    new SendEmailCommand({
      FromEmailAddress: emails.settings.sender.from,
      Destination: { ToAddresses: [`${contactId.toLowerCase()}@example.com`] },
      Content: {
        Simple: {
          Subject: { Data: email.subject },
          Body: { Html: { Data: email.html }, Text: { Data: email.text } },
          Headers: [
            { Name: 'List-Unsubscribe', Value: `<${PUBLIC_URL}/u/${sendId}>` },
            { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' },
          ],
        },
      },
      EmailTags: [
        { Name: 'contact', Value: contactId },
        { Name: 'send', Value: sendId },
        { Name: 'template', Value: 'nurture-1' },
      ],
    }),
  );
  const eventId = ulid();
  await db.send(
    new TransactWriteCommand({
      TransactItems: [
        { Update: { TableName: tableName, Key: emailKeys.send(sendId), UpdateExpression: 'SET #s = :s, messageId = :m', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': 'sent', ':m': MessageId } } },
        { Put: { TableName: tableName, Item: { ...keys.event(contactId, eventId), type: 'email.sent' }, ConditionExpression: 'attribute_not_exists(PK)' } },
      ],
    }),
  );
}

async function seedContacts(db: DynamoDBDocumentClient, tableName: string, count: number): Promise<string[]> {
  const now = new Date().toISOString();
  const ids = Array.from({ length: count }, () => ulid());
  for (let i = 0; i < ids.length; i += 12) {
    const items = ids.slice(i, i + 12).flatMap((contactId) => [
      {
        PutRequest: {
          Item: {
            ...keys.profile(contactId),
            contactId,
            email: `${contactId.toLowerCase()}@example.com`,
            attributes: { first_name: 'Ada', time_zone: 'America/New_York' },
            createdAt: now,
            updatedAt: now,
          },
        },
      },
      {
        PutRequest: {
          Item: {
            ...keys.membership(contactId, BENCH_JOURNEY),
            journeyId: BENCH_JOURNEY,
            executionName: executionOf(contactId),
            status: 'running',
            entries: 1,
            enteredAt: now,
          },
        },
      },
    ]);
    await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: items } }));
  }
  return ids;
}

/** Operations per second completed by `concurrency` loops for `ms`. */
async function rate(op: () => Promise<void>, concurrency: number, ms: number): Promise<number> {
  let done = 0;
  const started = performance.now();
  const end = started + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await op();
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1_000);
}

/** Counts requests (each attempt) the client sends, by operation. */
function countCalls(client: DynamoDBClient) {
  let counts: Record<string, number> = {};
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = String(context.commandName ?? 'unknown').replace(/Command$/, '');
      counts[operation] = (counts[operation] ?? 0) + 1;
      return next(args);
    },
    { step: 'finalizeRequest', name: 'benchCallCounter' },
  );
  return { reset: () => (counts = {}), snapshot: () => ({ ...counts }) };
}

async function bundleSizes(): Promise<{ name: string; kb: number }[]> {
  const names = ['sendEmail', 'sendEmailApi', 'emailTracking', 'emailPreferences', 'sesEvents'] as const;
  const out: { name: string; kb: number }[] = [];
  for (const name of names) {
    const file = join(repoRoot, '.bench/email-bundles', name, 'index.mjs');
    await build({
      bundle: true,
      minify: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      mainFields: ['module', 'main'],
      external: ['@aws-sdk/*'],
      banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
      logLevel: 'warning',
      entryPoints: [join(repoRoot, functions[name].entry)],
      outfile: file,
    });
    out.push({ name, kb: statSync(file).size / 1024 });
  }
  return out;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** The report's email section, Markdown, with a verdict per goal. */
export function emailSection(result: EmailBenchResult): { markdown: string; verdicts: { goal: string; met: boolean }[] } {
  const verdicts: { goal: string; met: boolean }[] = [];
  const verdict = (goal: string, met: boolean) => {
    verdicts.push({ goal, met });
    return met ? 'met' : '**MISS**';
  };
  const lines = [
    '## Email',
    '',
    '| measure | value | goal |',
    '| --- | ---: | --- |',
    `| templates rendered per CPU-second, one thread (Liquid ×4, link tracking, pixel, HMAC) | ${result.rendersPerSecond.toFixed(0)} | ≥ ${emailGoals.minRendersPerSecond}: ${verdict(`email: ${result.rendersPerSecond.toFixed(0)} templates rendered per CPU-second (goal ≥ ${emailGoals.minRendersPerSecond})`, result.rendersPerSecond >= emailGoals.minRendersPerSecond)} |`,
    ...result.sends.map(
      (s) =>
        `| sends/s at c=${s.concurrency}: handler ${s.handler.toFixed(1)} vs floor ${s.floor.toFixed(1)} | ${(s.handler / s.floor).toFixed(2)}× | ≥ ${emailGoals.minSendRatio}×: ${verdict(`email sends, c=${s.concurrency}: ${(s.handler / s.floor).toFixed(2)}× the floor's sends/s (goal ≥ ${emailGoals.minSendRatio}×)`, s.handler / s.floor >= emailGoals.minSendRatio)} |`,
    ),
    `| DynamoDB calls per send (${Object.entries(result.callsByOperation).map(([op, n]) => `${op} ${n}`).join(', ')}) | ${result.dynamoCallsPerSend.toFixed(2)} | 3 (read, claim, record) |`,
    ...result.bundles.map((b) => {
      const limit = b.name === 'emailTracking' ? emailGoals.maxTrackingBundleKb : emailGoals.maxBundleKb;
      return `| ${b.name} bundle | ${b.kb.toFixed(0)} KB | ≤ ${limit} KB: ${verdict(`${b.name} bundle ${b.kb.toFixed(0)} KB (goal ≤ ${limit} KB)`, b.kb <= limit)} |`;
    }),
    '',
    'Sends go to aws-ses-v2-local and DynamoDB Local on this machine; the floor issues the same four calls (consistent ' +
      'BatchGetItem, conditional PutItem, SES SendEmail, TransactWriteItems) with a pre-rendered email, so the ratio is ' +
      'what rendering, guards, tokens and parsing cost on top of the I/O.',
    '',
  ];
  return { markdown: lines.join('\n'), verdicts };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const result = await benchEmail((line) => console.error(line));
  console.log(JSON.stringify(result, null, 2));
  console.log(emailSection(result).markdown);
}
