import type { Contact, Subscription } from '../../shared/contact';
import { kindOf, type Item } from './contact-data';

/**
 * What the console's contact page shows about one person besides the timeline: consent per topic, stage, journeys,
 * segments, recent sends and the CRM link. Pure: the items of the contact's partition in, one document out; the rules of other capabilities (consent, journey positions) are handed in as functions.
 */
export interface ContactOverview {
  readonly contact: Contact;
  readonly consent: readonly ConsentRow[];
  readonly stage: { readonly id: string; readonly since?: string };
  readonly journeys: readonly JourneyRow[];
  readonly segments: readonly { readonly segmentId: string; readonly since: string }[];
  readonly sends: readonly SendRow[];
  readonly crm: { readonly provider: string; readonly crmId: string; readonly url?: string } | null;
}

export interface ConsentRow {
  readonly topic: string;
  readonly status: 'subscribed' | 'unsubscribed' | 'pending';
  readonly basis?: string;
  readonly source?: string;
  readonly at?: string;
}

export type JourneyStatus = 'active' | 'completed' | 'exited' | 'failed';

export interface JourneyRow {
  readonly journeyId: string;
  readonly status: JourneyStatus;
  /** Where an active contact is: the step it waits in, or the last step it marked (see the journeys' positions). */
  readonly step?: string;
  readonly enteredAt: string;
  readonly endedAt?: string;
  readonly reason?: string;
}

export interface SendRow {
  readonly messageId?: string;
  readonly templateId: string;
  readonly journeyId?: string;
  readonly stepId?: string;
  readonly sentAt: string;
  /** `sent`, then what SES said last (`delivered`, `bounced`, `complained`, `rejected`); `skipped` for a guard's no. */
  readonly status: string;
  readonly opens: number;
  readonly clicks: number;
  /** Clicks not flagged as a link scanner's. */
  readonly humanClicks: number;
}

/** At most this many sends, newest first: the full history is in the timeline and the export. */
export const OVERVIEW_SENDS = 50;

export interface OverviewRules {
  /** The topics content/email.yaml declares, in its order. */
  readonly topics: readonly string[];
  /** A contact's effective consent for a topic (`all` unsubscribed wins): the email capability's rule. */
  readonly consentFor: (contact: Contact, topic: string) => ConsentRow['status'];
  /** The funnel's initial stage: a profile without a stage is there. */
  readonly initialStage: string;
  /**
   * The step a running contact is in, from the step it last marked (or `start`): the journeys' position rule.
   * Undefined when the journey is no longer shipped.
   */
  readonly stepAfter: (journeyId: string, markedStepId: string) => string | undefined;
  /** A link to the CRM record, when the provider's records have a known address. */
  readonly crmUrl?: (provider: string, crmId: string) => string | undefined;
}

const START = 'start';
const MARKS: ReadonlySet<string> = new Set(['email.sent', 'email.skipped', 'contact.updated']);
/** SES outcomes of a send, latest wins (a complaint arrives after the delivery). */
const OUTCOMES: Readonly<Record<string, string>> = {
  'email.delivered': 'delivered',
  'email.bounced': 'bounced',
  'email.complained': 'complained',
  'email.rejected': 'rejected',
};

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);
const dataOf = (item: Item): Record<string, unknown> =>
  item.data !== null && typeof item.data === 'object' ? (item.data as Record<string, unknown>) : {};

/** The overview of a contact from its parsed profile and the items of its partition. */
export function overviewOf(contact: Contact, partition: readonly Item[], rules: OverviewRules): ContactOverview {
  // Events oldest first: event ids are ULIDs, so the id order is the time order.
  const events = partition.filter((item) => kindOf(String(item.SK)) === 'event').sort((a, b) => String(a.SK).localeCompare(String(b.SK)));
  return {
    contact,
    consent: rules.topics.map((topic) => consentRow(contact, topic, rules)),
    stage: { id: contact.stage ?? rules.initialStage, ...(contact.stageChangedAt ? { since: contact.stageChangedAt } : {}) },
    journeys: journeysOf(partition, events, rules),
    segments: partition
      .filter((item) => String(item.SK).startsWith('SEG#') && item.member === true && text(item.segmentId) && text(item.since))
      .map((item) => ({ segmentId: String(item.segmentId), since: String(item.since) }))
      .sort((a, b) => b.since.localeCompare(a.since)),
    sends: sendsOf(events),
    crm: crmOf(contact, partition, rules),
  };
}

