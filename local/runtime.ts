import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { DeleteItemCommand, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { Context, DynamoDBRecord } from 'aws-lambda';
import sesModule from 'aws-ses-v2-local';
import { definitionOf, functions, functionsTriggeredBy, routes, type FunctionKey } from '../lib/functions';
import { matchesFilter } from '../functions/reactor/stream-filter';
import { ensureTable, localCredentials, localRegion, startDynamoDbLocal } from './dynamodb-local';
import { demoPages, startGateway, type HttpLambda } from './gateway';
import { startCrmQueue } from './crm-queue';
import { startCrmReceiver, type CrmReceiver } from './crm-receiver';
import { freePort } from './ports';
import { emailPreviewPages } from './email-preview';
import { startSesEventsProxy } from './ses-events';
import { startLocalStepFunctions, type LocalStepFunctions } from './stepfunctions';
import { compileJourney, substitute } from '../lib/journeys/compiler';
import { buildJourneys } from '../lib/journeys/journey-files';
import { startStreamPoller, type StreamLambda } from './stream-poller';
import { devClockPages, DRAIN_PK, StreamDrain, VirtualClock } from './clock';
import { systemClock } from '../functions/shared/ids';

export interface RuntimeOptions {
  /** Gateway port; 0 picks a free one. @default 3000 */
  readonly port?: number;
  /** DynamoDB Local port; 0 picks a free one. @default 8000 */
  readonly dynamoDbPort?: number;
  /** aws-ses-v2-local port (inbox UI at its root); 0 picks a free one. @default 8005 */
  readonly sesPort?: number;
  /** Where DynamoDB Local keeps its files; null keeps everything in memory. @default '.local' */
  readonly dataDir?: string | null;
  /** @default 'nurture-local' */
  readonly tableName?: string;
  /** @default 'local-admin-token' */
  readonly adminToken?: string;
  /** The local Step Functions endpoint's port; 0 or absent picks a free one. */
  readonly stepFunctionsPort?: number;
  /** How many times faster than real time journey waits pass. @default TIME_SCALE or 86400 */
  readonly timeScale?: number;
}

export interface Runtime {
  readonly url: string;
  readonly dynamoDbEndpoint: string;
  readonly sesUrl: string;
  /** The local HubSpot-compatible CRM (its inbox is also at `<url>/dev/crm`); undefined when a real CRM is configured. */
  readonly crmUrl: string | undefined;
  readonly tableName: string;
  readonly adminToken: string;
  /** The local Step Functions endpoint running the journeys (tests wait on `idle()`, read `executions()`). */
  readonly stepFunctions: LocalStepFunctions;
  /** Calls any registered function's handler with an event, as its trigger would: how local services reach them. */
  invoke(key: FunctionKey, event: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

/** Local stand-ins for the account and region the ARNs the handlers see are written in. */
export const localAccount = '000000000000';
const LOCAL_JOURNEY_PREFIX = 'nurture-local-journey-';
export const localJourneyArnPrefix = `arn:aws:states:${localRegion}:${localAccount}:stateMachine:${LOCAL_JOURNEY_PREFIX}`;

/** `TIME_SCALE`: how many times faster than real time journey waits pass locally. @default 86400 (a day a second) */
function timeScaleFromEnv(): number {
  const value = Number(process.env.TIME_SCALE ?? 86_400);
  if (!Number.isFinite(value) || value <= 0) throw new Error('TIME_SCALE must be a positive number');
  return value;
}

const root = resolve(import.meta.dirname, '..');

// aws-ses-v2-local is CommonJS with an ES-style default export; unwrap it under either loader.
const startSes = (sesModule as unknown as { default?: typeof sesModule }).default ?? sesModule;

/**
 * Starts the whole system on a laptop: DynamoDB Local, aws-ses-v2-local, the HTTP gateway in front of the real
 * handler modules, and the stream poller feeding the reactor. The SDK clients are the real ones, pointed at local
 * endpoints with dummy credentials, so nothing can reach AWS. One runtime per process (it sets process.env).
 */
export async function startRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const dataDir = options.dataDir === undefined ? join(root, '.local') : options.dataDir;
  const tableName = options.tableName ?? 'nurture-local';
  const adminToken = options.adminToken ?? 'local-admin-token';
  // Node 20 is supported here (Lambda runs 22); the SDK's notice about its future Node 22 floor is noise locally.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const stops: (() => Promise<void>)[] = [];
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      // Last started, first stopped: the gateway and poller go before the stores they use.
      for (const step of [...stops].reverse()) await step().catch(() => undefined);
    })());

  try {
    const dynamo = await startDynamoDbLocal({
      port: options.dynamoDbPort ?? 8000,
      ...(dataDir ? { dataDir: join(dataDir, 'dynamodb') } : {}),
    });
    stops.push(() => dynamo.stop());

    const sesPort = options.sesPort === 0 ? await freePort() : (options.sesPort ?? 8005);
    const ses: Server = await startSes({ host: '127.0.0.1', port: sesPort });
    stops.push(() => new Promise<void>((done) => ses.close(() => done())));
    const sesUrl = `http://127.0.0.1:${sesPort}`;
    // SES events (delivery, bounce, complaint; the mailbox simulator's addresses) → the sesEvents handler, loaded below.
    const late: { sesEvents?: (event: unknown) => Promise<unknown>; worker?: (event: unknown) => Promise<unknown> } = {};
    // One clock for every handler, the SES events and the journeys: real time plus an offset `POST /dev/clock` moves.
    const clock = new VirtualClock();
    // Handler modules build their dependencies with the shared systemClock as they load; locally it reads this clock.
    systemClock.now = () => clock.now();
    const sesEvents = await startSesEventsProxy({
      now: () => clock.now(),
      sesUrl,
      deliver: async (event) => late.sesEvents?.(event),
      region: localRegion,
      account: localAccount,
    });
    stops.push(() => sesEvents.close());
    // Known before the handlers load: the email functions write absolute links to the gateway into emails.
    const gatewayPort = options.port === 0 ? await freePort() : (options.port ?? 3000);

    // The CRM: a local HubSpot-compatible receiver, unless real CRM credentials are configured (functions/crm/config.ts).
    const realCrm = Boolean(process.env.HUBSPOT_ACCESS_TOKEN || process.env.SALESFORCE_INSTANCE_URL || process.env.CRM_WEBHOOK_URL);
    const crm: CrmReceiver | undefined = realCrm ? undefined : await startCrmReceiver();
    if (crm) stops.push(() => crm.close());
    // The hand-off queue the reactor fills on MQL; it delivers to the worker handler, loaded below.
    const handOffQueue = await startCrmQueue({
      worker: async (event) => (await late.worker?.(event)) as never,
      maxReceives: 3,
      retryDelayMs: Number(process.env.NURTURE_HANDOFF_RETRY_MS ?? 500),
      region: localRegion,
      account: localAccount,
      ...(dataDir ? { deadLetterFile: join(dataDir, 'crm-handoff-dlq.jsonl') } : {}),
      onDeadLetter: (entry) => crm?.addDeadLetter(entry),
    });
    stops.push(() => handOffQueue.close());

    // Journey files are validated and regenerated before any handler loads them: an edited journey runs after a restart.
    const journeys = buildJourneys();
    const timeScale = options.timeScale ?? timeScaleFromEnv();
    const sfnPort = options.stepFunctionsPort ? options.stepFunctionsPort : await freePort();

    Object.assign(process.env, {
      AWS_REGION: localRegion,
      AWS_ENDPOINT_URL_SFN: `http://127.0.0.1:${sfnPort}`,
      JOURNEY_SIGNING_SECRET: process.env.NURTURE_JOURNEY_SIGNING_SECRET || 'local-journey-signing-secret',
      AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB_STREAMS: dynamo.endpoint,
      AWS_ENDPOINT_URL_SESV2: sesEvents.url,
      // Email links (functions/email): the gateway's URL and the link-signing keys (in AWS: a Secrets Manager secret).
      PUBLIC_BASE_URL: `http://127.0.0.1:${gatewayPort}`,
      EMAIL_SIGNING_KEYS: process.env.NURTURE_EMAIL_SIGNING_KEYS || 'local-email-signing-key-not-for-production',
      TABLE_NAME: tableName,
      // Journey waits pass this many times faster; handlers that judge journey-time spans (the scanner window) scale them.
      JOURNEY_TIME_SCALE: String(timeScale),
      ADMIN_TOKEN: adminToken,
      JOURNEY_STATE_MACHINE_ARN_PREFIX: localJourneyArnPrefix,
      // CRM (functions/crm): the hand-off queue, loopback allowed for the local receiver, local webhook secrets.
      NURTURE_LOCAL: '1',
      AWS_ENDPOINT_URL_SQS: handOffQueue.endpoint,
      HANDOFF_QUEUE_URL: handOffQueue.queueUrl,
      HANDOFF_MAX_RECEIVES: '3',
      HUBSPOT_CLIENT_SECRET: process.env.HUBSPOT_CLIENT_SECRET || 'local-hubspot-secret',
      CRM_FEEDBACK_SECRET: process.env.CRM_FEEDBACK_SECRET || 'local-crm-feedback-secret',
      ...(crm ? { CRM_PROVIDER: 'hubspot', HUBSPOT_ACCESS_TOKEN: 'local-hubspot-token', HUBSPOT_BASE_URL: crm.url } : {}),
      // Tracking API write key and the forms' HMAC key (in AWS: Secrets Manager secrets).
      TRACKING_WRITE_KEY: process.env.NURTURE_WRITE_KEY ?? 'local-write-key',
      FORM_SIGNING_KEY: process.env.NURTURE_FORM_SIGNING_KEY ?? 'local-form-signing-key-not-for-production',
    });
    delete process.env.AWS_PROFILE;
    delete process.env.AWS_SESSION_TOKEN;

    const clientConfig = { endpoint: dynamo.endpoint, region: localRegion, credentials: localCredentials };
    const dynamoDb = new DynamoDBClient(clientConfig);
    const streams = new DynamoDBStreamsClient(clientConfig);
    stops.push(async () => {
      dynamoDb.destroy();
      streams.destroy();
    });
    await ensureTable(dynamoDb, tableName);

    // Imported only now: handler modules read their environment and build SDK clients as they load.
    const handlers = await loadHandlers();
    const invoke = async (key: FunctionKey, event: unknown) => handlers[key](event, lambdaContextFor(key));
    // EventBridge rules, locally: each event goes to the function the registry subscribes to its source.
    const sesEventsKey = eventBridgeTarget('aws.ses');
    late.sesEvents = (event) => invoke(sesEventsKey, event);
    late.worker = (event) => invoke('crmHandOffWorker', event);

    const statusChangeKey = eventBridgeTarget('aws.states');
    const lambdaArn = (key: string) => `arn:aws:lambda:${localRegion}:${localAccount}:function:${key}`;
    const stepFunctions = await startLocalStepFunctions({
      port: sfnPort,
      region: localRegion,
      account: localAccount,
      timeScale,
      now: () => clock.now().getTime(),
      stateMachines: new Map(
        [...journeys.values()].map((journey) => [
          `${LOCAL_JOURNEY_PREFIX}${journey.id}`,
          substitute(compileJourney(journey), { sendEmail: lambdaArn('sendEmail'), handOff: lambdaArn('handOff'), journeyStep: lambdaArn('journeyStep') }),
        ]),
      ),
      invoke: (key, input) => invoke(key as FunctionKey, input),
      onStatusChange: async (event) => {
        await invoke(statusChangeKey, event);
      },
    });
    stops.push(() => stepFunctions.stop());

    // EventBridge Scheduler, locally: every scheduled function of the registry (the daily journey sweep, the hourly
    // double opt-in reminders) runs at start and then every minute. Each run is idempotent and does only what is due
    // by the day, so running more often than the schedule changes nothing but how soon a local change shows.
    const scheduled = functionsTriggeredBy('schedule').map((key) => {
      const run = () =>
        invoke(key, {}).catch((error: unknown) =>
          console.error(JSON.stringify({ level: 'error', service: 'local-scheduler', message: 'scheduled run failed', function: key, error: String(error) })),
        );
      const timer = setInterval(() => void run(), 60_000);
      timer.unref();
      stops.push(async () => clearInterval(timer));
      return run;
    });

    const drain = new StreamDrain();
    for (const key of functionsTriggeredBy('stream')) {
      const { trigger } = definitionOf(key);
      if (trigger.kind !== 'stream') continue;
      const watched = drain.watch((record: DynamoDBRecord) => matchesFilter(record, trigger.filter), handlers[key] as StreamLambda);
      const poller = await startStreamPoller({
        dynamoDb,
        streams,
        tableName,
        region: localRegion,
        handler: watched.handler,
        filter: watched.filter,
        ...(dataDir ? { failureFile: join(dataDir, `${key}-failures.jsonl`) } : {}),
      });
      stops.push(() => poller.stop());
    }

    const gateway = await startGateway({
      port: gatewayPort,
      routes,
      handlers: handlers as Record<string, HttpLambda>,
      pages: demoPages(join(root, 'local/public')),
      locals: {
        ...emailPreviewPages((await import('../functions/email/templates')).renderer),
        ...(crm ? { '/dev/crm': crm.handle, '/dev/crm/faults': crm.handle, '/dev/crm/deals': crm.handle } : {}),
        ...(await import('./dashboard')).dashboardPages(root),
        ...devClockPages(clock, async () => {
          const marker = (id: string) => ({ PK: { S: DRAIN_PK }, SK: { S: id } });
          const drainStream = () =>
            drain.drained({
              write: async (id) => void (await dynamoDb.send(new PutItemCommand({ TableName: tableName, Item: marker(id) }))),
              remove: async (id) => void (await dynamoDb.send(new DeleteItemCommand({ TableName: tableName, Key: marker(id) }))),
            });
          // The stream first; then what its reactions set off (SES events of the emails sent, CRM hand-offs queued),
          // whose own writes go through the stream again. Journeys in a wait are not waited for: they may wait days.
          if (!(await drainStream())) return false;
          await Promise.all([sesEvents.idle(), handOffQueue.idle()]);
          return drainStream();
        }),
      },
      health: async () => {
        const dynamodb = await dynamoDb.send(new ListTablesCommand({})).then(
          () => 'ok',
          () => 'unreachable',
        );
        const email = await fetch(`${sesUrl}/health-check`).then(
          (r) => (r.ok ? 'ok' : 'unhealthy'),
          () => 'unreachable',
        );
        return { ok: dynamodb === 'ok' && email === 'ok', dynamodb, email };
      },
    });
    stops.push(() => gateway.close());

    if (dataDir) mkdirSync(dataDir, { recursive: true });
    for (const run of scheduled) void run();
    return { url: gateway.url, dynamoDbEndpoint: dynamo.endpoint, sesUrl, crmUrl: crm?.url, tableName, adminToken, stepFunctions, invoke, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

type AnyHandler = (event: unknown, context: Context) => Promise<unknown>;

/** Every registered function's `handler`, imported from the module the registry names (as Lambda would). */
async function loadHandlers(): Promise<Record<FunctionKey, AnyHandler>> {
  const loaded = await Promise.all(
    Object.entries(functions).map(async ([key, definition]) => {
      const module = (await import(pathToFileURL(join(root, definition.entry)).href)) as { handler?: AnyHandler };
      if (typeof module.handler !== 'function') throw new Error(`${definition.entry} exports no handler`);
      return [key, module.handler] as const;
    }),
  );
  return Object.fromEntries(loaded) as Record<FunctionKey, AnyHandler>;
}

/** A Lambda context for a local invocation of a non-HTTP function (the gateway builds its own). */
function lambdaContextFor(key: FunctionKey): Context {
  const deadline = Date.now() + (definitionOf(key).timeoutSeconds ?? 10) * 1_000;
  const fail = () => {
    throw new Error('callback-style handlers are not supported');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: key,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${localRegion}:${localAccount}:function:${key}`,
    memoryLimitInMB: String(definitionOf(key).memoryMb ?? 256),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${key}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: fail,
    fail,
    succeed: fail,
  };
}

/** The one function the registry subscribes to EventBridge events of `source` (e.g. `aws.ses`, `aws.states`). */
function eventBridgeTarget(source: string): FunctionKey {
  const keys = functionsTriggeredBy('eventbridge').filter((key) => {
    const { trigger } = definitionOf(key);
    return trigger.kind === 'eventbridge' && ([] as unknown[]).concat(trigger.pattern.source ?? []).includes(source);
  });
  if (keys.length !== 1) throw new Error(`the registry must subscribe exactly one function to ${source} events; found ${keys.length}`);
  return keys[0]!;
}
