import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseContact, parseEvent } from '../../functions/contacts/dynamo-contacts';
import { disposableDomains } from '../../functions/forms/disposable-domains';
import { DynamoIntake } from '../../functions/forms/dynamo-intake';
import { forms } from '../../functions/forms/forms';
import { Signer } from '../../functions/forms/signing';
import { makeSubmitFormHandler } from '../../functions/forms/submit-form';
import { systemClock } from '../../functions/shared/ids';
import { TimelineEvent } from '../../functions/shared/timeline';
import { DynamoTracking } from '../../functions/tracking/dynamo-tracking';
import { makeTrackHandler } from '../../functions/tracking/track';
import { routes } from '../../lib/functions';
import { startGateway, type Gateway, type HttpLambda } from '../../local/gateway';
import { memoryLogger } from '../support/http';
import { createTestTable, type TestTable } from '../support/table';
import { batchBody, formBody, fuzzRuns, fuzzSeed, randomSeed } from './arbitraries';

/**
 * Random and hostile bodies at the form endpoint and the batch endpoint, through the local gateway (real HTTP
 * parsing, payload-v2 events, the real handlers on DynamoDB Local): only 2xx and 4xx answers, and everything stored
 * parses with the schemas readers use.
 */
const FORM_RUNS = fuzzRuns(2_000, 0.25);
const BATCH_RUNS = fuzzRuns(1_000, 0.25);
fc.configureGlobal({ seed: fuzzSeed });
// fast-check names the seed of a failing property; a random seed is also printed here, so a failure of the checks
// after the properties (what was stored, how many posts reached the store) can be replayed with FUZZ_SEED too.
if (randomSeed) console.log(`capture-fuzz: FUZZ_SEED=${fuzzSeed}`);

let table: TestTable;
let gateway: Gateway;
const WRITE_KEY = 'fuzz-write-key';

beforeAll(async () => {
  table = await createTestTable();
  const logger = memoryLogger();
  const tracking = new DynamoTracking(table.documentClient, table.tableName);
  const handlers: Record<string, HttpLambda> = {
    submitForm: makeSubmitFormHandler({
      forms,
      intake: new DynamoIntake(table.documentClient, table.tableName),
      clock: systemClock,
      logger,
      signer: new Signer(async () => 'fuzz-signing-key-0123456789'),
      captcha: { verify: async () => true },
      isDisposable: disposableDomains(),
      publicUrl: 'http://127.0.0.1',
      mergeAnonymous: (id) => tracking.mergeAnonymous(id).then(() => undefined),
    }) as HttpLambda,
    track: makeTrackHandler({ tracking, writeKey: async () => WRITE_KEY, clock: systemClock, logger, isDisposable: disposableDomains() }) as HttpLambda,
  };
  gateway = await startGateway({
    port: 0,
    routes: routes.filter((route) => route.function in handlers),
    handlers,
    health: async () => ({ ok: true }),
  });
}, 60_000);

afterAll(() => gateway?.close());

async function post(path: string, type: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${gateway.url}${path}`, {
    method: 'POST',
    // A browser post is answered 303 to the thank-you page of the configured public URL: the status is the answer.
    redirect: 'manual',
    headers: { ...(type ? { 'content-type': type } : {}), ...headers },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

/** Everything stored is something readers can parse: profiles, events (timeline and pending), claims. */
async function expectNothingMalformed() {
  for (const item of await table.scan()) {
    const [pk, sk] = [String(item.PK), String(item.SK)];
    if (sk === 'PROFILE') {
      const contact = parseContact(item);
      // eslint-disable-next-line no-control-regex
      for (const v of Object.values(contact.attributes)) if (typeof v === 'string') expect(v).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u202a-\u202e]/);
    } else if (sk.startsWith('EVENT#')) {
      parseEvent(item);
    } else if (sk.startsWith('AEVENT#')) {
      expect(TimelineEvent.safeParse({ ...item, contactId: 'pending' }).success).toBe(true);
    } else if (sk === 'EMAIL') {
      expect(typeof item.contactId).toBe('string');
      expect(pk).toMatch(/^EMAIL#[^\s@]{1,64}@[a-z0-9.-]+$/);
    } else {
      expect(pk).toMatch(/^(IDEM#|ANON#|USER#|METRIC#)/);
    }
  }
}

describe('fuzzing through the local gateway', () => {
  it('answers 2xx or 4xx to random and hostile form posts, and stores nothing malformed', { timeout: 300_000 }, async () => {
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(formBody, fc.boolean(), async ({ type, body }, browser) => {
        const status = await post('/forms/demo-request', type, body, browser ? { accept: 'text/html' } : {});
        seen.set(status, (seen.get(status) ?? 0) + 1);
        expect(status).toBeGreaterThanOrEqual(200);
        expect(status).toBeLessThan(500);
      }),
      { numRuns: FORM_RUNS },
    );
    await expectNothingMalformed();
    // The generators reach the store, not only the validators: at least 1% of posts stored, 5% refused.
    expect(seen.get(201) ?? 0).toBeGreaterThan(FORM_RUNS / 100);
    expect(seen.get(422) ?? 0).toBeGreaterThan(FORM_RUNS / 20);
  });

  it('answers 2xx or 4xx to random batches, and stores nothing malformed', { timeout: 300_000 }, async () => {
    const auth = { authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` };
    await fc.assert(
      fc.asyncProperty(batchBody, async (body) => {
        const status = await post('/v1/batch', 'application/json', body, auth);
        expect(status).toBeGreaterThanOrEqual(200);
        expect(status).toBeLessThan(500);
      }),
      { numRuns: BATCH_RUNS },
    );
    await expectNothingMalformed();
    const items = await table.scan();
    expect(items.filter((item) => String(item.SK).startsWith('AEVENT#')).length).toBeGreaterThan(BATCH_RUNS / 50);
  });
});
