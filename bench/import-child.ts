/**
 * Child script of the import bench (bench/import.ts): starts the local runtime in this process, then measures
 * - the floor (half its rows before the import, half after): the same DynamoDB writes an import of a new contact makes (a consistent BatchGetItem of the email
 *   claim, then one TransactWriteItems of claim, profile, event and index entries), straight from the SDK, at the
 *   same number of rows in flight, with no file, HTTP, checks or mapping;
 * - the import: `npm run contacts -- import` as a person runs it, in its own process, through the gateway's
 *   `POST /contacts/import`; then the same file again (every row unchanged).
 * The reactor is held meanwhile (its calls wait), so both runs have the machine to themselves; the handlers'
 * DynamoDB calls are counted per request.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { BatchGetCommand, DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { indexEntries } from '../functions/contacts/domain/search-index';
import { indexItem } from '../functions/contacts/dynamo-upsert';
import { toItem } from '../functions/contacts/dynamo-contacts';
import type { Contact } from '../functions/shared/contact';
import { EventName } from '../functions/shared/events';
import type { TimelineEvent } from '../functions/shared/timeline';
import { ulid } from '../functions/shared/ids';
import { keys } from '../functions/shared/keys';
import { localCredentials, localRegion } from '../local/dynamodb-local';
import { startRuntime, type Runtime } from '../local/runtime';
import { countCalls } from './call-counter';
import { progress, repoRoot, serveRuns } from './child';
import { ImportBenchPlan, benchRow, type ImportBenchResult } from './import';

const ADMIN_TOKEN = 'bench-admin-token-0123456789';
let running: Runtime | undefined;

if (process.send) {
  serveRuns(ImportBenchPlan, measure, async () => {
    await running?.stop();
  });
}

async function measure(plan: ImportBenchPlan): Promise<ImportBenchResult> {
  const runtime = await startRuntime({ port: 0, dynamoDbPort: 0, sesPort: 0, cognitoPort: 0, dataDir: null, adminToken: ADMIN_TOKEN });
  running = runtime;
  const { dynamoDb } = await import('../functions/shared/aws');
  const counter = countCalls(dynamoDb);
  counter.pauseBackground();
  try {
    // Half the floor's rows before the import and half after, so a table that grows (or a JIT that warms) favours
    // neither side.
    const half = Math.ceil(plan.rows / 2);
    progress(`import: floor, ${half} rows, ${plan.floorConcurrency} in flight`);
    const before = await floorRun(runtime, plan, 0, half);

    counter.reset();
    const first = await cliImport(runtime, plan);
    const firstCalls = counter.counts();
    progress(`import: npm run contacts -- import, ${(first.rows / first.seconds).toFixed(0)} rows/s`);

    progress(`import: floor, ${plan.rows - half} more rows`);
    const after = await floorRun(runtime, plan, half, plan.rows);
    const floor = {
      rows: before.rows + after.rows,
      seconds: before.seconds + after.seconds,
      calls: Object.fromEntries(Object.keys(before.calls).map((name) => [name, (before.calls[name] ?? 0) + (after.calls[name] ?? 0)])),
      requests: 0,
    };
    progress(`import: floor ${(floor.rows / floor.seconds).toFixed(0)} rows/s`);

    counter.reset();
    const again = await cliImport(runtime, plan);
    const againCalls = counter.counts();
    progress(`import: the same file again, ${(again.rows / again.seconds).toFixed(0)} rows/s`);
    return {
      floor,
      import: { rows: first.rows, seconds: first.seconds, calls: firstCalls.postCalls, requests: firstCalls.posts, created: first.created.count, rejected: first.rejected.count },
      rerun: { rows: again.rows, seconds: again.seconds, calls: againCalls.postCalls, requests: againCalls.posts, unchanged: again.unchanged.count },
    };
  } finally {
    counter.resumeBackground();
    running = undefined;
    await runtime.stop();
  }
}

/** The same writes as imported new rows `from`…`to`, `floorConcurrency` at a time, from this process's own client. */
async function floorRun(runtime: Runtime, plan: ImportBenchPlan, from: number, to: number) {
  const client = new DynamoDBClient({ endpoint: runtime.dynamoDbEndpoint, region: localRegion, credentials: localCredentials });
  const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const calls: Record<string, number> = {};
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      calls[name] = (calls[name] ?? 0) + 1;
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'floorCallCounter' },
  );
  const table = runtime.tableName;
  let next = from;
  const started = performance.now();
  const worker = async () => {
    for (let i = next++; i < to; i = next++) {
      const row = benchRow(i);
      const email = `floor-${row.email}`;
      const now = new Date();
      const at = now.toISOString();
      const claims = await db.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: [keys.email(email)], ConsistentRead: true } } }));
      if ((claims.Responses?.[table] ?? []).length > 0) throw new Error('the floor found a claim: the table is not fresh');
      const contactId = ulid(now.getTime());
      const { email: _email, tags, ...attributes } = row;
      const subscriptions = { newsletter: { status: 'subscribed' as const, at, source: 'bench.csv', basis: 'import' } };
      const contact: Contact = { contactId, email, attributes, ...(tags.length ? { tags } : {}), subscriptions, createdAt: at, updatedAt: at };
      const event = {
        eventId: ulid(now.getTime()),
        contactId,
        occurredAt: at,
        type: EventName.ContactUpserted,
        data: { via: 'import', created: true, set: attributes, cleared: [], addedTags: tags, removedTags: [], consents: [{ topic: 'newsletter', status: 'subscribed', basis: 'import', source: 'bench.csv' }] },
      } satisfies TimelineEvent;
      await db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: table, Item: { ...keys.email(email), contactId, createdAt: at }, ConditionExpression: 'attribute_not_exists(PK)' } },
            { Put: { TableName: table, Item: { ...keys.profile(contactId), ...contact }, ConditionExpression: 'attribute_not_exists(PK)' } },
            { Put: { TableName: table, Item: toItem(event), ConditionExpression: 'attribute_not_exists(PK)' } },
            ...indexEntries(contact, 'subscriber').map((entry) => ({ Put: { TableName: table, Item: indexItem(contactId, entry) } })),
          ],
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: plan.floorConcurrency }, worker));
  const seconds = (performance.now() - started) / 1_000;
  client.destroy();
  return { rows: to - from, seconds, calls, requests: 0 };
}

/** `npm run contacts -- import` in its own process, as a person runs it; its report's rows and time. */
async function cliImport(runtime: Runtime, plan: ImportBenchPlan) {
  const reportFile = `${plan.file}.report.json`;
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'scripts/contacts.ts',
      'import',
      plan.file,
      '--url',
      runtime.url,
      '--topic',
      'newsletter',
      '--consent-column',
      'consent',
      '--source',
      'bench.csv',
      '--batch-size',
      String(plan.batchSize),
      '--concurrency',
      String(plan.requests),
      '--report',
      reportFile,
    ],
    { cwd: repoRoot, env: { ...process.env, NURTURE_API_KEY: runtime.apiKey }, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`npm run contacts -- import exited with ${code}`);
  const report = JSON.parse(await readFile(reportFile, 'utf8')) as {
    rows: number;
    seconds: number;
    created: { count: number };
    unchanged: { count: number };
    rejected: { count: number };
  };
  return report;
}
