import * as z from 'zod';
import type { Contact, Subscription } from '../../shared/contact';

/**
 * SES events as the configuration set's EventBridge destination delivers them (detail-type "Email Bounced",
 * "Email Complaint Received", …; `detail` is the SES event record). Only the fields Nurture reads are declared;
 * the rest passes through unread.
 */
const Mail = z.object({
  messageId: z.string().min(1),
  timestamp: z.string().optional(),
  /** SES message tags, each a list of values: ours carry contact, send, template, journey, step, topic. */
  tags: z.record(z.string(), z.array(z.string())).default({}),
});

export const SesEventDetail = z.discriminatedUnion('eventType', [
  z.object({ eventType: z.literal('Send'), mail: Mail }),
  z.object({
    eventType: z.literal('Bounce'),
    mail: Mail,
    bounce: z.object({
      bounceType: z.enum(['Permanent', 'Transient', 'Undetermined']),
      bounceSubType: z.string().optional(),
      timestamp: z.string().optional(),
    }),
  }),
  z.object({
    eventType: z.literal('Complaint'),
    mail: Mail,
    complaint: z.object({ complaintFeedbackType: z.string().optional(), timestamp: z.string().optional() }),
  }),
  z.object({ eventType: z.literal('Delivery'), mail: Mail, delivery: z.object({ timestamp: z.string().optional() }) }),
  z.object({ eventType: z.literal('Reject'), mail: Mail, reject: z.object({ reason: z.string().optional() }) }),
  z.object({ eventType: z.literal('Rendering Failure'), mail: Mail }),
  z.object({
    eventType: z.literal('DeliveryDelay'),
    mail: Mail,
    deliveryDelay: z.object({ delayType: z.string().optional(), timestamp: z.string().optional() }),
  }),
]);
export type SesEventDetail = z.infer<typeof SesEventDetail>;

/** The EventBridge envelope. */
export const SesEventBridgeEvent = z.object({
  id: z.string().min(1),
  'detail-type': z.string(),
  source: z.literal('aws.ses'),
  time: z.iso.datetime(),
  detail: z.looseObject({ eventType: z.string() }),
});
export type SesEventBridgeEvent = z.infer<typeof SesEventBridgeEvent>;

/**
 * Event types Nurture ignores: it tracks opens and clicks itself. `Send` and `Rendering Failure` add nothing to
 * the timeline, but are read when they arrive, since they settle a send left in doubt (`settleDoubt`).
 */
export const IGNORED_SES_EVENTS = new Set(['Open', 'Click', 'Subscription']);

export type SesTimelineEvent =
  | { readonly type: 'email.delivered'; readonly data: Ref }
  | { readonly type: 'email.bounced'; readonly data: Ref & { bounceType: 'Permanent' | 'Transient' | 'Undetermined'; bounceSubType?: string; permanent: boolean } }
  | { readonly type: 'email.complained'; readonly data: Ref & { feedbackType?: string } }
  | { readonly type: 'email.rejected'; readonly data: Ref & { reason?: string } }
  | { readonly type: 'email.delivery_delayed'; readonly data: Ref & { delayType?: string } }
  | { readonly type: 'email.unsubscribed'; readonly data: { topic: 'all'; source: 'complaint'; messageId: string; templateId?: string } };

interface Ref {
  messageId: string;
  templateId: string;
  journeyId?: string;
  stepId?: string;
  topic?: string;
}

/** What one SES event does to a contact: timeline events, and for a hard bounce or complaint, suppression. */
export interface SesReaction {
  readonly contactId: string;
  readonly events: readonly SesTimelineEvent[];
  readonly suppress?: { readonly reason: 'bounce' | 'complaint'; readonly at: string };
  readonly subscriptions?: Readonly<Record<string, Subscription>>;
}

