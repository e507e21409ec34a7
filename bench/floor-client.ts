/**
 * Child script: the floor. On each run, issues the same DynamoDB work a form post does —
 * `DynamoIntake.record`, one consistent GetItem on the email claim then one TransactWriteItems —
 * straight from the SDK, without HTTP, middy or validation, at the same concurrency and for the same time as the
 * gateway run it is compared with.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoIntake } from '../functions/forms/dynamo-intake';
import type { FormSubmittedData } from '../functions/forms/events';
import { localCredentials, localRegion } from '../local/dynamodb-local';
import { serveRuns } from './child';
import { FORM_ID, FloorPlan, cpuMsSince, emailFor, formFields, warmupOf, type LoadRun, type Workload } from './workload';

/** One client for the life of the process, built on the first run: warm connections, as in the handler. */
let floorContacts: DynamoIntake | undefined;

serveRuns(FloorPlan, async ({ endpoint, tableName, connections, seconds, warmupSeconds, workload }): Promise<LoadRun> => {
  floorContacts ??= contactsAt(endpoint, tableName);
  if (warmupSeconds > 0) await record(floorContacts, connections, warmupSeconds, warmupOf(workload));
  return record(floorContacts, connections, seconds, workload);
});

/** Configured like functions/shared/aws.ts, pointed at the runtime's DynamoDB Local. */
function contactsAt(endpoint: string, tableName: string): DynamoIntake {
  const client = new DynamoDBClient({ endpoint, region: localRegion, credentials: localCredentials, maxAttempts: 4 });
  const db = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return new DynamoIntake(db, tableName);
}

/** `connections` workers, each recording one submission after another until the time is up. */
async function record(contacts: DynamoIntake, connections: number, seconds: number, workload: Workload): Promise<LoadRun> {
  let next = 0;
  const latencies: number[] = [];
  const outcomes: Record<string, number> = {};
  let failed = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + seconds * 1_000;

  const worker = async () => {
    while (performance.now() < deadline) {
      const i = next++;
      // What the handler passes for a JSON post from 127.0.0.1 once validation is done.
      const data: FormSubmittedData = { formId: FORM_ID, fields: formFields(workload, i), utm: {}, ip: '127.0.0.1' };
      const begun = performance.now();
      try {
        const recorded = await contacts.record({ email: emailFor(workload, i), emailRole: false, data }, new Date());
        latencies.push(performance.now() - begun);
        const outcome = recorded.created ? 'created' : 'updated';
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      } catch (error) {
        const name = error instanceof Error ? error.name : 'unknown';
        outcomes[name] = (outcomes[name] ?? 0) + 1;
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed = (performance.now() - started) / 1_000;
  return { latencies, failed, seconds: elapsed, cpuMs: cpuMsSince(cpu), outcomes };
}
