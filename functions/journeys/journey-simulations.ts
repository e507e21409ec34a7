import * as z from 'zod';
import type { SimulatedContact} from '../../lib/journeys/simulator';
import { InvalidSimulatedContact, SimulatedEvent, parseSimulatedContact, simulate, type SimulationResult } from '../../lib/journeys/simulator';
import type { TemplateRenderer } from '../email/domain/render';
import { contactVariables } from '../email/domain/render';
import { awsPrices, sesCost } from '../reports/domain/aws-prices';
import { PRICED_ON as SMS_PRICED_ON } from '../sms/domain/sms-prices';
import type { Contact } from '../shared/contact';
import type { StageRank } from '../shared/conditions';
import { parseDuration } from '../shared/durations';
import { BadRequest, NotFound, ValidationFailed, json, type HttpEvent, type HttpResult } from '../shared/http';
import type { Clock } from '../shared/ids';
import { fieldErrors, type FieldError } from '../shared/validation';
import type { Journey } from './domain/journey-file';
import type { JourneyStore } from './ports';

export interface SimulationDeps {
  readonly store: Pick<JourneyStore, 'contact' | 'memberSegments'>;
  /** Renders each email's subject for the simulated contact, as the send step would. */
  readonly renderer: TemplateRenderer;
  readonly clock: Clock;
  readonly stageRank?: StageRank;
}

/** `POST /journeys/{journeyId}/simulations`: the CLI's `simulate` arguments as a body. */
export const SimulationRequest = z
  .strictObject({
    /** The contact as `npm run journey -- simulate --contact` takes it (lib/journeys/simulator.ts). */
    contact: z.record(z.string(), z.unknown()).optional(),
    /** Simulate with a stored contact's profile (attributes, stage, tags, score, consent, segments). */
    contactId: z.string().min(1).max(64).optional(),
    /** Scripted events, as `--events` takes them: `{ "at": "+2d", "event": "Demo Booked" }` or `{ "at", "type", "data" }`. */
    events: z.array(z.unknown()).max(200).default([]),
    /** The start (trigger) time. @default now */
    start: z.iso.datetime({ offset: true }).optional(),
  })
  .refine((body) => !(body.contact && body.contactId), { message: 'give either contact or contactId, not both', path: ['contactId'] });
export type SimulationRequest = z.infer<typeof SimulationRequest>;

const MAX_BODY_BYTES = 64 * 1024;

/** One state the simulated contact passes through, with what happens there. */
interface PathEntry {
  readonly at: string;
  readonly offsetSeconds: number;
  /** Seconds until the next state (a wait's duration); 0 for the last. */
  readonly durationSeconds: number;
  readonly state: string;
  /** The journey step the state belongs to; absent for the compiler's own states. */
  readonly stepId?: string;
  readonly kind: Journey['steps'][number]['type'] | 'internal';
  readonly note?: string;
  readonly email?: { readonly templateId: string; readonly subject: string; readonly costUsd: number; readonly experiment?: unknown };
  readonly skippedEmail?: { readonly templateId: string; readonly reason: string };
  readonly branch?: { readonly reason: string };
  readonly handOff?: { readonly reason?: string };
  readonly webhook?: { readonly url: string };
}

/** Runs the journey's simulator for a contact given in the body or stored, and answers its path, emails and cost. */
export async function simulateJourney(deps: SimulationDeps, journey: Journey, event: HttpEvent): Promise<HttpResult> {
  const body = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
  if (Buffer.byteLength(body) > MAX_BODY_BYTES) throw new BadRequest(`The body is larger than ${MAX_BODY_BYTES} bytes`, 'payload_too_large');
  let raw: unknown;
  try {
    raw = body.trim() === '' ? {} : JSON.parse(body);
  } catch {
    throw new BadRequest('The body is not valid JSON', 'malformed_json');
  }
  const parsed = SimulationRequest.safeParse(raw);
  if (!parsed.success) throw new ValidationFailed(fieldErrors(parsed.error, '(body)'));
  const request = parsed.data;
  const start = request.start ? new Date(request.start) : deps.clock.now();

  const notes: string[] = [];
  let contact: Record<string, unknown>;
  if (request.contactId) {
    const stored = await deps.store.contact(request.contactId);
    if (!stored) throw new NotFound(`There is no contact "${request.contactId.slice(0, 64)}"`);
    contact = simulatedFrom(stored, await deps.store.memberSegments(stored.contactId));
    if (stored.suppressed) notes.push(`the contact is suppressed (${stored.suppressed.reason}): a real run would send it no email`);
  } else {
    contact = request.contact ?? {};
  }
  const errors = [...contactErrors(contact, request.contactId ? 'contactId' : 'contact'), ...eventErrors(request.events)];
  if (errors.length) throw new ValidationFailed(errors);

  const result = await simulate(journey, { contact, events: request.events as SimulatedEvent[], start, ...(deps.stageRank ? { stageRank: deps.stageRank } : {}) });
  const variables = contactVariables(asRenderable(parseSimulatedContact(contact)));
  const subjectOf = (templateId: string) => {
    try {
      return deps.renderer.render(templateId, { contact: variables, data: {}, links: PREVIEW_LINKS }).subject;
    } catch {
      return deps.renderer.has(templateId) ? deps.renderer.meta(templateId).subject : templateId;
    }
  };
  const emails = result.emails.map((e) => ({ ...e, subject: subjectOf(e.templateId), costUsd: sesCost(1) }));
  const sent = result.texts.filter((text) => text.skipped === undefined);
  return json(200, {
    journeyId: result.journeyId,
    startedAt: result.startedAt,
    status: result.status,
    ...(result.exit ? { exit: result.exit } : {}),
    contact: request.contactId ? { source: 'stored', contactId: request.contactId } : { source: 'request' },
    path: pathOf(journey, result, emails),
    emails,
    skipped: result.skipped,
    // Each text with its encoding, parts and estimated cost (sms-prices.ts, dated), and the texts skipped and why.
    texts: result.texts,
    handOffs: result.handOffs,
    webhooks: result.webhooks,
    cost: {
      estimate: true,
      emails: emails.length,
      sesUsd: sesCost(emails.length),
      pricedOn: awsPrices.pricedOn,
      region: awsPrices.region,
      texts: sent.length,
      smsUsd: Math.round(sent.reduce((sum, text) => sum + (text.costUsd ?? 0), 0) * 10_000) / 10_000,
      smsPricedOn: SMS_PRICED_ON,
    },
    notes,
  });
}