/**
 * The reaction to one SES event, or undefined when the email carries no contact tag (not sent by Nurture).
 * Permanent bounce: suppress (no email goes to a dead address again; the journeys engineer's rules exit journeys
 * on it). Complaint: suppress and unsubscribe from all marketing. Others are recorded only.
 */
export function reactToSesEvent(detail: SesEventDetail, at: string, contact?: Pick<Contact, 'suppressed'>): SesReaction | undefined {
  const tag = (name: string) => detail.mail.tags[name]?.[0];
  const contactId = tag('contact');
  if (!contactId) return undefined;
  const ref: Ref = {
    messageId: detail.mail.messageId,
    templateId: tag('template') ?? 'unknown',
    ...(tag('journey') ? { journeyId: tag('journey')! } : {}),
    ...(tag('step') ? { stepId: tag('step')! } : {}),
    ...(tag('topic') ? { topic: tag('topic')! } : {}),
  };
  const suppressed = contact?.suppressed;
  switch (detail.eventType) {
    case 'Send':
    case 'Rendering Failure':
      return { contactId, events: [] };
    case 'Delivery':
      return { contactId, events: [{ type: 'email.delivered', data: ref }] };
    case 'Bounce': {
      const permanent = detail.bounce.bounceType === 'Permanent';
      const bounce: SesTimelineEvent = {
        type: 'email.bounced',
        data: {
          ...ref,
          bounceType: detail.bounce.bounceType,
          ...(detail.bounce.bounceSubType ? { bounceSubType: detail.bounce.bounceSubType } : {}),
          permanent,
        },
      };
      return permanent
        ? { contactId, events: [bounce], suppress: suppressed ?? { reason: 'bounce', at } }
        : { contactId, events: [bounce] };
    }
    case 'Complaint':
      return {
        contactId,
        events: [
          {
            type: 'email.complained',
            data: { ...ref, ...(detail.complaint.complaintFeedbackType ? { feedbackType: detail.complaint.complaintFeedbackType } : {}) },
          },
          { type: 'email.unsubscribed', data: { topic: 'all', source: 'complaint', messageId: ref.messageId, templateId: ref.templateId } },
        ],
        suppress: suppressed ?? { reason: 'complaint', at },
        subscriptions: { all: { status: 'unsubscribed', at, source: 'complaint' } },
      };
    case 'Reject':
      return { contactId, events: [{ type: 'email.rejected', data: { ...ref, ...(detail.reject.reason ? { reason: detail.reject.reason } : {}) } }] };
    case 'DeliveryDelay':
      return {
        contactId,
        events: [{ type: 'email.delivery_delayed', data: { ...ref, ...(detail.deliveryDelay.delayType ? { delayType: detail.deliveryDelay.delayType } : {}) } }],
      };
  }
}

/** How a send left in doubt ends: SES took it, or SES refused it after accepting the call (`error` names why). */
export type DoubtSettled = { readonly status: 'sent' } | { readonly status: 'failed'; readonly error: string };

/**
 * What an SES event proves about a send whose claim is still `pending` (the sender died between SES and its
 * write): any event but a refusal means SES accepted the email (a bounce or complaint too: it went out); `Reject`
 * (SES found a virus) and `Rendering Failure` mean it never left. SES publishes events only for emails it
 * accepted, so every event settles the doubt one way.
 */
export function settleDoubt(detail: SesEventDetail): DoubtSettled {
  switch (detail.eventType) {
    case 'Send':
    case 'Delivery':
    case 'Bounce':
    case 'Complaint':
    case 'DeliveryDelay':
      return { status: 'sent' };
    case 'Reject':
      // SES's own reason ("Bad content"), never anything from the email.
      return { status: 'failed', error: detail.reject.reason ? `Reject: ${detail.reject.reason}`.slice(0, 200) : 'Reject' };
    case 'Rendering Failure':
      // Not its errorMessage: it may quote the template's data.
      return { status: 'failed', error: 'RenderingFailure' };
  }
}
