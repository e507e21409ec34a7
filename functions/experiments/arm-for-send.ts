import type { ExperimentRef } from '../shared/experiment-ref';
import { assign } from './domain/assignment';
import type { Experiment } from './domain/experiment-file';

/** A step or broadcast names an experiment no content file declares (a file removed after the journey was built). */
export class UnknownExperiment extends Error {
  override name = 'UnknownExperiment';
}

/** What one contact's send of an experiment becomes: its arm's template and subject, and the ref the send carries. */
export interface ArmSend {
  readonly templateId: string;
  readonly subject?: string;
  /** The arm, or `holdout`: `sendEmail` then records `skipped: holdout` and sends nothing. */
  readonly experiment: ExperimentRef;
}

/**
 * The send a contact gets in an experiment: its deterministic arm (`assign`), with the arm's template (else
 * `defaultTemplateId`, the step's or broadcast's own) and subject override. Held out: the default template, so the
 * guards judge the same topic, and arm `holdout`.
 */
export function armForSend(experiments: ReadonlyMap<string, Experiment>, experimentId: string, contactId: string, defaultTemplateId: string): ArmSend {
  const experiment = experiments.get(experimentId);
  if (!experiment) throw new UnknownExperiment(`no experiment "${experimentId}" in content/experiments`);
  const assignment = assign(experiment, contactId);
  const ref = { id: experiment.id, arm: assignment.arm };
  if (assignment.type === 'holdout') return { templateId: experiment.arms[0]!.template ?? defaultTemplateId, experiment: ref };
  const arm = experiment.arms.find((candidate) => candidate.id === assignment.arm)!;
  return { templateId: arm.template ?? defaultTemplateId, ...(arm.subject ? { subject: arm.subject } : {}), experiment: ref };
}
