/**
 * Segment membership latency (part of `npm run bench`; alone: `npx tsx bench/segment-membership.ts`,
 * `BENCH_SEGMENT_CONTACTS=50` for a smaller run): from a tracked event's `POST /v1/track` to its `segment.entered`
 * event committed on the contact's timeline, through the local runtime (gateway, stream poller, reactor), against
 * the plain reaction to a tracked event no segment counts, measured on the same contacts in the same run. The
 * runtime runs in a child process (one runtime per process: bench/segment-membership-child.ts).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as z from 'zod';
import { repoRoot, runChild } from './child';
import { percentile } from './workload';

export const membershipGoals = { maxP99Ratio: 1.5, maxP99Ms: 3_000 } as const;

export const MembershipPlan = z.object({
  contacts: z.int().min(1),
  /** Contacts measured first and left out, while the JIT and the connections warm. */
  warmup: z.int().min(0),
  timeoutMs: z.int().min(1),
});
export type MembershipPlan = z.infer<typeof MembershipPlan>;

export const MembershipResult = z.object({
  contacts: z.int(),
  segment: z.string(),
  /** Post → the plain event's processed marker, ms, one per contact. */
  plainMs: z.array(z.number()),
  /** Post → the transaction appending `segment.entered`, ms, one per contact. */
  enteredMs: z.array(z.number()),
  /** `segment.entered` items read back from the table at the end (should be one per contact). */
  found: z.int(),
});
export type MembershipResult = z.infer<typeof MembershipResult>;

export async function benchSegmentMembership(
  say: (line: string) => void = () => undefined,
  contacts = Number(process.env.BENCH_SEGMENT_CONTACTS ?? 200),
): Promise<MembershipResult> {
  return runChild('bench/segment-membership-child.ts', { contacts, warmup: 5, timeoutMs: 60_000 } satisfies MembershipPlan, MembershipResult, {
    logFile: join(repoRoot, '.bench', 'segment-membership.log'),
    onProgress: say,
  });
}

/** The report's section, Markdown, with a verdict per goal. */
export function segmentMembershipSection(result: MembershipResult): { markdown: string; verdicts: { goal: string; met: boolean }[] } {
  const verdicts: { goal: string; met: boolean }[] = [];
  const verdict = (goal: string, met: boolean) => {
    verdicts.push({ goal, met });
    return met ? 'met' : '**MISS**';
  };
  const sorted = (values: readonly number[]) => [...values].sort((a, b) => a - b);
  const entered = sorted(result.enteredMs);
  const plain = sorted(result.plainMs);
  const [p50, p99, plainP50, plainP99] = [percentile(entered, 50), percentile(entered, 99), percentile(plain, 50), percentile(plain, 99)];
  const ratio = p99 / plainP99;
  const allThere = result.found === result.contacts;
  const lines = [
    '## Segments: membership latency',
    '',
    '| measure | value | goal |',
    '| --- | ---: | --- |',
    `| \`POST /v1/track\` → \`segment.entered\` (${result.segment}) on the timeline, p50 / p99 ms (${result.contacts} contacts) | ${p50.toFixed(0)} / ${p99.toFixed(0)} | p99 ≤ ${membershipGoals.maxP99Ms} ms: ${verdict(`segment entry p99 ${p99.toFixed(0)} ms (goal ≤ ${membershipGoals.maxP99Ms} ms locally)`, p99 <= membershipGoals.maxP99Ms)} |`,
    `| the plain reaction: \`POST /v1/track\` of an event no segment counts → its processed marker, p50 / p99 ms | ${plainP50.toFixed(0)} / ${plainP99.toFixed(0)} | — |`,
    `| segment entry p99 vs the plain reaction's p99 | ${ratio.toFixed(2)}× | ≤ ${membershipGoals.maxP99Ratio}×: ${verdict(`segment entry p99 ${ratio.toFixed(2)}× the plain reaction's (goal ≤ ${membershipGoals.maxP99Ratio}×)`, ratio <= membershipGoals.maxP99Ratio)} |`,
    `| \`segment.entered\` events read back from the table | ${result.found} of ${result.contacts} | all: ${verdict(`segment.entered on the timeline for ${result.found} of ${result.contacts} contacts`, allThere)} |`,
    '',
    'Through the local runtime: each contact, identified through the gateway beforehand, gets a `docs_viewed` event ' +
      `no segment counts, then \`webinar_attended\` of the Q4 product tour, which enters it in \`${result.segment}\`, ` +
      'each posted with the write key and timed from the post to the reactor\'s transaction committing (seen by the ' +
      'handlers\' own DynamoDB client: the processed marker, and with it `segment.entered`, which is in that same ' +
      'transaction). The stream is drained between contacts, unmeasured. Most of both latencies is the local stream ' +
      'poller\'s idle interval (100 ms) and DynamoDB Local; the ratio is what segments add to a reaction, the absolute ' +
      'p99 goal what a person waiting for a segment to fill sees locally.',
    '',
  ];
  return { markdown: lines.join('\n'), verdicts };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const result = await benchSegmentMembership((line) => console.error(`[segments] ${line}`));
  console.log(segmentMembershipSection(result).markdown);
  process.exit(0);
}
