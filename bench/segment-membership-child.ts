/**
 * Child script: segment membership latency through the local runtime. Identifies contacts through the gateway, then
 * for each posts two tracked events with `POST /v1/track` — one no segment counts, one that makes the contact enter
 * `webinar-attendees` — and times each from the post to the reactor's committed transaction: the plain event's
 * processed marker, and the one that appends `segment.entered`. The signal is the handlers' own DynamoDB client
 * seeing that transaction succeed (the reactor shares the process here), so nothing polls the table.
 */
import type { TransactWriteItemsCommandInput } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { EventName } from '../functions/shared/events';
import { keys } from '../functions/shared/keys';
import { eventIdFor } from '../functions/tracking/event-ids';
import { startRuntime, type Runtime } from '../local/runtime';
import { progress, serveRuns } from './child';
import { MembershipPlan, type MembershipResult } from './segment-membership';

const WRITE_KEY = 'bench-write-key';
export const MEMBERSHIP_SEGMENT = 'webinar-attendees';
let running: Runtime | undefined;

serveRuns(MembershipPlan, measureMembership, async () => {
  await running?.stop();
});

/** A reactor transaction seen committed: when, and the segments it entered the contact in. */
interface Committed {
  readonly at: number;
  readonly entered: readonly string[];
  readonly contactKey: string;
}

async function measureMembership(plan: MembershipPlan): Promise<MembershipResult> {
  process.env.NURTURE_WRITE_KEY = WRITE_KEY;
  const runtime = await startRuntime({ port: 0, dynamoDbPort: 0, sesPort: 0, cognitoPort: 0, dataDir: null });
  running = runtime;
  // The module instance the runtime's handlers were loaded with (same URL, so the same client).
  const { dynamoDb, documentClient } = await import('../functions/shared/aws');
  const committed = new Map<string, Committed>();
  const waiting = new Map<string, (seen: Committed) => void>();
  dynamoDb.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'TransactWriteItemsCommand') {
        const items = (args.input as TransactWriteItemsCommandInput).TransactItems ?? [];
        const marker = items[0]?.Update;
        if (marker?.UpdateExpression?.startsWith('SET processedAt') && marker.Key?.SK?.S) {
          const seen: Committed = {
            at: performance.now(),
            contactKey: marker.Key.PK?.S ?? '',
            entered: items.flatMap((item) => (item.Put?.Item?.type?.S === EventName.SegmentEntered ? [item.Put.Item.data?.M?.segmentId?.S ?? ''] : [])),
          };
          const eventId = marker.Key.SK.S.slice('EVENT#'.length);
          committed.set(eventId, seen);
          waiting.get(eventId)?.(seen);
        }
      }
      return result;
    },
    // After the document client's marshalling, once per command (retries are below it): the committed items.
    { step: 'build', name: 'benchSegmentSignal' },
  );
  const auth = { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` };
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${runtime.url}${path}`, { method: 'POST', headers: auth, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`POST ${path} answered ${response.status}`);
  };
  const idle = async () => {
    const response = await fetch(`${runtime.url}/dev/idle`);
    if (!response.ok) throw new Error('the local runtime did not drain its stream within a minute');
  };
  /** Posts one tracked event and waits for the reactor's transaction that marks it processed. */
  const track = async (userId: string, n: number, event: string, properties: Record<string, unknown>) => {
    const timestamp = new Date().toISOString();
    const messageId = `${userId}-${n}`;
    const eventId = eventIdFor(messageId, Date.parse(timestamp));
    const seen = new Promise<Committed>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reaction to a tracked event within ${plan.timeoutMs} ms`)), plan.timeoutMs);
      waiting.set(eventId, (value) => {
        clearTimeout(timer);
        resolve(value);
      });
    });
    const started = performance.now();
    await post('/v1/track', { userId, event, properties, messageId, timestamp });
    const reaction = await seen;
    waiting.delete(eventId);
    return { ms: reaction.at - started, reaction, eventId };
  };

  try {
    const users = Array.from({ length: plan.warmup + plan.contacts }, (_, i) => `bench-seg-${i}`);
    for (const userId of users) await post('/v1/identify', { userId, traits: { email: `${userId}@bench.example.com` } });
    await idle();
    progress(`segments: identified ${users.length} contacts through the gateway`);
    const plain: number[] = [];
    const entered: number[] = [];
    const checks: { PK: string; SK: string }[] = [];
    for (const [i, userId] of users.entries()) {
      // Alternating on each contact, so the machine's drift falls on both alike.
      const first = await track(userId, 1, 'docs_viewed', { page: 'setup' });
      if (first.reaction.entered.length) throw new Error('the plain event entered a segment');
      const second = await track(userId, 2, 'webinar_attended', { webinar: 'q4-product-tour' });
      if (!second.reaction.entered.includes(MEMBERSHIP_SEGMENT)) throw new Error(`the webinar did not enter ${MEMBERSHIP_SEGMENT}`);
      // What the reactions set off (score changes, the entered event's own counting) is let through before the
      // next contact, unmeasured, so each post meets an idle stream.
      await idle();
      if (i < plan.warmup) continue;
      plain.push(first.ms);
      entered.push(second.ms);
      const contactId = second.reaction.contactKey.slice('CONTACT#'.length);
      checks.push(keys.event(contactId, `${second.eventId}.segment-entered.${MEMBERSHIP_SEGMENT}`));
      if ((i + 1) % 50 === 0) progress(`segments: ${i + 1 - plan.warmup} of ${plan.contacts} contacts`);
    }
    // The signal is the transaction's success; the table is read once at the end to confirm every entry is there.
    let found = 0;
    for (let i = 0; i < checks.length; i += 100) {
      const { Responses } = await documentClient.send(new BatchGetCommand({ RequestItems: { [runtime.tableName]: { Keys: checks.slice(i, i + 100), ConsistentRead: true } } }));
      found += Responses?.[runtime.tableName]?.length ?? 0;
    }
    return { contacts: plan.contacts, segment: MEMBERSHIP_SEGMENT, plainMs: plain, enteredMs: entered, found };
  } finally {
    running = undefined;
    await runtime.stop();
  }
}
