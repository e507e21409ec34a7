import { setTimeout as sleep } from 'node:timers/promises';
import { ContactContended } from '../contacts/contacts';
import type { Contact } from '../shared/contact';
import { EventName } from '../shared/events';
import { HOLDOUT_ARM, HOLDOUT_SKIP_REASON, type ExperimentRef } from '../shared/experiment-ref';
import { ulid, type Clock } from '../shared/ids';
import type { Logger } from '../shared/logger';
import type { SendEmailTaskOutput } from '../shared/tasks';
import { TimelineEvent } from '../shared/timeline';
import { checkGuards, enrolmentOf, type RecentSend } from './domain/guards';
import { addOpenPixel, contactVariables, trackLinks, type TemplateRenderer } from './domain/render';
import type { EmailSettings } from './domain/settings';
import {
  EmailSendFailed,
  EnrolmentNotRecorded,
  SesThrottled,
  type ClaimConditions,
  type EmailStore,
  type Mailer,
  type SendRecord,
  type SendState,
} from './ports';
import type { TokenSigner } from './tokens';

/** One send, from a journey step or the send API. */
export interface SendRequest {
  readonly contactId: string;
  readonly templateId: string;
  /** The idempotency id: one email per sendId, ever (see `sendIdOf`). */
  readonly sendId: string;
  readonly data?: Readonly<Record<string, unknown>>;
  readonly journeyId?: string;
  readonly stepId?: string;
  /** The journey execution sending it: the send goes out only while that enrolment runs. */
  readonly executionName?: string;
  /** A journey that waits for a pending double opt-in: answer `unconfirmed` rather than record a skip. */
  readonly awaitConfirmation?: boolean;
  /** Extra links the template uses (the double opt-in confirmation link). */
  readonly links?: { readonly confirm?: string };
  /**
   * The experiment arm the contact is in (`experiments` assigns it): stored on the send and its events. Arm
   * `holdout`: the contact is held out, so a send the guards allow is recorded as `skipped: holdout` and not sent.
   */
  readonly experiment?: ExperimentRef;
  /** A Liquid subject that replaces the template's (an experiment arm's subject line). */
  readonly subject?: string;
  /** The consent topic of a marketing send, when not the template's own (a broadcast may name one). */
  readonly topic?: string;
}

export type SendOutcome = SendEmailTaskOutput;

