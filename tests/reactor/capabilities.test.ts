import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';
import { capabilities, registered } from '../../functions/capabilities';
import { DynamoContacts } from '../../functions/contacts/dynamo-contacts';
import { compose, DecisionClaimedTwice, WriteConflict, type Capability } from '../../functions/reactor/capability';
import { DynamoReactorStore } from '../../functions/reactor/dynamo-reactor-store';
import { makeReactor, type ReactorDeps } from '../../functions/reactor/reactor';
import { matchesFilter } from '../../functions/reactor/stream-filter';
import { eventGroups } from '../../functions/shared/event-groups';
import { EventName } from '../../functions/shared/events';
import { keys } from '../../functions/shared/keys';
import { TimelineEvent } from '../../functions/shared/timeline';
import { memoryLogger } from '../support/http';
import { readStream } from '../support/stream';
import { createTestTable, type TestTable } from '../support/table';

describe('the registered capabilities', () => {
  it('own each decision type exactly once, as a write or as a call', () => {
    const claims = capabilities.flatMap((capability) => [
      ...Object.keys(capability.writes).map((type) => ({ type, kind: 'write' })),
      ...Object.keys(capability.calls).map((type) => ({ type, kind: 'call' })),
    ]);

    expect(new Set(claims.map((claim) => claim.type)).size).toBe(claims.length);
    expect(Object.fromEntries([...registered.owners].map(([type, owner]) => [type, owner.kind]))).toEqual({
      CountMetric: 'write',
      SaveReportState: 'write',
      UpdateLifecycle: 'write',
      RecordMembership: 'write',
      DeleteWait: 'write',
      IndexDate: 'write',
      AppendEvent: 'write',
      IndexContact: 'write',
      SaveSegmentState: 'write',
      StartJourney: 'call',
      StopJourney: 'call',
      ResumeJourney: 'call',
      SendEmail: 'call',
      HandOff: 'call',
      CountExperiment: 'write',
      SaveExposure: 'write',
      UpdateSmsConsent: 'write',
    });
  });

  it('compose the timeline and EventName from exactly their own event groups, each type once', () => {
    // Prepare
    const typeOf = (schema: unknown) => (schema as { shape: { type: { value: string } } }).shape.type.value;

    // Act
    const fromCapabilities = capabilities.flatMap((capability) => capability.events.map(typeOf));
    const fromGroups = eventGroups.flatMap((group) => group.schemas.map(typeOf));

    // Assess
    expect([...fromCapabilities].sort()).toEqual([...fromGroups].sort());
    expect(new Set(fromGroups).size).toBe(fromGroups.length);
    expect(Object.values(EventName).sort()).toEqual([...fromGroups].sort());
    expect(TimelineEvent.options.map(typeOf).sort()).toEqual([...fromGroups].sort());
  });

  it('refuses a composition where two capabilities claim the same decision', () => {
    const one: Capability<object, never, { type: 'Same' }> = { name: 'one', events: [], rules: [], writes: { Same: () => [] }, calls: {} };
    const other: Capability<object, never, never, { type: 'Same' }> = { name: 'other', events: [], rules: [], writes: {}, calls: { Same: async () => undefined } };

    expect(() => compose([one, other])).toThrow(DecisionClaimedTwice);
  });
});

describe('a capability write conditional on loaded state', () => {
  let table: TestTable;
  beforeAll(async () => {
    table = await createTestTable();
  });

  class GuardConflict extends WriteConflict {
    override name = 'GuardConflict';
  }
  /** A capability whose one write is conditional on an attribute no profile has: always refused. */
  const guarded: Capability<object, { type: 'Guarded'; contactId: string }, { type: 'Guarded'; contactId: string }> = {
    name: 'guarded',
    events: [],
    rules: [({ event }) => [{ type: 'Guarded', contactId: event.contactId }]],
    writes: {
      Guarded: (decision, { tableName }) => [
        {
          item: { ConditionCheck: { TableName: tableName, Key: keys.profile(decision.contactId), ConditionExpression: 'attribute_exists(neverSet)' } },
          onRefused: () => new GuardConflict('the profile changed since it was loaded'),
        },
      ],
    },
    calls: {},
  };

  it('raises the capability conflict, reports the record as failed and leaves the marker unset', async () => {
    const contacts = new DynamoContacts(table.documentClient, table.tableName);
    const { eventId, contactId } = await contacts.recordSubmission('guarded@example.com', { formId: 'demo-request', fields: {}, utm: {} }, new Date('2026-11-23T08:00:00.000Z'));
    const records = (await readStream(table)).filter((record) => matchesFilter(record) && unmarshall(record.dynamodb!.NewImage as never).eventId === eventId);
    const composition = compose([guarded]);
    const logger = memoryLogger();
    const react = makeReactor({
      store: new DynamoReactorStore(table.documentClient, table.tableName, composition),
      composition,
      rules: guarded.rules,
      clock: { now: () => new Date('2026-11-23T12:00:00.000Z') },
      logger,
    } as ReactorDeps);

    const response = await react({ Records: records });

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[0]!.dynamodb!.SequenceNumber }]);
    expect(logger.lines.find((line) => line.level === 'warn')?.fields?.error).toBeInstanceOf(GuardConflict);
    expect((await table.partition(keys.profile(contactId).PK)).find((item) => item.eventId === eventId)?.processedAt).toBeUndefined();
  });
});

describe('the domain import rule', () => {
  it('rejects a capability domain importing another capability', async () => {
    const eslint = new ESLint();
    const [result] = await eslint.lintText("import type { Membership } from '../../journeys/domain/membership';\nexport type M = Membership;\n", {
      filePath: 'functions/email/domain/snippet.ts',
    });

    expect(result!.messages.map((message) => message.ruleId)).toContain('no-restricted-imports');
  });

  it('lets a capability domain import the shared kernel', async () => {
    const eslint = new ESLint();
    const [result] = await eslint.lintText("import type { Contact } from '../../shared/contact';\nexport type C = Contact;\n", {
      filePath: 'functions/email/domain/snippet.ts',
    });

    expect(result!.messages).toEqual([]);
  });
});
