import { SendSmsTaskInput, type SendEmailTaskOutput } from '../shared/tasks';
import { sendSms, type SmsSendDeps } from './send-sms';
import { smsSendIdOf } from './send-id';

/**
 * The journey "send SMS" step (a Step Functions Task). One text per (contact, execution, step): the send id is
 * derived from exactly those, so any retry of the step finds the first attempt's record. With SMS off in this
 * environment (nurture.config.yaml `sms.enabled`), the step answers `skipped: sms_disabled` and records nothing.
 */
export const makeSendSmsTask =
  (deps: SmsSendDeps & { readonly enabled: boolean }) =>
  async (input: unknown): Promise<SendEmailTaskOutput> => {
    const task = SendSmsTaskInput.parse(input);
    if (!deps.enabled) return { outcome: 'skipped', reason: 'sms_disabled' };
    // The journey's clock (`$$.State.EnteredTime`): quiet hours and the frequency cap judge the time the journey
    // has reached, which locally runs ahead of real time (TIME_SCALE).
    const now = task.now ? new Date(task.now) : undefined;
    return sendSms(
      {
        contactId: task.contactId,
        templateId: task.templateId,
        sendId: smsSendIdOf(task.contactId, task.executionName, task.stepId),
        ...(task.topic ? { topic: task.topic } : {}),
        journeyId: task.journeyId,
        stepId: task.stepId,
        executionName: task.executionName,
        timeZone: task.timezone,
      },
      now ? { ...deps, clock: { now: () => now } } : deps,
    );
  };
