import { armForSend, type ArmSend } from '../experiments/arm-for-send';
import { assign, unitPoint } from '../experiments/domain/assignment';
import type { ExperimentDecision } from '../experiments/domain/decision';
import { experimentReport } from '../experiments/domain/report';
import type { ExperimentCounters } from '../experiments/ports';
import type { Experiment } from '../experiments/domain/experiment-file';
import { HOLDOUT_ARM } from '../shared/experiment-ref';
import type { ArmSendTime } from './domain/broadcast';
import type { ExperimentDecisions } from './ports';

/**
 * Where one member of a broadcast stands in its experiment: in the `test` (its arm, at the arm's send time) or, with
 * a rollout, in the `rest` of the audience (the rollout's arm, `after` the test). Pure: the same contact lands in
 * the same place on every page, pass, retry and restart, so its due time and its send never change.
 */
export type MemberPlan =
  | { readonly group: 'test'; readonly sendTime?: ArmSendTime }
  | { readonly group: 'rest'; readonly delaySeconds: number };

/**
 * Whether a contact is in a rollout's test group: a hash of the broadcast and contact ids, apart from the arm
 * assignment's (which hashes the experiment id), so the test group is a random share of every arm and the holdout.
 */
export function inTestGroup(broadcastId: string, contactId: string, audienceShare: number): boolean {
  return unitPoint(`rollout\u0000${broadcastId}\u0000${contactId}`) < audienceShare;
}

export function memberPlan(experiment: Experiment, broadcastId: string, contactId: string): MemberPlan {
  const { rollout } = experiment;
  if (rollout && !inTestGroup(broadcastId, contactId, rollout.audienceShare)) return { group: 'rest', delaySeconds: rollout.after };
  const assignment = assign(experiment, contactId);
  const sendTime = assignment.type === 'arm' ? experiment.arms.find((arm) => arm.id === assignment.arm)?.sendTime : undefined;
  return sendTime ? { group: 'test', sendTime } : { group: 'test' };
}

/** What the rest of a broadcast's audience gets, recorded once when the rollout is decided. Stored forever. */
export interface RolloutChoice {
  /** The status the choice was made on: the test's (`winner`, `no_winner_yet`, `no_difference`) or `manual`. */
  readonly decision: ExperimentDecision['status'];
  readonly arm: string;
  readonly why: string;
}

/**
 * The arm the rest gets: a marketer's pick on the broadcast, else the test's `winner` or the file's `winner`
 * (`manual`), else the control (the first arm), saying why.
 */
export function rolloutChoice(experiment: Experiment, decision: ExperimentDecision, picked?: string): RolloutChoice {
  if (picked) return { decision: 'manual', arm: picked, why: `${picked} was picked by hand on the broadcast` };
  if ((decision.status === 'winner' || decision.status === 'manual') && decision.arm) return { decision: decision.status, arm: decision.arm, why: decision.why };
  const control = experiment.arms[0]!.id;
  return { decision: decision.status, arm: control, why: `${decision.why}; the rest gets the control, ${control}` };
}

/**
 * One member's send: the test's arm (holdout included) through `armForSend`; in the rest, a held-out contact stays
 * held out and the others get the rollout's arm without the experiment's ref, so the experiment's numbers stay the
 * test's (the rest was not randomised between arms).
 */
export function sendOf(
  experiment: Experiment,
  plan: MemberPlan,
  contactId: string,
  defaultTemplateId: string,
  rollout: RolloutChoice | undefined,
): { readonly templateId: string; readonly subject?: string; readonly experiment?: ArmSend['experiment'] } {
  const test = armForSend(new Map([[experiment.id, experiment]]), experiment.id, contactId, defaultTemplateId);
  if (plan.group === 'test' || test.experiment.arm === HOLDOUT_ARM) return test;
  if (!rollout) throw new RolloutUndecided(`the rollout of ${experiment.id} is not decided`);
  const arm = experiment.arms.find((candidate) => candidate.id === rollout.arm)!;
  return { templateId: arm.template ?? defaultTemplateId, ...(arm.subject ? { subject: arm.subject } : {}) };
}

/** A member of the rest was due before its rollout was decided: a bug, never a member sent the wrong arm. */
export class RolloutUndecided extends Error {
  override name = 'RolloutUndecided';
}

/** The decision the experiments capability reports now, from its counters (the same as `GET /experiments/{id}`). */
export const decisionsFrom =
  (counters: ExperimentCounters): ExperimentDecisions =>
  async (experiment) =>
    experimentReport(experiment, await counters.totals(experiment.id)).decision;
