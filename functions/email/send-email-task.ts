import * as z from 'zod';
import { SendEmailTaskInput, type SendEmailTaskOutput } from '../shared/tasks';
import { armForSend } from '../experiments/arm-for-send';
import type { Experiment } from '../experiments/domain/experiment-file';
import { sendEmail, type SendDeps } from './send-email';
import { sendIdOf } from './tokens';

/** The task input, plus optional Liquid data the journey step may pass. */
const TaskInput = SendEmailTaskInput.extend({ data: z.record(z.string(), z.unknown()).optional() });

/**
 * The journey "send email" step (a Step Functions Task). One email per (contact, execution, step): the send id
 * is derived from exactly those, so any retry of the step finds the first attempt's record. It sends only while
 * this execution is the contact's running enrolment (`skipped: exited` once a goal or an exit ended it).
 */
export const makeSendEmailTask =
  (deps: SendDeps, experiments: ReadonlyMap<string, Experiment> = new Map()) =>
  async (input: unknown): Promise<SendEmailTaskOutput> => {
    const task = TaskInput.parse(input);
    // A step running an experiment sends the contact's arm (same arm on every retry: the assignment is a hash).
    const arm = task.experimentId ? armForSend(experiments, task.experimentId, task.contactId, task.templateId) : undefined;
    // The journey's clock (`$$.State.EnteredTime`): send windows and frequency caps judge the time the journey
    // has reached, which locally runs ahead of real time (TIME_SCALE).
    const now = task.now ? new Date(task.now) : undefined;
    return sendEmail(
      {
        contactId: task.contactId,
        templateId: arm?.templateId ?? task.templateId,
        ...(arm ? { experiment: arm.experiment, ...(arm.subject ? { subject: arm.subject } : {}) } : {}),
        sendId: sendIdOf('journey', task.contactId, task.executionName, task.stepId),
        journeyId: task.journeyId,
        stepId: task.stepId,
        executionName: task.executionName,
        ...(task.awaitConfirmation ? { awaitConfirmation: true } : {}),
        ...(task.data ? { data: task.data } : {}),
      },
      now ? { ...deps, clock: { now: () => now } } : deps,
    );
  };
