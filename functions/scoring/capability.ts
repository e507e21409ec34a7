import type { Capability, TransactEntry, WriteContext } from '../reactor/capability';
import { WriteConflict } from '../reactor/capability';
import { keys } from '../shared/keys';
import { toItem } from '../contacts/dynamo-contacts';
import { lifecycle, scoringRules } from './domain/content';
import type { ScoringDecision, UpdateLifecycle } from './domain/decisions';
import { scoringRule } from './domain/lifecycle-rule';
import { scoringEvents } from './events';

/**
 * The profile's score or stage was rewritten between the reactor's load and its commit (by `npm run rescore`), so
 * the score the rules computed is stale: the transaction wrote nothing, and the record fails so that the stream
 * retries it, loading the profile again and recomputing. Not a duplicate: the processed marker was not set.
 */
export class LifecycleConflict extends WriteConflict {
  override name = 'LifecycleConflict';
}

/**
 * Scoring in the reactor: the score and stage rule, whose one write (`UpdateLifecycle`) is conditional on the
 * profile's score and stage as loaded, and the CRM hand-off it decides on entering the hand-off stage (applied by
 * crm).
 */
export const scoringCapability: Capability<object, ScoringDecision, UpdateLifecycle> = {
  name: 'scoring',
  events: scoringEvents,
  // The stored values, not the parsed contact's: a field the schema drops would otherwise make every comparison
  // fail, and the record would never get through.
  asLoaded: (profile) => ({ score: profile.score, stage: profile.stage }),
  rules: [scoringRule(scoringRules, lifecycle)],
  writes: { UpdateLifecycle: updateLifecycle },
  calls: {},
};

/**
 * One Update of the profile (score, stage) and one conditional Put per derived event (deterministic ids). The
 * Update applies only while the profile's score and stage are as loaded: the rules computed the new ones from
 * them (behaviour points carried over, the stage moved from), and `npm run rescore` may have rewritten them since.
 * Score and stage only, not `updatedAt`: form posts and journey steps change it all the time, and the next event
 * re-evaluates the fit they change anyway.
 */
function updateLifecycle(decision: UpdateLifecycle, { tableName, event, asLoaded }: WriteContext): TransactEntry[] {
  const sets: string[] = [];
  const conditions = ['attribute_exists(PK)'];
  const values: Record<string, unknown> = {};
  const asStored = [['score', ':loadedScore', asLoaded.score], ['stage', ':loadedStage', asLoaded.stage]] as const;
  for (const [attribute, placeholder, value] of asStored) {
    if (value === undefined) {
      conditions.push(`attribute_not_exists(${attribute})`);
    } else {
      conditions.push(`${attribute} = ${placeholder}`);
      values[placeholder] = value;
    }
  }
  if (decision.score) {
    sets.push('score = :score');
    values[':score'] = decision.score;
  }
  if (decision.stage) {
    sets.push('stage = :stage', 'stageChangedAt = :stageAt');
    values[':stage'] = decision.stage.to;
    values[':stageAt'] = decision.stage.at;
  }
  const profile: TransactEntry[] = sets.length
    ? [
        {
          item: {
            Update: {
              TableName: tableName,
              Key: keys.profile(decision.contactId),
              UpdateExpression: `SET ${sets.join(', ')}`,
              ConditionExpression: conditions.join(' AND '),
              ExpressionAttributeValues: values,
            },
          },
          onRefused: () => new LifecycleConflict(`contact ${event.contactId}: score or stage changed since event ${event.eventId} was loaded`),
        },
      ]
    : [];
  const events = decision.events.map((derived) => ({
    item: { Put: { TableName: tableName, Item: toItem(derived), ConditionExpression: 'attribute_not_exists(PK)' } },
  }));
  return [...profile, ...events];
}
