import { setTimeout as sleep } from 'node:timers/promises';
import { ContactContended } from '../contacts/contacts';
import { EventName } from '../shared/events';
import { ulid, type Clock } from '../shared/ids';
import type { Logger } from '../shared/logger';
import type { SendEmailTaskOutput } from '../shared/tasks';
import { TimelineEvent } from '../shared/timeline';
import { EnrolmentNotRecorded } from '../email/ports';
import { countryOfPhone } from '../shared/phone-number';
import { smsCost } from './domain/sms-prices';
import { checkSmsGuards, smsTimeZoneOf, type QuietHours, type RecentSend } from './domain/guards';
import type { SmsRenderer } from './domain/render-sms';
import { SmsSendFailed, SmsThrottled, type SmsClaimConditions, type SmsGateway, type SmsSendRecord, type SmsStore } from './ports';

/** One journey text message. */
export interface SmsSendRequest {
  readonly contactId: string;
  readonly templateId: string;
  /** The idempotency id: one text per sendId, ever. */
  readonly sendId: string;
  /** The journey's topic: the SMS consent checked. */
  readonly topic?: string;
  readonly journeyId?: string;
  readonly stepId?: string;
  /** The execution sending it: the text goes out only while that enrolment runs. */
  readonly executionName?: string;
  /** The journey's time zone, for contacts without `time_zone` (quiet hours). */
  readonly timeZone: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

/** The same outcomes as a journey email: sent, skipped (recorded), deferred (quiet hours, nothing written). */
export type SmsSendOutcome = Exclude<SendEmailTaskOutput, { outcome: 'unconfirmed' }>;

export interface SmsSendDeps {
  readonly store: SmsStore;
  readonly gateway: SmsGateway;
  readonly renderer: SmsRenderer;
  readonly settings: {
    readonly messageType: 'TRANSACTIONAL' | 'PROMOTIONAL';
    readonly quietHours?: QuietHours;
    /** The frequency cap of content/email.yaml: email and SMS count together. */
    readonly frequencyCap: { readonly max: number; readonly days: number };
  };
  readonly clock: Clock;
  readonly logger: Logger;
}

/** `Context` keys of a send: delivery events carry them back, which is how the delivery handler finds the send. */
export const SMS_CONTEXT = { contact: 'contactId', send: 'sendId', template: 'templateId', journey: 'journeyId', step: 'stepId' } as const;

const CLAIM_ATTEMPTS = 5;
const ENROLMENT_WAITS = 5;
const ENROLMENT_WAIT_MS = 200;
const RACED = Symbol('raced');
const NOT_RECORDED = Symbol('not recorded');

/**
 * Sends one text, exactly once per `sendId`, as email sends (functions/email/send-email.ts):
 * 1. one consistent read of the contact, the mail log, the send's record and the journey membership;
 * 2. a send recorded before answers as it did, without calling End User Messaging again;
 * 3. an execution that is no longer the running enrolment is skipped (`exited`);
 * 4. the guards (a number, SMS consent, the account's opt-out list, the shared frequency cap): a refusal is
 *    recorded (`sms.skipped`); inside quiet hours the answer is `deferred` and nothing is written;
 * 5. render, then claim the send with its mail-log slot BEFORE the call, so a retried Lambda or Step Functions
 *    retry finds the claim and never sends twice;
 * 6. SendTextMessage; then the record becomes `sent` and `sms.sent` is appended in one transaction.
 * A claim left `pending` (the process died between the call and step 6) answers `skipped: send_in_doubt`, never
 * sends again: at most once.
 */
export async function sendSms(request: SmsSendRequest, deps: SmsSendDeps): Promise<SmsSendOutcome> {
  let races = 0;
  let waits = 0;
  for (;;) {
    const outcome = await attemptSend(request, deps);
    if (outcome === RACED) {
      if (++races >= CLAIM_ATTEMPTS) throw new ContactContended(`SMS send ${request.sendId} kept racing other writes to the contact`);
    } else if (outcome === NOT_RECORDED) {
      if (++waits > ENROLMENT_WAITS) throw new EnrolmentNotRecorded(`no membership of ${request.journeyId ?? ''} recorded yet for ${request.executionName ?? ''}`);
      await sleep(ENROLMENT_WAIT_MS);
    } else {
      return outcome;
    }
  }
}

async function attemptSend(request: SmsSendRequest, deps: SmsSendDeps): Promise<SmsSendOutcome | typeof RACED | typeof NOT_RECORDED> {
  const now = deps.clock.now();
  const loaded = await deps.store.loadForSend(request.contactId, request.sendId, request.journeyId);
  if (loaded.record) return answerFor(loaded.record, deps.logger);
  if (!loaded.contact) return { outcome: 'skipped', reason: 'no_contact' };
  const contact = loaded.contact;
  const recent = loaded.recent.filter((send) => send.sendId !== request.sendId);
  const base: SmsSendRecord = {
    sendId: request.sendId,
    contactId: contact.contactId,
    templateId: request.templateId,
    ...(request.topic ? { topic: request.topic } : {}),
    ...(request.journeyId ? { journeyId: request.journeyId } : {}),
    ...(request.stepId ? { stepId: request.stepId } : {}),
    status: 'pending',
    eventId: ulid(now.getTime()),
    createdAt: now.toISOString(),
  };

  const skip = async (reason: string): Promise<SmsSendOutcome> => {
    const event = TimelineEvent.parse({
      eventId: base.eventId,
      contactId: contact.contactId,
      type: EventName.SmsSkipped,
      occurredAt: base.createdAt,
      data: { ...refOf(base), reason },
    });
    const recorded = await deps.store.recordSkip({ ...base, status: 'skipped', reason }, event);
    if (recorded.type === 'Exists') return answerFor(recorded.record, deps.logger);
    deps.logger.info('sms skipped', { contactId: contact.contactId, sendId: request.sendId, reason });
    return { outcome: 'skipped', reason };
  };

  if (request.journeyId && request.executionName) {
    const membership = loaded.membership;
    if (membership?.executionName === request.executionName) {
      if (membership.status !== 'running') return skip('exited');
    } else if (membership?.status === 'running') {
      return skip('exited');
    } else {
      return NOT_RECORDED;
    }
  }

  // One call to the opt-out list, only when the profile alone would let the text go.
  const profileOnly = checkSmsGuards({ contact, topic: request.topic, optedOut: false, recent: [], frequencyCap: deps.settings.frequencyCap, quietHours: undefined, timeZone: request.timeZone, now });
  if (profileOnly.type === 'Skip') return skip(profileOnly.reason);
  const optedOut = await deps.gateway.isOptedOut(contact.phone!);
  const guard = checkSmsGuards({
    contact,
    topic: request.topic,
    optedOut,
    recent,
    frequencyCap: deps.settings.frequencyCap,
    quietHours: deps.settings.quietHours,
    timeZone: smsTimeZoneOf(contact, request.timeZone),
    now,
  });
  if (guard.type === 'Defer') return { outcome: 'deferred', until: guard.until };
  if (guard.type === 'Skip') return skip(guard.reason);

  const rendered = deps.renderer.render(request.templateId, contact, request.data ?? {});
  const record: SmsSendRecord = { ...base, parts: rendered.parts.parts, encoding: rendered.parts.encoding };
  const conditions: SmsClaimConditions = {
    ...(request.journeyId && request.executionName ? { enrolment: { journeyId: request.journeyId, executionName: request.executionName } } : {}),
    mailLog: { sends: recentAfter(recent, record, deps.settings.frequencyCap.days, now), ...(loaded.mailLogVersion ? { version: loaded.mailLogVersion } : {}) },
    phone: contact.phone!,
  };
  const claimed = await deps.store.claim(record, conditions);
  if (claimed.type === 'Raced') return RACED;
  if (claimed.type === 'Exists') return answerFor(claimed.record, deps.logger);

  let messageId: string;
  try {
    ({ messageId } = await deps.gateway.send({
      to: contact.phone!,
      body: rendered.text,
      context: {
        [SMS_CONTEXT.contact]: contact.contactId,
        [SMS_CONTEXT.send]: request.sendId,
        [SMS_CONTEXT.template]: request.templateId,
        ...(request.journeyId ? { [SMS_CONTEXT.journey]: request.journeyId } : {}),
        ...(request.stepId ? { [SMS_CONTEXT.step]: request.stepId } : {}),
      },
    }));
  } catch (error) {
    if (error instanceof SmsThrottled) {
      await deps.store.release(record);
      throw error;
    }
    const name = error instanceof SmsSendFailed && error.cause instanceof Error ? error.cause.name : error instanceof Error ? error.name : 'Error';
    await deps.store.markFailed(record, name, failedEvent(record, name, deps.clock.now()));
    deps.logger.error('sms send failed', { contactId: contact.contactId, sendId: request.sendId, error: name });
    throw error instanceof SmsSendFailed ? error : new SmsSendFailed(`End User Messaging refused the text: ${name}`, { cause: error });
  }

  const country = countryOfPhone(contact.phone!);
  const sent = TimelineEvent.parse({
    eventId: record.eventId,
    contactId: record.contactId,
    type: EventName.SmsSent,
    occurredAt: record.createdAt,
    data: {
      ...refOf(record),
      messageId,
      encoding: rendered.parts.encoding,
      parts: rendered.parts.parts,
      characters: rendered.parts.characters,
      messageType: deps.settings.messageType,
      ...(country ? { country } : {}),
      costUsd: smsCost(country ?? 'ZZ', rendered.parts.parts),
    },
  });
  if (!(await deps.store.markSent(record, messageId, sent))) {
    const settled = await deps.store.getSend(record.sendId);
    if (settled && settled.status !== 'sent') return answerFor(settled, deps.logger);
  }
  deps.logger.info('sms sent', { contactId: contact.contactId, sendId: request.sendId, templateId: request.templateId, parts: rendered.parts.parts, encoding: rendered.parts.encoding });
  return { outcome: 'sent', messageId };
}

function failedEvent(record: SmsSendRecord, error: string, at: Date): TimelineEvent {
  return TimelineEvent.parse({
    eventId: record.eventId,
    contactId: record.contactId,
    type: EventName.SmsFailed,
    occurredAt: at.toISOString(),
    data: { ...refOf(record), error },
  });
}

function refOf(record: SmsSendRecord) {
  return {
    sendId: record.sendId,
    templateId: record.templateId,
    ...(record.journeyId ? { journeyId: record.journeyId } : {}),
    ...(record.stepId ? { stepId: record.stepId } : {}),
    ...(record.topic ? { topic: record.topic } : {}),
  };
}

/** What a send recorded before answers, so a duplicate invocation returns what the first one did. */
function answerFor(record: SmsSendRecord, logger: Logger): SmsSendOutcome {
  switch (record.status) {
    case 'sent':
      return { outcome: 'sent', messageId: record.messageId ?? '', duplicate: true };
    case 'skipped':
      return { outcome: 'skipped', reason: record.reason ?? 'skipped' };
    case 'pending':
      logger.warn('sms send claimed but not confirmed; not sending again', { contactId: record.contactId, sendId: record.sendId, claimedAt: record.createdAt });
      return { outcome: 'skipped', reason: 'send_in_doubt' };
    case 'failed':
      throw new SmsSendFailed(`this SMS send failed before: ${record.reason ?? 'unknown error'}`);
  }
}

/** The mail log after this send: sends inside the cap's period, this one included. */
function recentAfter(recent: readonly RecentSend[], record: SmsSendRecord, days: number, now: Date): RecentSend[] {
  const since = now.getTime() - days * 86_400_000;
  return [...recent.filter((send) => Date.parse(send.at) > since), { at: now.toISOString(), sendId: record.sendId }];
}
