import type { Capability } from '../reactor/capability';
import { DATE_INDEX_PREFIX, dateIndexKeys, keys, SEGMENT_STATE_PREFIX } from '../shared/keys';
import { SegmentMembershipView } from '../shared/segment-membership';
import { lifecycle, stageRankOf } from '../scoring/domain/content';
import type { JourneyCall, JourneyDecision, JourneyState, JourneyWrite } from './domain/decisions';
import { DateIndexEntry, JourneyWait, Membership } from './domain/membership';
import { journeyRules } from './domain/rules';
import { journeyEvents } from './events';
import { journeys } from './journeys';
import type { JourneyStarter } from './ports';

/** The port the journeys' calls go through: Step Functions (SfnJourneys), or a stand-in in tests. */
export interface JourneyPorts {
  readonly journeys: JourneyStarter;
}

/**
 * Journeys in the reactor: enrolment, resumption, exits and the date index, from the contact's memberships, waits
 * and indexed dates (its own state items); memberships, waits and the index are written in the marker's
 * transaction, executions started, stopped and resumed through Step Functions (each call idempotent by name or token).
 */
export const journeysCapability: Capability<JourneyState, JourneyDecision, JourneyWrite, JourneyCall, JourneyPorts> = {
  name: 'journeys',
  events: journeyEvents,
  state: {
    memberships: { prefix: 'JOURNEY#', schema: Membership },
    waits: { prefix: 'WAIT#', schema: JourneyWait },
    dateIndex: { prefix: DATE_INDEX_PREFIX, schema: DateIndexEntry },
    segmentMemberships: { prefix: SEGMENT_STATE_PREFIX, schema: SegmentMembershipView },
  },
  rules: [journeyRules(journeys, stageRankOf, { recycleJourney: lifecycle.recycle?.journey })],
  writes: {
    RecordMembership: (decision, { tableName }) => [
      { item: { Put: { TableName: tableName, Item: { ...keys.membership(decision.contactId, decision.membership.journeyId), ...decision.membership } } } },
    ],
    DeleteWait: (decision, { tableName }) => [
      { item: { Delete: { TableName: tableName, Key: keys.wait(decision.contactId, decision.executionName, decision.stepId) } } },
    ],
    IndexDate: (decision, { tableName }) => [
      {
        item:
          decision.date === null
            ? { Delete: { TableName: tableName, Key: keys.dateIndex(decision.contactId, decision.attribute) } }
            : {
                Put: {
                  TableName: tableName,
                  Item: {
                    ...keys.dateIndex(decision.contactId, decision.attribute),
                    ...dateIndexKeys(decision.attribute, decision.date, decision.contactId),
                    attribute: decision.attribute,
                    date: decision.date,
                    contactId: decision.contactId,
                  },
                },
              },
      },
    ],
  },
  calls: {
    StartJourney: (decision, ports) => ports.journeys.start(decision),
    StopJourney: (decision, ports) => ports.journeys.stop(decision),
    ResumeJourney: (decision, ports) => ports.journeys.resume(decision),
  },
};
