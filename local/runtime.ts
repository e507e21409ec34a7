import type { ConsoleConfig } from './console';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { DeleteItemCommand, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, DynamoDBRecord } from 'aws-lambda';
import sesModule from 'aws-ses-v2-local';
import { definitionOf, functions, functionsTriggeredBy, routes, type FunctionKey } from '../lib/functions';
import { matchesFilter } from '../functions/reactor/stream-filter';
import type { FilterPattern } from '../lib/shared/function-definition';
import { ensureTable, localCredentials, localRegion, startDynamoDbLocal } from './dynamodb-local';
import { demoPages, startGateway, type AuthorizerLambda, type HttpLambda } from './gateway';
import { DynamoApiKeys } from '../functions/access/dynamo-api-keys';
import { parseApiKey } from '../functions/access/domain/access';
import { hashSecret } from '../functions/access/key-secrets';
import { startCrmQueue } from './crm-queue';
import { startCrmReceiver, type CrmReceiver } from './crm-receiver';
import { freePort, reservePort } from './ports';
import { emailPreviewPages } from './email-preview';
import { startSesEventsProxy } from './ses-events';
import { startLocalS3 } from './s3';
import { startSmsSink, type SmsSink } from './sms-sink';
import { startLocalStepFunctions, type LocalStepFunctions } from './stepfunctions';
import { broadcastStateMachine, withStepArn } from '../lib/broadcasts/state-machine';
import { compileJourney, JOURNEY_TASK_FUNCTIONS, substitute, type JourneyTaskFunction } from '../lib/journeys/compiler';
import { buildJourneys } from '../lib/journeys/journey-files';
import type { Journey } from '../functions/journeys/domain/journey-file';
import { buildSegments } from '../lib/segments/segment-files';
import { startStreamPoller, type StreamLambda } from './stream-poller';
import { devClockPages, DRAIN_PK, StreamDrain, VirtualClock } from './clock';
import { useClock } from '../functions/shared/clock';
import { useEnvironments } from '../functions/shared/environment';
import { localEnvironments } from './environments';
import { variableNames } from '../lib/shared/bindings';
import { localSettings, realCrmConfigured } from './settings';
import { startIdentityProvider, type LocalIdentity } from './identity-provider';
import { DynamoAuditTrail, useAuditTrail } from '../functions/access/audit-trail';
import { createLogger } from '../functions/shared/logger';
import { loadEnvironmentConfig } from '../lib/config/environment-config';

export interface RuntimeOptions {
  /** Gateway port; 0 picks a free one. @default 3000 */
  readonly port?: number;
  /** DynamoDB Local port; 0 picks a free one. @default 8000 */
  readonly dynamoDbPort?: number;
  /**
   * A DynamoDB Local already running (the test run's one) to keep this runtime's table in, instead of starting one:
   * the runtime neither starts nor stops it, and `dynamoDbPort` and `dataDir` do not apply to it.
   * @default undefined (the runtime starts its own)
   */
  readonly dynamoDbEndpoint?: string;
  /** aws-ses-v2-local port (inbox UI at its root); 0 picks a free one. @default 8005 */
  readonly sesPort?: number;
  /** Where DynamoDB Local keeps its files; null keeps everything in memory. @default '.local' */
  readonly dataDir?: string | null;
  /** @default 'nurture-local' */
  readonly tableName?: string;
  /** The bootstrap token: it may call the keys routes only. @default 'local-admin-token' */
  readonly adminToken?: string;
  /**
   * The local development key (scope `admin`), written to the table on start so the gateway accepts it.
   * @default NURTURE_LOCAL_API_KEY (local/settings.ts)
   */
  readonly apiKey?: string;
  /** The local Step Functions endpoint's port; 0 or absent picks a free one. */
  readonly stepFunctionsPort?: number;
  /** The local S3 (the import bucket)'s port; 0 or absent picks a free one (`npm start`: `NURTURE_S3_PORT`). */
  readonly s3Port?: number;
  /** The local SMS sink's port; 0 or absent picks a free one (`npm start`: `NURTURE_SMS_PORT`). */
  readonly smsPort?: number;
  /** How many times faster than real time journey waits pass. @default TIME_SCALE (local/settings.ts) */
  readonly timeScale?: number;
  /** cognito-local's port (people's console sign-in); 0 picks a free one. @default NURTURE_COGNITO_PORT (9229) */
  readonly cognitoPort?: number;
  /**
   * A cognito-local already running (the test run's one) to give this runtime a user pool of its own in, instead of
   * starting one: the runtime neither starts nor stops it, and `cognitoPort` does not apply.
   * @default undefined (the runtime starts its own)
   */
  readonly identityEndpoint?: string;
  /** The local console users' password. @default NURTURE_CONSOLE_PASSWORD (local/settings.ts) */
  readonly consolePassword?: string;
  /**
   * The journeys compiled into the local Step Functions endpoint. @default the files of statemachines/. Tests pass an
   * edited copy to change a journey between two starts on the same data, as an edited file and a restart of
   * `npm start` do; the handlers read the generated module either way (the migrator reads each version's policy from
   * the definition itself).
   */
  readonly journeys?: ReadonlyMap<string, Journey>;
}