/** Links the subject render needs; subjects never show them. */
const PREVIEW_LINKS = { unsubscribe: 'https://preview.invalid/u', preferences: 'https://preview.invalid/u' };

/** A stored profile as the simulator's contact: what its rules read (never the consent evidence or touches). */
function simulatedFrom(contact: Contact, segments: readonly string[]): Record<string, unknown> {
  const statuses = new Set(['subscribed', 'unsubscribed', 'pending']);
  return {
    contactId: contact.contactId,
    email: contact.email,
    attributes: contact.attributes,
    ...(contact.stage ? { stage: contact.stage } : {}),
    ...(contact.tags ? { tags: contact.tags } : {}),
    ...(contact.score ? { score: { fit: contact.score.fit, behaviour: contact.score.behaviour, total: contact.score.total } } : {}),
    ...(contact.subscriptions
      ? { subscriptions: Object.fromEntries(Object.entries(contact.subscriptions).filter(([, s]) => statuses.has(s.status)).map(([topic, s]) => [topic, { status: s.status }])) }
      : {}),
    segments,
  };
}

function asRenderable(contact: z.infer<typeof SimulatedContact>): Contact {
  return { contactId: contact.contactId, email: contact.email, attributes: contact.attributes } as Contact;
}

function contactErrors(contact: Record<string, unknown>, field: string): FieldError[] {
  try {
    parseSimulatedContact(contact);
    return [];
  } catch (error) {
    if (error instanceof InvalidSimulatedContact) return [{ field, message: error.message }];
    throw error;
  }
}

/** Each scripted event's shape and time, named by its index (`events.2.at`), before the simulator runs. */
function eventErrors(events: readonly unknown[]): FieldError[] {
  return events.flatMap((raw, index) => {
    const parsed = SimulatedEvent.safeParse(raw);
    if (!parsed.success) return fieldErrors(parsed.error).map((e) => ({ field: `events.${index}${e.field === '(input)' ? '' : `.${e.field}`}`, message: e.message }));
    const { at } = parsed.data;
    const valid = at.startsWith('+') ? parseDuration(at.slice(1)) !== undefined : !Number.isNaN(Date.parse(at));
    return valid ? [] : [{ field: `events.${index}.at`, message: '"+<duration>" (e.g. +2d, +6h) or an ISO time' }];
  });
}

/** The simulator's path with each state's step, kind, duration and what happened there. */
function pathOf(journey: Journey, result: SimulationResult, emails: readonly { at: string; stepId: string; templateId: string; subject: string; costUsd: number; experiment?: unknown }[]): PathEntry[] {
  const stepOf = (state: string) => journey.steps.find((s) => state === s.id || state.startsWith(`${s.id}.`));
  return result.path.map((entry, i) => {
    const step = stepOf(entry.state);
    const next = result.path[i + 1];
    const own = step && entry.state === step.id;
    const email = own ? emails.find((e) => e.stepId === step.id && e.at === entry.at) : undefined;
    const skipped = own ? result.skipped.find((e) => e.stepId === step.id && e.at === entry.at) : undefined;
    const handOff = own ? result.handOffs.find((h) => h.stepId === step.id && h.at === entry.at) : undefined;
    const webhook = own ? result.webhooks.find((w) => w.stepId === step.id && w.at === entry.at) : undefined;
    return {
      at: entry.at,
      offsetSeconds: entry.offsetSeconds,
      durationSeconds: next ? next.offsetSeconds - entry.offsetSeconds : 0,
      state: entry.state,
      ...(step ? { stepId: step.id } : {}),
      kind: step?.type ?? 'internal',
      ...(entry.note ? { note: entry.note } : {}),
      ...(email ? { email: { templateId: email.templateId, subject: email.subject, costUsd: email.costUsd, ...(email.experiment ? { experiment: email.experiment } : {}) } } : {}),
      ...(skipped ? { skippedEmail: { templateId: skipped.templateId, reason: skipped.reason } } : {}),
      ...(own && step.type === 'branch' && entry.note ? { branch: { reason: entry.note } } : {}),
      ...(handOff ? { handOff: handOff.reason ? { reason: handOff.reason } : {} } : {}),
      ...(webhook ? { webhook: { url: webhook.url } } : {}),
    };
  });
}