function consentRow(contact: Contact, topic: string, rules: OverviewRules): ConsentRow {
  const status = rules.consentFor(contact, topic);
  const all = contact.subscriptions?.all;
  // When the person left every topic, that record says why this one is off.
  const record: Subscription | undefined = all?.status === 'unsubscribed' ? all : contact.subscriptions?.[topic];
  return {
    topic,
    status,
    ...(record?.basis ? { basis: record.basis } : {}),
    ...(record?.source ? { source: record.source } : {}),
    ...(record?.at ? { at: record.at } : {}),
  };
}

function journeysOf(partition: readonly Item[], events: readonly Item[], rules: OverviewRules): JourneyRow[] {
  const memberships = partition.filter((item) => kindOf(String(item.SK)) === 'membership');
  const waits = partition.filter((item) => kindOf(String(item.SK)) === 'wait');
  return memberships
    .flatMap((item): JourneyRow[] => {
      const journeyId = text(item.journeyId);
      const enteredAt = text(item.enteredAt);
      if (!journeyId || !enteredAt) return [];
      const status = statusOf(item.status);
      const endedAt = text(item.endedAt);
      const reason = text(item.endReason);
      const step = status === 'active' ? stepOf(journeyId, String(item.executionName), enteredAt, events, waits, rules) : undefined;
      return [{ journeyId, status, ...(step ? { step } : {}), enteredAt, ...(endedAt ? { endedAt } : {}), ...(reason ? { reason } : {}) }];
    })
    .sort((a, b) => b.enteredAt.localeCompare(a.enteredAt));
}

function statusOf(stored: unknown): JourneyStatus {
  switch (stored) {
    case 'running':
      return 'active';
    case 'completed':
    case 'exited':
    case 'failed':
      return stored;
    default:
      return 'failed';
  }
}

/** A wait item names the step exactly; otherwise the last mark of this enrolment, moved on to the wait it sits in. */
function stepOf(journeyId: string, executionName: string, enteredAt: string, events: readonly Item[], waits: readonly Item[], rules: OverviewRules): string | undefined {
  const wait = waits.find((item) => item.executionName === executionName && text(item.stepId));
  if (wait) return String(wait.stepId);
  let marked = START;
  for (const event of events) {
    const data = dataOf(event);
    if (MARKS.has(String(event.type)) && data.journeyId === journeyId && String(event.occurredAt) >= enteredAt && text(data.stepId)) marked = String(data.stepId);
  }
  return rules.stepAfter(journeyId, marked);
}

/** Sends from their `email.sent` / `email.skipped` events, which carry what the console shows; tallies by message id. */
function sendsOf(events: readonly Item[]): SendRow[] {
  type Tally = { outcome?: string; opens: number; clicks: number; humanClicks: number };
  const byMessage = new Map<string, Tally>();
  for (const event of events) {
    const messageId = text(dataOf(event).messageId);
    if (!messageId) continue;
    const tally = byMessage.get(messageId) ?? { opens: 0, clicks: 0, humanClicks: 0 };
    const type = String(event.type);
    if (OUTCOMES[type]) tally.outcome = OUTCOMES[type];
    if (type === 'email.opened') tally.opens++;
    if (type === 'email.clicked') {
      tally.clicks++;
      if (dataOf(event).machine !== true) tally.humanClicks++;
    }
    byMessage.set(messageId, tally);
  }
  const rows: SendRow[] = [];
  for (const event of [...events].reverse()) {
    if (rows.length >= OVERVIEW_SENDS) break;
    const type = String(event.type);
    if (type !== 'email.sent' && type !== 'email.skipped') continue;
    const data = dataOf(event);
    const messageId = text(data.messageId);
    const tally: Tally = (messageId ? byMessage.get(messageId) : undefined) ?? { opens: 0, clicks: 0, humanClicks: 0 };
    const journeyId = text(data.journeyId);
    const stepId = text(data.stepId);
    rows.push({
      ...(messageId ? { messageId } : {}),
      templateId: String(data.templateId ?? ''),
      ...(journeyId ? { journeyId } : {}),
      ...(stepId ? { stepId } : {}),
      sentAt: String(event.occurredAt),
      status: type === 'email.skipped' ? 'skipped' : (tally.outcome ?? 'sent'),
      opens: tally.opens,
      clicks: tally.clicks,
      humanClicks: tally.humanClicks,
    });
  }
  return rows;
}

function crmOf(contact: Contact, partition: readonly Item[], rules: OverviewRules): ContactOverview['crm'] {
  const link = partition.find((item) => kindOf(String(item.SK)) === 'crmLink');
  const provider = contact.crm?.provider ?? text(link?.provider);
  const crmId = contact.crm?.id ?? text(link?.crmId);
  if (!provider || !crmId) return null;
  const url = rules.crmUrl?.(provider, crmId);
  return { provider, crmId, ...(url ? { url } : {}) };
}
