/**
 * The shape of one entry of the function registry (`lib/functions.ts`). Types only: the registry, the CDK
 * constructs, the local runtime, the bench and the infra tests all read entries of this shape.
 */
import type { RouteAccess } from './access-scopes';
import type { BindingKind } from './bindings';

/**
 * Who may call an HTTP route: anyone (`public`, the handler checks what it needs itself), or an API key holding
 * `scope` (`admin` implies every scope), checked by the API's Lambda authorizer (functions/access). `bootstrap`: the
 * admin token is accepted too (the keys routes only, to create the first key).
 */
export type RouteAuth = 'public' | RouteAccess;

export interface HttpRouteDefinition {
  /** `METHOD /path/{param}`, exactly as API Gateway HTTP API route keys are written. */
  readonly routeKey: string;
  readonly auth: RouteAuth;
  /** API Gateway throttling of this route, tighter than the stage's (public routes anyone can call). */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
}

/** A Lambda event-filtering pattern (the subset with exact strings and `prefix`). */
export type FilterPattern = { readonly [key: string]: FilterPattern | readonly (string | { readonly prefix: string })[] };

/** What invokes a function. */
export type Trigger =
  | { readonly kind: 'http'; readonly routes: readonly HttpRouteDefinition[] }
  /** The table's stream, through an event source mapping with this filter. */
  | { readonly kind: 'stream'; readonly filter: FilterPattern }
  /** A Task state of a journey state machine (`arn:aws:states:::lambda:invoke`). */
  | { readonly kind: 'task' }
  /** The HTTP API's Lambda authorizer, run before every private route (lib/api/api.construct.ts, local/gateway.ts). */
  | { readonly kind: 'authorizer' }
  /** An EventBridge rule on the default bus (`source`, `detail-type` and `detail` fields). */
  | {
      readonly kind: 'eventbridge';
      readonly pattern: Readonly<Record<string, unknown>>;
      readonly description: string;
      /** Retries of a failed invocation, within `maxEventAgeHours`. */
      readonly retryAttempts: number;
      readonly maxEventAgeHours: number;
    }
  /**
   * An SNS topic's subscription, by the topic's name among the stack's topics (`smsInbound`: the topic two-way SMS
   * publishes inbound texts to). SNS retries a failed asynchronous invocation; Lambda's own retries apply.
   */
  | { readonly kind: 'sns'; readonly topic: 'smsInbound'; readonly description: string }
  /** EventBridge Scheduler, with a schedule expression such as `cron(0 6 * * ? *)`. */
  | { readonly kind: 'schedule'; readonly expression: string; readonly description: string; readonly retryAttempts: number }
  | QueueTrigger;

/**
 * An SQS queue, consumed through an event source mapping with partial batch responses; the same settings drive the
 * deployed queue and the local one (`local/crm-queue.ts`). The consumer gets the queue binding's variables too, to
 * change a message's visibility (its backoff).
 */
export interface QueueTrigger {
  readonly kind: 'queue';
  /** The queue, by the binding that lets senders put messages on it. */
  readonly queue: 'handOffQueue';
  /** Messages per invocation. */
  readonly batchSize: number;
  /** Concurrent invocations at most (also spares the third party the consumer calls). */
  readonly maxConcurrency: number;
  /** Deliveries before a message is parked in the dead-letter queue (the consumer records the last failure). */
  readonly maxReceiveCount: number;
  /** Pause before a message the consumer failed and set no visibility on is delivered again. */
  readonly visibilityTimeoutSeconds: number;
  readonly retentionDays: number;
}

/** DynamoDB data-plane actions a function may be granted on the table, without the `dynamodb:` prefix. */
export type TableAction =
  | 'GetItem'
  | 'BatchGetItem'
  | 'Query'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'BatchWriteItem'
  | 'ConditionCheckItem'
  /** Only for a bounded read of every profile a person asked for (the segment preview): requests otherwise never scan. */
  | 'Scan';

/**
 * What a function needs, each granted and passed in its environment variables (named in `bindings.ts`) in one step
 * by NurtureFunction:
 * - `table`: exact actions on the table (`TABLE_NAME`), and on its indexes when `indexes` is set;
 * - `adminToken`: read the admin-token secret (`ADMIN_TOKEN_SECRET_ARN`), the bootstrap credential of the keys routes;
 * - `journeyExecutions`: start, stop or resume journey executions, or `migrate` them (read aliases, versions,
 *   executions and their histories) (`JOURNEY_STATE_MACHINE_ARN_PREFIX`).
 */