export interface Runtime {
  readonly url: string;
  readonly dynamoDbEndpoint: string;
  readonly sesUrl: string;
  /** The local S3's endpoint (`--endpoint-url`), serving the import bucket path-style. */
  readonly s3Endpoint: string;
  /** The import bucket: files put under `imports/` are imported, their reports written under `reports/`. */
  readonly importBucket: string;
  /** The local HubSpot-compatible CRM (its inbox is also at `<url>/dev/crm`); undefined when a real CRM is configured. */
  readonly crmUrl: string | undefined;
  /** The local End User Messaging SMS sink (`GET <smsUrl>/store`; its phone page is `<url>/dev/sms`). */
  readonly sms: SmsSink;
  readonly tableName: string;
  readonly adminToken: string;
  /** The local development key: scope `admin`, accepted on every private route. */
  readonly apiKey: string;
  /**
   * People's console sign-in, locally: cognito-local's endpoint (the Cognito user-pool API, open to any origin), the
   * pool, the console's app client, and one user per role (`admin`, `marketer`, `viewer`) with `password`.
   */
  readonly identity: LocalIdentity;
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
const LOCAL_BROADCAST_MACHINE = 'nurture-local-broadcast';
export const localBroadcastArn = `arn:aws:states:${localRegion}:${localAccount}:stateMachine:${LOCAL_BROADCAST_MACHINE}`;
/** The local opt-out list STOP and START update (in AWS: the stack's, `<stack>-sms-opt-outs`). */
export const LOCAL_SMS_OPT_OUT_LIST = 'nurture-local-sms-opt-outs';
/** The local import bucket's name (in AWS, the stack's bucket: its `ImportBucketName` output). */
export const LOCAL_IMPORT_BUCKET = 'nurture-imports';

const root = resolve(import.meta.dirname, '..');

// aws-ses-v2-local is CommonJS with an ES-style default export; unwrap it under either loader.
const startSes = (sesModule as unknown as { default?: typeof sesModule }).default ?? sesModule;

/**
 * Starts the whole system on a laptop: DynamoDB Local, aws-ses-v2-local, the HTTP gateway in front of the real
 * handler modules, and the stream poller feeding the reactor. The SDK clients are the real ones, pointed at local
 * endpoints with dummy credentials, so nothing can reach AWS. Each function gets the environment its registry
 * bindings declare, and the dev clock. One runtime per process (it points the SDK at the local endpoints through
 * process.env, and sets the handlers' clock and environments).
 */
export async function startRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const settings = localSettings();
  const devConfig = loadEnvironmentConfig('dev');
  const dataDir = options.dataDir === undefined ? join(root, '.local') : options.dataDir;
  const tableName = options.tableName ?? 'nurture-local';
  const adminToken = options.adminToken ?? 'local-admin-token';
  const apiKey = options.apiKey ?? settings.NURTURE_LOCAL_API_KEY;
  // Node 20 is supported here (Lambda runs 22); the SDK's notice about its future Node 22 floor is noise locally.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const stops: (() => Promise<void>)[] = [];
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      // Last started, first stopped: the gateway and poller go before the stores they use.
      for (const step of [...stops].reverse()) await step().catch(() => undefined);
    })());
  const startOwnDynamoDb = async () => {
    const dynamo = await startDynamoDbLocal({
      port: options.dynamoDbPort ?? 8000,
      ...(dataDir ? { dataDir: join(dataDir, 'dynamodb') } : {}),
    });
    stops.push(() => dynamo.stop());
    return dynamo.endpoint;
  };

  try {
    // Journey files are validated (with the versions lock) and regenerated before anything starts or any handler loads
    // them: an edited journey runs after a restart, and a broken one stops the start at once.
    const journeys = buildJourneys();
    buildSegments();
    const dynamoDbEndpoint = options.dynamoDbEndpoint ?? (await startOwnDynamoDb());

    const sesPort = options.sesPort === 0 ? await freePort() : (options.sesPort ?? 8005);
    const ses: Server = await startSes({ host: '127.0.0.1', port: sesPort });
    stops.push(() => new Promise<void>((done) => ses.close(() => done())));
    const sesUrl = `http://127.0.0.1:${sesPort}`;
    // SES events (delivery, bounce, complaint; the mailbox simulator's addresses) → the sesEvents handler, loaded below.
    const late: {
      sesEvents?: (event: unknown) => Promise<unknown>;
      consumer?: (event: unknown) => Promise<unknown>;
      publish?: (event: unknown) => Promise<unknown>;
      smsInbound?: (event: unknown) => Promise<unknown>;
    } = {};
    // One clock for every handler, the SES events and the journeys: real time plus an offset `POST /dev/clock` moves.
    const clock = new VirtualClock();
    // Handler modules hand their factories the process clock (functions/shared/clock.ts); locally it reads this one.
    useClock(clock);
    const sesEvents = await startSesEventsProxy({
      now: () => clock.now(),
      sesUrl,
      deliver: async (event) => late.sesEvents?.(event),
      region: localRegion,
      account: localAccount,
    });
    stops.push(() => sesEvents.close());
    // Known before the handlers load: the email functions write absolute links to the gateway into emails.
    // Held until the gateway listens, seconds from now (see reservePort).
    const gatewayReservation = options.port === 0 ? await reservePort() : undefined;
    if (gatewayReservation) stops.push(() => gatewayReservation.release());
    const gatewayPort = gatewayReservation?.port ?? options.port ?? 3000;

    // The CRM: a local HubSpot-compatible receiver, unless real CRM credentials are configured (functions/crm/config.ts).
    const crm: CrmReceiver | undefined = realCrmConfigured(settings) ? undefined : await startCrmReceiver();
    if (crm) stops.push(() => crm.close());
    // SQS, locally: the queue a queue-triggered function consumes, with its registry settings; it delivers to that
    // function's handler, loaded below. The SDK has one SQS endpoint per process, so one local queue.
    const [consumer, ...more] = functionsTriggeredBy('queue');
    if (!consumer || more.length > 0) throw new Error(`the local runtime runs exactly one queue; the registry has ${functionsTriggeredBy('queue').length}`);
    const queueTrigger = definitionOf(consumer).trigger;
    if (queueTrigger.kind !== 'queue') throw new Error(`${consumer} is not queue-triggered`);
    const queue = await startCrmQueue({
      worker: async (event) => (await late.consumer?.(event)) as never,
      maxReceives: queueTrigger.maxReceiveCount,
      retryDelayMs: settings.NURTURE_HANDOFF_RETRY_MS,
      region: localRegion,
      account: localAccount,
      ...(dataDir ? { deadLetterFile: join(dataDir, `${queueTrigger.queue}-dlq.jsonl`) } : {}),
      onDeadLetter: (entry) => crm?.addDeadLetter(entry),
    });
    stops.push(() => queue.close());

    // S3, locally: the import bucket; each object created in it goes to EventBridge's local stand-in (below).
    const s3 = await startLocalS3({
      port: options.s3Port ?? 0,
      bucket: LOCAL_IMPORT_BUCKET,
      dataDir: dataDir ? join(dataDir, 's3') : null,
      credentials: localCredentials,
      region: localRegion,
      account: localAccount,
      deliver: async (event) => late.publish?.(event),
    });
    stops.push(() => s3.close());

    // End User Messaging SMS, locally: texts are stored (the gateway's /dev/sms shows them as a phone would), their
    // delivery events go to the default bus, replies to the registry's SNS-triggered function, as two-way SMS sends them.
    const sms = await startSmsSink({
      port: options.smsPort ?? 0,
      region: localRegion,
      account: localAccount,
      now: () => clock.now(),
      deliver: async (event) => late.publish?.(event),
      inbound: async (event) => late.smsInbound?.(event),
    });
    stops.push(() => sms.close());

    // People's console sign-in: cognito-local, with the console's pool, client, role groups and local users.
    const identity = await startIdentityProvider({
      port: options.cognitoPort ?? settings.NURTURE_COGNITO_PORT,
      dataDir: dataDir ? join(dataDir, 'cognito') : null,
      password: options.consolePassword ?? settings.NURTURE_CONSOLE_PASSWORD,
      ...(options.identityEndpoint ? { endpoint: options.identityEndpoint } : {}),
    });
    stops.push(() => identity.stop());

    const timeScale = options.timeScale ?? settings.TIME_SCALE;
    const sfnReservation = options.stepFunctionsPort ? undefined : await reservePort();
    if (sfnReservation) stops.push(() => sfnReservation.release());
    const sfnPort = sfnReservation?.port ?? options.stepFunctionsPort!;

    // The process's own: where the real SDK clients of every handler find the local services, with dummy credentials.
    Object.assign(process.env, {
      AWS_REGION: localRegion,
      AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL_SFN: `http://127.0.0.1:${sfnPort}`,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoDbEndpoint,
      AWS_ENDPOINT_URL_DYNAMODB_STREAMS: dynamoDbEndpoint,
      AWS_ENDPOINT_URL_SESV2: sesEvents.url,
      AWS_ENDPOINT_URL_SQS: queue.endpoint,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      // The SDK's endpoint variable of End User Messaging SMS (service id "Pinpoint SMS Voice V2").
      AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: sms.url,
    });
    // Each function's own: the local values of the variables its registry bindings declare (lib/shared/bindings.ts),
    // secrets as values where AWS passes their ARN.
    const environments = localEnvironments(
      {
        TABLE_NAME: tableName,
        ADMIN_TOKEN: adminToken,
        JOURNEY_STATE_MACHINE_ARN_PREFIX: localJourneyArnPrefix,
        JOURNEY_SIGNING_SECRET: settings.NURTURE_JOURNEY_SIGNING_SECRET,
        // Email links point at the gateway.
        PUBLIC_BASE_URL: `http://127.0.0.1:${gatewayPort}`,
        EMAIL_SIGNING_KEYS: settings.NURTURE_EMAIL_SIGNING_KEYS,
        [variableNames([queueTrigger.queue], 'local')[0]!]: queue.queueUrl,
        TRACKING_WRITE_KEY: settings.NURTURE_WRITE_KEY,
        FORM_SIGNING_KEY: settings.NURTURE_FORM_SIGNING_KEY,
        SUPPRESSION_KEY: settings.NURTURE_SUPPRESSION_KEY,
        IMPORT_BUCKET: s3.bucket,
        BROADCAST_STATE_MACHINE_ARN: localBroadcastArn,
        BROADCAST_DEFAULT_RATE: String(settings.NURTURE_BROADCAST_RATE),
        // Locally as the dev environment of nurture.config.yaml: its retention and site origins.
        POWERTOOLS_METRICS_NAMESPACE: 'Nurture-local',
        IDEMPOTENCY_RETENTION_DAYS: String(devConfig.retention.idempotencyDays),
        RAW_EVENT_RETENTION_DAYS: String(devConfig.retention.rawEventsDays),
        FORM_ALLOWED_ORIGINS: devConfig.forms.allowedOrigins.join(','),
        // SMS as the dev environment configures it, sent from the sink's local number; no configuration set locally.
        SMS_ENABLED: 'true',
        SMS_ORIGINATION_IDENTITY: sms.localNumber,
        SMS_OPT_OUT_LIST: LOCAL_SMS_OPT_OUT_LIST,
        SMS_MESSAGE_TYPE: devConfig.sms.messageType,
        SMS_QUIET_HOURS: devConfig.sms.quietHours,
        SMS_HELP_TEXT: devConfig.sms.helpText,
        CONSOLE_TOKEN_ISSUER: identity.issuer,
        CONSOLE_JWKS_URI: identity.jwksUri,
        CONSOLE_CLIENT_ID: identity.clientId,
        TURNSTILE_SECRET: settings.TURNSTILE_SECRET,
        RECAPTCHA_SECRET: settings.RECAPTCHA_SECRET,
        TURNSTILE_VERIFY_URL: settings.TURNSTILE_VERIFY_URL,
        RECAPTCHA_VERIFY_URL: settings.RECAPTCHA_VERIFY_URL,
        ...Object.fromEntries(variableNames(['crmSecret'], 'local').map((name) => [name, settings[name as keyof typeof settings] as string | undefined])),
        // The local receiver stands in for HubSpot, GDPR delete included (an erase removes the record from /dev/crm).
        ...(crm ? { CRM_PROVIDER: 'hubspot', HUBSPOT_ACCESS_TOKEN: 'local-hubspot-token', HUBSPOT_BASE_URL: crm.url, HUBSPOT_GDPR_DELETE: settings.HUBSPOT_GDPR_DELETE ?? '1' } : {}),
      },
      // Outbound calls may reach loopback (the local CRM receiver, local webhook receivers).
      { NURTURE_LOCAL: '1', LOG_LEVEL: settings.LOG_LEVEL, JOURNEY_TIME_SCALE: String(timeScale) },
    );
    useEnvironments((key) => environments[key]);
    delete process.env.AWS_PROFILE;
    delete process.env.AWS_SESSION_TOKEN;

    const clientConfig = { endpoint: dynamoDbEndpoint, region: localRegion, credentials: localCredentials };
    const dynamoDb = new DynamoDBClient(clientConfig);
    const streams = new DynamoDBStreamsClient(clientConfig);
    stops.push(async () => {
      dynamoDb.destroy();
      streams.destroy();
    });
    await ensureTable(dynamoDb, tableName);
    await ensureLocalKey(dynamoDb, tableName, apiKey);
    // Every function runs in this process against this one table: one audit trail for all private routes.
    useAuditTrail(new DynamoAuditTrail(DynamoDBDocumentClient.from(dynamoDb), tableName));

    // Imported only now: handler modules read their environment and build SDK clients as they load.
    const handlers = await loadHandlers();
    const invoke = async (key: FunctionKey, event: unknown) => handlers[key](event, lambdaContextFor(key));
    // EventBridge rules, locally: each event goes to the function the registry subscribes to its source.
    const sesEventsKey = eventBridgeTarget('aws.ses');
    late.sesEvents = (event) => invoke(sesEventsKey, event);
    late.consumer = (event) => invoke(consumer, event);
    // SNS, locally: the inbound texts' topic delivers to the registry's function subscribed to it.
    const [smsInboundKey] = functionsTriggeredBy('sns');
    if (smsInboundKey) late.smsInbound = (event) => invoke(smsInboundKey, event);
    // The default bus: an event goes to every function whose registry pattern matches it (S3's Object Created).
    late.publish = async (event) => Promise.all(eventBridgeSubscribers(event).map((key) => invoke(key, event)));

    const statusChangeKey = eventBridgeTarget('aws.states');
    // Step Functions Task states, locally: every task-triggered function of the registry, by its key.
    const taskArns = taskFunctionArns((key) => `arn:aws:lambda:${localRegion}:${localAccount}:function:${key}`);
    await sfnReservation?.release();
    const stepFunctions = await startLocalStepFunctions({
      port: sfnPort,
      region: localRegion,
      account: localAccount,
      timeScale,
      now: () => clock.now().getTime(),
      // Executions under way when npm start stops run on when it starts again on the same data.
      ...(dataDir ? { stateDir: join(dataDir, 'stepfunctions') } : {}),
      stateMachines: new Map([
        ...[...(options.journeys ?? journeys).values()].map((journey) => [`${LOCAL_JOURNEY_PREFIX}${journey.id}`, substitute(compileJourney(journey), taskArns)] as const),
        [LOCAL_BROADCAST_MACHINE, withStepArn(broadcastStateMachine(), `arn:aws:lambda:${localRegion}:${localAccount}:function:broadcastStep`)],
      ]),
      invoke: (key, input) => invoke(key as FunctionKey, input),
      onStatusChange: async (event) => {
        // As the deployed rule's stateMachineArn prefix does: only journeys' ends reach journeyStatus.
        if (event.detail.stateMachineArn.startsWith(localJourneyArnPrefix)) await invoke(statusChangeKey, event);
      },
    });
    stops.push(() => stepFunctions.stop());

    // EventBridge Scheduler, locally: every scheduled function of the registry (the daily journey sweep, the hourly
    // double opt-in reminders) runs at start and then every minute. Each run is idempotent and does only what is due
    // by the day, so running more often than the schedule changes nothing but how soon a local change shows.
    const schedulerLog = createLogger('local-scheduler');
    const scheduled = functionsTriggeredBy('schedule').map((key) => {
      const run = () =>
        invoke(key, {}).catch((error: unknown) =>
          schedulerLog.error('scheduled run failed', { function: key, error }),
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

    // Where the console signs in and calls the API (`/console/config.json`).
    const consoleConfig: ConsoleConfig = {
      auth: { endpoint: `${identity.endpoint}/`, region: identity.region, userPoolId: identity.userPoolId, clientId: identity.clientId },
      apiBase: '',
      environment: 'local',
    };
    await gatewayReservation?.release();
    const gateway = await startGateway({
      port: gatewayPort,
      routes,
      handlers: handlers as Record<string, HttpLambda>,
      authorizer: handlers[theAuthorizer()] as AuthorizerLambda,
      pages: demoPages(join(root, 'local/public')),
      mounts: { '/console': (await import('./console')).consoleHandler(root, () => consoleConfig) },
      locals: {
        ...emailPreviewPages((await import('../functions/email/templates')).renderer),
        '/dev/sms': sms.handle,
        ...(crm ? { '/dev/crm': crm.handle, '/dev/crm/faults': crm.handle, '/dev/crm/deals': crm.handle } : {}),
        ...(await import('./dashboard')).dashboardPages(),
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
          await Promise.all([sesEvents.idle(), queue.idle(), sms.idle()]);
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
        const imports = await fetch(`${s3.endpoint}/${s3.bucket}?max-keys=0`).then(
          (r) => (r.ok ? 'ok' : 'unhealthy'),
          () => 'unreachable',
        );
        return { ok: dynamodb === 'ok' && email === 'ok' && imports === 'ok', dynamodb, email, imports };
      },
    });
    stops.push(() => gateway.close());

    if (dataDir) mkdirSync(dataDir, { recursive: true });
    for (const run of scheduled) void run();
    return { url: gateway.url, dynamoDbEndpoint, sesUrl, s3Endpoint: s3.endpoint, importBucket: s3.bucket, crmUrl: crm?.url, sms, tableName, adminToken, apiKey, identity: publicIdentity(identity), stepFunctions, invoke, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

type AnyHandler = (event: unknown, context: Context) => Promise<unknown>;

/** The identity provider as the runtime exposes it (its stop stays the runtime's). */
function publicIdentity({ stop: _stop, ...identity }: LocalIdentity & { stop(): Promise<void> }): LocalIdentity {
  return identity;
}

/** The registry's one authorizer function, which the gateway runs before every private route. */
function theAuthorizer(): FunctionKey {
  const keys = functionsTriggeredBy('authorizer');
  if (keys.length !== 1) throw new Error(`the registry must declare exactly one authorizer; found ${keys.length}`);
  return keys[0]!;
}

/**
 * Writes the local development key (scope `admin`), active and without expiry, so the key the banner prints works
 * after every start, even if it was revoked locally. Only its hash is stored, as for every key.
 */
async function ensureLocalKey(dynamoDb: DynamoDBClient, tableName: string, apiKey: string): Promise<void> {
  const parsed = parseApiKey(apiKey);
  if (!parsed) throw new Error('the local API key is not shaped like a key (nk_<16 lowercase letters or digits>_<32+ characters>)');
  await new DynamoApiKeys(DynamoDBDocumentClient.from(dynamoDb), tableName).put({
    keyId: parsed.keyId,
    name: 'local development (npm start)',
    scopes: ['admin'],
    secretHash: hashSecret(parsed.secret),
    createdAt: new Date().toISOString(),
    createdBy: 'local runtime',
  });
}

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

/**
 * The functions the registry subscribes to an EventBridge event: those whose rule pattern (source, detail-type,
 * detail) matches it. In AWS the deploying stack narrows some patterns further (its bucket, its configuration set);
 * locally there is one of each.
 */
function eventBridgeSubscribers(event: unknown): FunctionKey[] {
  return functionsTriggeredBy('eventbridge').filter((key) => {
    const { trigger } = definitionOf(key);
    return trigger.kind === 'eventbridge' && matchesFilter(event, trigger.pattern as FilterPattern);
  });
}

/** The ARN of each journey Task function: the registry's task-triggered functions, which must be exactly those. */
function taskFunctionArns(arnOf: (key: FunctionKey) => string): Record<JourneyTaskFunction, string> {
  const keys = functionsTriggeredBy('task');
  const missing = JOURNEY_TASK_FUNCTIONS.filter((fn) => !(keys as string[]).includes(fn));
  if (missing.length > 0) throw new Error(`journeys call ${missing.join(', ')}, which the registry does not trigger by task`);
  return Object.fromEntries(keys.map((key) => [key, arnOf(key)])) as Record<JourneyTaskFunction, string>;
}