export interface SendDeps {
  readonly store: EmailStore;
  readonly mailer: Mailer;
  readonly renderer: TemplateRenderer;
  readonly settings: EmailSettings;
  /** The token signer; async because its keys may come from Secrets Manager. */
  readonly signer: () => Promise<TokenSigner>;
  /** The public base URL of the HTTP API (tracking and unsubscribe links), without a trailing slash. */
  readonly publicUrl: string;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** SES tag names: SES events carry them back, which is how the ses-events handler finds the contact and send. */
export const TAG = { contact: 'contact', send: 'send', template: 'template', journey: 'journey', step: 'step', topic: 'topic' };

/**
 * Sends one email, exactly once per `sendId`:
 * 1. one consistent read of the contact, its recent marketing sends, the send's record and, for a journey send,
 *    the contact's membership of the journey;
 * 2. a send recorded before (sent, skipped, failed) answers as it did, without calling SES again;
 * 3. a journey send whose execution is no longer the running enrolment (a goal, an exit) is skipped (`exited`);
 * 4. the guards: a refusal is recorded (`email.skipped`) and answered as `skipped`; outside the send window the
 *    answer is `deferred` and nothing is written;
 * 5. render, then claim the send BEFORE calling SES, so a retried Lambda or a duplicated Step Functions retry finds
 *    the claim and never sends twice. The claim is one transaction with what the decision rested on: the
 *    enrolment still running, and (marketing) this send's slot in the mail log, written only if nobody changed
 *    the log since step 1. When either moved, nothing is written and the send starts again from step 1;
 * 6. SES; then the record becomes `sent` and `email.sent` is appended in one transaction.
 *
 * A claim left `pending` (the process died between SES and step 6) cannot tell whether SES took the email: it is
 * answered `skipped: send_in_doubt`, never re-sent (at most once), and keeps its slot in the mail log. SES's own
 * events settle the doubt: they carry the send's tag, and the first one for a pending send records its outcome
 * (ses-events.ts, `settleDoubt`), after which the send answers like any other. A claim still pending after
 * `DOUBT_BOUND_MS` is logged as an error when asked about: no SES event is coming any more.
 */
export async function sendEmail(request: SendRequest, deps: SendDeps): Promise<SendOutcome> {
  let races = 0;
  let waits = 0;
  for (;;) {
    const outcome = await attemptSend(request, deps);
    if (outcome === RACED) {
      if (++races >= CLAIM_ATTEMPTS) throw new ContactContended(`send ${request.sendId} kept racing other writes to the contact`);
    } else if (outcome === NOT_RECORDED) {
      if (++waits > ENROLMENT_WAITS) {
        throw new EnrolmentNotRecorded(`no membership of ${request.journeyId ?? ''} recorded yet for ${request.executionName ?? ''}`);
      }
      await sleep(ENROLMENT_WAIT_MS);
    } else {
      return outcome;
    }
  }
}

/** How often a send reads and decides again when its claim's conditions moved in between. */
const CLAIM_ATTEMPTS = 5;
/**
 * A first step usually finds its membership a few milliseconds after the execution started; wait that out here
 * (the local engine retries a task after 50 ms only), and leave longer delays to Step Functions' retries.
 */
const ENROLMENT_WAITS = 5;
const ENROLMENT_WAIT_MS = 200;
const RACED = Symbol('raced');
const NOT_RECORDED = Symbol('not recorded');
/**
 * How long a pending claim may wait for an SES event: EventBridge retries delivering one to ses-events for 24 h
 * (the rule's MaximumEventAgeInSeconds), so after that none is coming and a human has to look.
 */
export const DOUBT_BOUND_MS = 24 * 3_600_000;

async function attemptSend(request: SendRequest, deps: SendDeps): Promise<SendOutcome | typeof RACED | typeof NOT_RECORDED> {
  const now = deps.clock.now();
  const journey = request.journeyId && request.executionName ? { journeyId: request.journeyId, executionName: request.executionName } : undefined;
  const loaded = await deps.store.loadForSend(request.contactId, request.sendId, journey?.journeyId);
  if (loaded.record) return answerFor(loaded.record, deps.logger, now);
  if (!loaded.contact) return { outcome: 'skipped', reason: 'no_contact' };
  const contact = loaded.contact;
  // This send's own slot, left by a release that could not give it back, is not another send.
  const state: SendState = { ...loaded, recent: loaded.recent.filter((send) => send.sendId !== request.sendId) };

  const template = deps.renderer.meta(request.templateId);
  const meta = template.kind === 'marketing' && request.topic ? { ...template, topic: request.topic } : template;
  const topic = meta.kind === 'marketing' ? meta.topic : undefined;
  const base: SendRecord = {
    sendId: request.sendId,
    contactId: contact.contactId,
    templateId: request.templateId,
    kind: meta.kind,
    ...(topic ? { topic } : {}),
    ...(request.journeyId ? { journeyId: request.journeyId } : {}),
    ...(request.stepId ? { stepId: request.stepId } : {}),
    ...(request.experiment ? { experiment: request.experiment } : {}),
    status: 'pending',
    eventId: ulid(now.getTime()),
    links: [],
    createdAt: now.toISOString(),
  };

  const skip = async (reason: string): Promise<SendOutcome> => {
    const record = { ...base, status: 'skipped' as const, reason };
    const event = TimelineEvent.parse({
      eventId: base.eventId,
      contactId: contact.contactId,
      type: EventName.EmailSkipped,
      occurredAt: base.createdAt,
      data: { ...whereOf(base), reason },
    });
    const recorded = await deps.store.recordSkip(record, event);
    if (recorded.type === 'Exists') return answerFor(recorded.record, deps.logger, now);
    deps.logger.info('email skipped', { contactId: contact.contactId, sendId: request.sendId, reason });
    return { outcome: 'skipped', reason };
  };

  if (journey) {
    const enrolment = enrolmentOf(state.membership, journey.executionName);
    if (enrolment === 'not_recorded') return NOT_RECORDED;
    if (enrolment === 'ended') return skip('exited');
  }

  const guard = checkGuards({ contact, template: meta, recent: state.recent, settings: deps.settings, now });
  if (guard.type === 'Defer') return { outcome: 'deferred', until: guard.until };
  // The journey waits for the confirmation and sends then: nothing to record now, as for a deferral.
  if (guard.type === 'Skip' && guard.reason === 'unconfirmed' && request.awaitConfirmation && topic) return { outcome: 'unconfirmed', topic };
  if (guard.type === 'Skip') return skip(guard.reason);
  // Held out only once the guards would have let it through, so the holdout is comparable with the arms' sends.
  if (request.experiment?.arm === HOLDOUT_ARM) return skip(HOLDOUT_SKIP_REASON);

  const signer = await deps.signer();
  const { email, links } = compose(request, contact, topic, deps, signer);
  const record = { ...base, links };
  const conditions: ClaimConditions = {
    ...(journey ? { enrolment: journey } : {}),
    ...(record.kind === 'marketing' ? { mailLog: { sends: recentAfter(state.recent, record, deps.settings, now), ...(state.mailLogVersion ? { version: state.mailLogVersion } : {}) } } : {}),
  };
  const claimed = await deps.store.claim(record, conditions);
  if (claimed.type === 'Raced') return RACED;
  if (claimed.type === 'Exists') return answerFor(claimed.record, deps.logger, now);

  let messageId: string;
  try {
    ({ messageId } = await deps.mailer.send({
      ...email,
      tags: {
        [TAG.contact]: contact.contactId,
        [TAG.send]: request.sendId,
        [TAG.template]: request.templateId,
        ...(request.journeyId ? { [TAG.journey]: tagValue(request.journeyId) } : {}),
        ...(request.stepId ? { [TAG.step]: tagValue(request.stepId) } : {}),
        ...(topic ? { [TAG.topic]: topic } : {}),
      },
    }));
  } catch (error) {
    if (error instanceof SesThrottled) {
      await deps.store.release(record);
      throw error;
    }
    const name = error instanceof Error ? error.name : 'Error';
    await deps.store.markFailed(record, name, failedEvent(record, name, deps.clock.now()));
    deps.logger.error('email send failed', { contactId: contact.contactId, sendId: request.sendId, error: name });
    throw new EmailSendFailed(`SES refused the email: ${name}`, { cause: error });
  }

  if (!(await deps.store.markSent(record, messageId, sentEvent(record, messageId)))) {
    // An SES event for this email arrived first and settled the claim (ses-events): answer what it recorded.
    const settled = await deps.store.getSend(record.sendId);
    if (settled && settled.status !== 'sent') return answerFor(settled, deps.logger, now);
  }
  deps.logger.info('email sent', { contactId: contact.contactId, sendId: request.sendId, templateId: request.templateId });
  return { outcome: 'sent', messageId };
}

/** The rendered email, with tracked links, the open pixel and the RFC 8058 unsubscribe headers. */
function compose(request: SendRequest, contact: Contact, topic: string | undefined, deps: SendDeps, signer: TokenSigner) {
  const meta = deps.renderer.meta(request.templateId);
  const marketing = topic !== undefined;
  const unsubscribe = `${deps.publicUrl}/u/${signer.sign('u', [contact.contactId, topic ?? '-', request.sendId])}`;
  const rendered = deps.renderer.render(
    request.templateId,
    {
      contact: contactVariables(contact),
      data: request.data ?? {},
      links: { unsubscribe, preferences: unsubscribe, ...(request.links?.confirm ? { confirm: request.links.confirm } : {}) },
    },
    request.subject ? { subject: request.subject } : {},
  );
  let { html, text } = rendered;
  let links: readonly string[] = [];
  if (meta.tracking.clicks) {
    const tracked = trackLinks(
      { html, text },
      (index) => `${deps.publicUrl}/t/c/${signer.sign('c', [contact.contactId, request.sendId, String(index)])}`,
      (url) => url.startsWith(`${deps.publicUrl}/`),
    );
    ({ html, text, links } = tracked);
  }
  if (meta.tracking.opens) {
    html = addOpenPixel(html, `${deps.publicUrl}/t/o/${signer.sign('o', [contact.contactId, request.sendId])}`);
  }
  const { sender } = deps.settings;
  const headers = marketing
    ? [
        {
          name: 'List-Unsubscribe',
          value: [`<${unsubscribe}>`, ...(sender.unsubscribeMailto ? [`<mailto:${sender.unsubscribeMailto}?subject=unsubscribe>`] : [])].join(', '),
        },
        { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
      ]
    : [];
  return {
    email: {
      from: sender.from,
      to: contact.email,
      ...(sender.replyTo ? { replyTo: sender.replyTo } : {}),
      subject: rendered.subject,
      html,
      text,
      headers,
    },
    links,
  };
}

/**
 * The outcome events of a claim, one per send with the claim's event id: the sender and ses-events (settling a
 * send in doubt) build them alike, so whichever records the outcome first, the timeline gets one of them.
 */
export function sentEvent(record: SendRecord, messageId: string, reconciledFrom?: string): TimelineEvent {
  return TimelineEvent.parse({
    eventId: record.eventId,
    contactId: record.contactId,
    type: EventName.EmailSent,
    occurredAt: record.createdAt,
    data: {
      ...whereOf(record),
      messageId,
      kind: record.kind,
      sendId: record.sendId,
      ...(reconciledFrom ? { reconciledFrom } : {}),
    },
  });
}

/** See `sentEvent`. `error` names the failure, never quotes SES's message (it may echo the address). */
export function failedEvent(record: SendRecord, error: string, at: Date): TimelineEvent {
  return TimelineEvent.parse({
    eventId: record.eventId,
    contactId: record.contactId,
    type: EventName.EmailFailed,
    occurredAt: at.toISOString(),
    data: { templateId: record.templateId, ...pick(record, 'journeyId', 'stepId'), error },
  });
}

function whereOf(record: SendRecord) {
  return { templateId: record.templateId, ...pick(record, 'journeyId', 'stepId', 'topic', 'experiment') };
}

/** What a send recorded before answers, so a duplicate invocation returns what the first one did. */
function answerFor(record: SendRecord, logger: Logger, now: Date): SendOutcome {
  switch (record.status) {
    case 'sent':
      return { outcome: 'sent', messageId: record.messageId ?? '', duplicate: true };
    case 'skipped':
      return { outcome: 'skipped', reason: record.reason ?? 'skipped' };
    case 'pending': {
      const fields = { contactId: record.contactId, sendId: record.sendId, claimedAt: record.createdAt };
      if (now.getTime() - Date.parse(record.createdAt) > DOUBT_BOUND_MS) {
        logger.error('send still in doubt: no SES event settled it within 24 h; look it up in SES by its "send" tag', fields);
      } else {
        logger.warn('send claimed but not confirmed; not sending again, an SES event will settle it', fields);
      }
      return { outcome: 'skipped', reason: 'send_in_doubt' };
    }
    case 'failed':
      throw new EmailSendFailed(`this send failed before: ${record.reason ?? 'unknown error'}`);
  }
}

/** The mail log after this send: marketing sends inside the cap's period, this one included. */
function recentAfter(recent: readonly RecentSend[], record: SendRecord, settings: EmailSettings, now: Date): RecentSend[] {
  const since = now.getTime() - settings.frequencyCap.days * 86_400_000;
  return [...recent.filter((send) => Date.parse(send.at) > since), { at: now.toISOString(), sendId: record.sendId }];
}

/** SES tag values allow letters, digits, `_`, `-`, `.`, `@` only (256 characters). */
function tagValue(value: string): string {
  return value.replace(/[^A-Za-z0-9_.@-]/g, '_').slice(0, 256);
}

function pick<T extends object, K extends keyof T>(object: T, ...names: K[]): Partial<Pick<T, K>> {
  return Object.fromEntries(names.filter((name) => object[name] !== undefined).map((name) => [name, object[name]])) as Partial<Pick<T, K>>;
}
