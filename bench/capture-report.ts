import type { BatchPoint } from './workload';

/** Goals of the capture capability's rows (see the issue "Capture"). */
export const captureGoals = {
  /** Events per second through `/v1/batch`, as a share of the floor's. */
  minBatchThroughputRatio: 0.7,
  /** DynamoDB calls per batch of 100 known users' events: one read of the links, four BatchWriteItems. */
  maxCallsPerBatch: 5,
  /** `embed.js`, gzipped. */
  maxEmbedGzipBytes: 5 * 1024,
} as const;

export interface CaptureResults {
  readonly batches: readonly BatchPoint[];
  readonly embedGzipBytes: number;
}

interface Verdict {
  readonly goal: string;
  readonly met: boolean;
}

/** The "Tracking API and embed snippet" section: lines of Markdown and the verdicts they carry. */
export function captureSection(results: CaptureResults): { lines: string[]; verdicts: Verdict[] } {
  const verdicts: Verdict[] = [];
  const rows = results.batches.map((point) => {
    const perBatch = Object.values(point.calls.postCalls).reduce((sum, n) => sum + n, 0) / point.calls.posts;
    const floorEvents = point.floor.perSecond * point.eventsPerBatch;
    const gatewayEvents = point.gateway.perSecond * point.eventsPerBatch;
    const ratio = gatewayEvents / floorEvents;
    const ratioMet = ratio >= captureGoals.minBatchThroughputRatio;
    const callsMet = perBatch <= captureGoals.maxCallsPerBatch;
    verdicts.push(
      {
        goal: `/v1/batch, c=${point.connections}: ${ratio.toFixed(2)}× the floor's events/s (goal ≥ ${captureGoals.minBatchThroughputRatio}×)`,
        met: ratioMet,
      },
      {
        goal: `/v1/batch, c=${point.connections}: ${perBatch.toFixed(2)} DynamoDB calls per batch of ${point.eventsPerBatch} (goal ≤ ${captureGoals.maxCallsPerBatch})`,
        met: callsMet,
      },
    );
    return [
      String(point.connections),
      floorEvents.toFixed(0),
      gatewayEvents.toFixed(0),
      `${ratio.toFixed(2)}× ${mark(ratioMet)}`,
      `${point.floor.p50.toFixed(1)} / ${point.floor.p99.toFixed(1)}`,
      `${point.gateway.p50.toFixed(1)} / ${point.gateway.p99.toFixed(1)}`,
      String(point.gateway.failed),
      `${perBatch.toFixed(2)} ${mark(callsMet)}`,
      Object.entries(point.calls.postCalls)
        .map(([operation, n]) => `${operation} ${(n / point.calls.posts).toFixed(2)}`)
        .join(', '),
      point.gatewayProcess.cpuMsPerPost.toFixed(1),
    ];
  });
  const embedMet = results.embedGzipBytes <= captureGoals.maxEmbedGzipBytes;
  verdicts.push({
    goal: `embed.js is ${(results.embedGzipBytes / 1024).toFixed(2)} KB gzipped (goal < ${captureGoals.maxEmbedGzipBytes / 1024} KB)`,
    met: embedMet,
  });
  const header = [
    'c',
    'floor events/s',
    'gateway events/s',
    `vs floor (≥ ${captureGoals.minBatchThroughputRatio}×)`,
    'floor p50 / p99 ms per batch',
    'gateway p50 / p99 ms per batch',
    'non-2xx',
    `DynamoDB calls/batch (≤ ${captureGoals.maxCallsPerBatch})`,
    'by operation',
    'gateway process CPU ms/batch',
  ];
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  const lines = [
    `Batches of ${results.batches[0]?.eventsPerBatch ?? 100} \`track\` events for identified users, posted as a Segment SDK`,
    'does (Basic auth, JSON); the floor stores the same batches with `DynamoTracking.store` straight from the SDK',
    '(one BatchGetItem of the user links, one BatchWriteItem per 25 events).',
    '',
    line(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map(line),
    '',
    `\`GET /embed.js\`: ${results.embedGzipBytes} bytes gzipped ${mark(embedMet)}.`,
  ];
  return { lines, verdicts };
}

const mark = (met: boolean) => (met ? 'PASS' : '**MISS**');