export interface Bindings {
  readonly table?: { readonly actions: readonly TableAction[]; readonly indexes?: readonly TableAction[] };
  readonly adminToken?: true;
  /**
   * Act on journey executions (`JOURNEY_STATE_MACHINE_ARN_PREFIX`): `start` (StartExecution), `stop`
   * (StopExecution), `resume` (SendTaskSuccess for waits).
   */
  readonly journeyExecutions?: readonly ('start' | 'stop' | 'resume' | 'migrate')[];
  /** Read the journey signing secret (`JOURNEY_SIGNING_SECRET_ARN`): signs webhook steps, verifies enrolment calls. */
  readonly journeySigningSecret?: true;
  /** Send email through SES as the sender identity, in Nurture's configuration set (`SES_CONFIGURATION_SET`). */
  readonly sendEmail?: true;
  /**
   * End User Messaging SMS (`SMS_*`): `send` is SendTextMessage from the origination identity in Nurture's
   * configuration set; `optOuts` reads (`read`: DescribeOptedOutNumbers) or also updates (`write`: Put/Delete
   * OptedOutNumber) Nurture's opt-out list.
   */
  readonly sms?: { readonly send: boolean; readonly optOuts: 'read' | 'write' };
  /** Read the email link-signing keys (`EMAIL_SIGNING_KEYS_SECRET_ARN`). */
  readonly emailSigningKeys?: true;
  /** Read the CRM settings secret (`CRM_SECRET_ARN`): provider, credentials, webhook secrets. */
  readonly crmSecret?: true;
  /** Send messages to the CRM hand-off queue (`HANDOFF_QUEUE_URL`). */
  readonly handOffQueue?: true;
  /** Read the forms secret (HMAC signing key, captcha secret keys) (`FORM_SECRETS_ARN`). */
  readonly formSecrets?: true;
  /** Read the tracking API's write key (`WRITE_KEY_SECRET_ARN`). */
  readonly writeKey?: true;
  /** The HTTP API's public base URL (`PUBLIC_BASE_URL`), written into email links. */
  readonly publicBaseUrl?: true;
  /** Read the suppression list's HMAC key (`SUPPRESSION_KEY_SECRET_ARN`): hashes erased people's addresses. */
  readonly suppressionKey?: true;
  /**
   * The import bucket (`IMPORT_BUCKET`): GetObject on the keys under `read`, PutObject on the keys under `write`,
   * nothing else (no listing, no deleting).
   */
  readonly importBucket?: { readonly read: string; readonly write: string };
  /** Start and stop executions of the broadcast state machine (`BROADCAST_STATE_MACHINE_ARN`, `BROADCAST_DEFAULT_RATE`). */
  readonly broadcastExecutions?: true;
  /** Write EMF business metrics to the stack's namespace (`POWERTOOLS_METRICS_NAMESPACE`). */
  readonly metrics?: true;
  /** The environment's TTL retention periods (`IDEMPOTENCY_RETENTION_DAYS`, `RAW_EVENT_RETENTION_DAYS`). */
  readonly retention?: true;
  /** The environment's extra allowed form origins (`FORM_ALLOWED_ORIGINS`). */
  readonly formOrigins?: true;
  /** Verify people's console tokens (`CONSOLE_TOKEN_ISSUER`, `CONSOLE_JWKS_URI`, `CONSOLE_CLIENT_ID`); no IAM needed. */
  readonly consoleSignIn?: true;
}

/** Every binding an entry may declare names its variables in `bindings.ts`; this fails to compile otherwise. */
export type BindingsNameTheirVariables = AssertTrue<keyof Bindings extends BindingKind ? (BindingKind extends keyof Bindings ? true : false) : false>;
type AssertTrue<T extends true> = T;

export interface FunctionDefinition {
  /** The handler module, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly trigger: Trigger;
  readonly bindings: Bindings;
  /** @default 10 */
  readonly timeoutSeconds?: number;
  /** @default 256 */
  readonly memoryMb?: number;
  /**
   * Bundle the AWS SDK into the function (minified, tree-shaken) instead of loading the runtime's copy from disk:
   * faster module init for hot, latency-sensitive functions (see docs/benchmarks.md). @default false
   */
  readonly bundleAwsSdk?: boolean;
  /** Files copied next to the bundle (paths relative to the repository root), read by the code at run time. */
  readonly bundleFiles?: readonly { readonly from: string; readonly to: string }[];
}
