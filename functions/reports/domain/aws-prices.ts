/**
 * AWS list prices (us-east-1, on-demand, no free tier) the cost estimates use, dated: prices change, so an
 * estimate says which prices it used. Sources: the public pricing pages of each service
 * (aws.amazon.com/ses/pricing, /lambda/pricing, /dynamodb/pricing/on-demand, /step-functions/pricing,
 * /api-gateway/pricing). DynamoDB's are the on-demand prices after the November 2024 cut.
 */
export const awsPrices = {
  pricedOn: '2026-12-06',
  region: 'us-east-1',
  /** SES outbound email, per 1,000 emails (attachments and dedicated IPs not used). */
  sesPer1000Emails: 0.1,
  /** Lambda requests, per request ($0.20 per million). */
  lambdaPerRequest: 0.0000002,
  /** Lambda compute on arm64 (Graviton, what every Nurture function runs on), per GB-second. */
  lambdaPerGbSecondArm: 0.0000133334,
  /** DynamoDB on-demand, per million write request units. */
  dynamoPerMillionWrites: 0.625,
  /** DynamoDB on-demand, per million read request units. */
  dynamoPerMillionReads: 0.125,
  /** Step Functions Standard workflows, per 1,000 state transitions. */
  stepFunctionsPer1000Transitions: 0.025,
  /** API Gateway HTTP APIs, per million requests (the first 300 million a month). */
  httpApiPerMillionRequests: 1.0,
} as const;

export type AwsPrices = typeof awsPrices;

/** What one event of a kind uses, as the estimate assumes it (see {@link usagePerEvent}). */
export interface EventUsage {
  readonly emails: number;
  readonly lambdaInvocations: number;
  /** Average duration of each of those invocations, in seconds, at {@link LAMBDA_MEMORY_GB}. */
  readonly lambdaSeconds: number;
  readonly dynamoWrites: number;
  readonly dynamoReads: number;
  readonly stateTransitions: number;
  readonly apiRequests: number;
}

/** Most functions run with 256 MB (lib/functions.ts; a few with more, rarely invoked). */
export const LAMBDA_MEMORY_GB = 0.25;

/**
 * Usage per counted event, rounded up from what each path does (lib/functions.ts describes the calls): every event
 * lands on the timeline and runs the reactor once more, whose transaction writes 2 WRU per item (transactions cost
 * double). Not counted: storage, CloudWatch logs and metrics, Secrets Manager, KMS, data transfer, and the free tier.
 */
export const usagePerEvent = {
  /** A new lead: the form post (API request, submitForm), its reactor run (scoring, reports, journeys). */
  newLead: { emails: 0, lambdaInvocations: 2, lambdaSeconds: 0.15, dynamoWrites: 14, dynamoReads: 6, stateTransitions: 0, apiRequests: 1 },
  /**
   * A journey entry: the execution's start and end, the journey-status function, the reactor's start decision.
   * Its emails and waits are counted per email.
   */
  journeyEntry: { emails: 0, lambdaInvocations: 2, lambdaSeconds: 0.1, dynamoWrites: 8, dynamoReads: 4, stateTransitions: 4, apiRequests: 0 },
  /** An email sent: the send step (claim, record), the reactor on email.sent, and the step's Task, Choice and Wait. */
  emailSent: { emails: 1, lambdaInvocations: 2, lambdaSeconds: 0.2, dynamoWrites: 14, dynamoReads: 6, stateTransitions: 4, apiRequests: 0 },
  /** An SES event (delivery, bounce, complaint): the ses-events function and the reactor. */
  sesEvent: { emails: 0, lambdaInvocations: 2, lambdaSeconds: 0.1, dynamoWrites: 6, dynamoReads: 3, stateTransitions: 0, apiRequests: 0 },
  /** An open or click: the tracking route (an API request), its function and the reactor. */
  engagement: { emails: 0, lambdaInvocations: 2, lambdaSeconds: 0.1, dynamoWrites: 6, dynamoReads: 3, stateTransitions: 0, apiRequests: 1 },
} as const satisfies Record<string, EventUsage>;

export type UsageKind = keyof typeof usagePerEvent;

/** The estimated cost in USD of one event of a kind, at the given prices. */
export function costPerEvent(usage: EventUsage, prices: AwsPrices = awsPrices): number {
  return (
    (usage.emails * prices.sesPer1000Emails) / 1_000 +
    usage.lambdaInvocations * (prices.lambdaPerRequest + usage.lambdaSeconds * LAMBDA_MEMORY_GB * prices.lambdaPerGbSecondArm) +
    (usage.dynamoWrites * prices.dynamoPerMillionWrites) / 1_000_000 +
    (usage.dynamoReads * prices.dynamoPerMillionReads) / 1_000_000 +
    (usage.stateTransitions * prices.stepFunctionsPer1000Transitions) / 1_000 +
    (usage.apiRequests * prices.httpApiPerMillionRequests) / 1_000_000
  );
}

/** The estimated cost in USD of counted events, by kind. */
export function estimateCost(counts: Readonly<Partial<Record<UsageKind, number>>>, prices: AwsPrices = awsPrices): number {
  let total = 0;
  for (const kind of Object.keys(usagePerEvent) as UsageKind[]) total += (counts[kind] ?? 0) * costPerEvent(usagePerEvent[kind], prices);
  return total;
}

/** SES's price of sending `emails` emails, in USD. */
export const sesCost = (emails: number, prices: AwsPrices = awsPrices): number => (emails * prices.sesPer1000Emails) / 1_000;
