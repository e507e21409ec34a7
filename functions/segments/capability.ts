import type { Capability } from '../reactor/capability';
import { lifecycle, stageRankOf } from '../scoring/domain/content';
import { keys, SEGMENT_STATE_PREFIX, segmentMemberKeys, segmentReviewKeys, segmentReviewPartition } from '../shared/keys';
import { SegmentState } from './domain/membership';
import { segmentRule, type SaveSegmentState, type SegmentDecision, type SegmentsState } from './domain/rules';
import { segmentEvents } from './events';
import { segments } from './segments';

/**
 * Segments in the reactor: live membership from the contact's state in each segment (its own items), written in
 * the marker's transaction — a member's item is on GSI1 under its segment (members readable without a scan), an
 * item whose window can lapse on GSI2 under the hour it lapses (for the sweep). Transitions are appended as events
 * (by contacts) and counted, on those events, by reports.
 */
export const segmentsCapability: Capability<SegmentsState, SegmentDecision, SaveSegmentState> = {
  name: 'segments',
  events: segmentEvents,
  state: { segmentStates: { prefix: SEGMENT_STATE_PREFIX, schema: SegmentState } },
  rules: [segmentRule(segments, stageRankOf, lifecycle.initial)],
  writes: {
    SaveSegmentState: (decision, { tableName, at }) => [
      {
        item:
          decision.state === null
            ? { Delete: { TableName: tableName, Key: keys.segmentState(decision.contactId, decision.segmentId) } }
            : { Put: { TableName: tableName, Item: segmentStateItem(decision.state, at) } },
      },
    ],
  },
  calls: {},
};

/**
 * The stored item of a contact's state in a segment, with its index keys (see functions/shared/keys.ts). A review
 * already due when written (an event tracked with an old timestamp) is filed under the hour of `writtenAt`: the
 * sweep reads only the hours since its last run, so an hour in the past would never be read again.
 */
export function segmentStateItem(state: SegmentState, writtenAt?: Date): Record<string, unknown> {
  const filedAt = state.reviewAt && writtenAt && state.reviewAt < writtenAt.toISOString() ? writtenAt.toISOString() : state.reviewAt;
  return {
    ...keys.segmentState(state.contactId, state.segmentId),
    ...state,
    ...(state.member ? segmentMemberKeys(state.segmentId, state.contactId) : {}),
    ...(state.reviewAt && filedAt ? { GSI2PK: segmentReviewPartition(filedAt), GSI2SK: segmentReviewKeys(state.reviewAt, state.contactId).GSI2SK } : {}),
  };
}
