import type { Capability } from '../reactor/capability';
import { lifecycle, stageRankOf } from '../scoring/domain/content';
import { keys, SEGMENT_STATE_PREFIX, segmentMemberKeys, segmentReviewKeys } from '../shared/keys';
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
    SaveSegmentState: (decision, { tableName }) => [
      {
        item:
          decision.state === null
            ? { Delete: { TableName: tableName, Key: keys.segmentState(decision.contactId, decision.segmentId) } }
            : { Put: { TableName: tableName, Item: segmentStateItem(decision.state) } },
      },
    ],
  },
  calls: {},
};

/** The stored item of a contact's state in a segment, with its index keys (see functions/shared/keys.ts). */
export function segmentStateItem(state: SegmentState): Record<string, unknown> {
  return {
    ...keys.segmentState(state.contactId, state.segmentId),
    ...state,
    ...(state.member ? segmentMemberKeys(state.segmentId, state.contactId) : {}),
    ...(state.reviewAt ? segmentReviewKeys(state.reviewAt, state.contactId) : {}),
  };
}
