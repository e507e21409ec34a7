import * as z from 'zod';
import type { Contacts } from '../contacts/contacts';
import { checkUpsert, type UpsertRules } from '../contacts/domain/upsert';
import type { ContactUpserts } from '../contacts/upsert';
import { InvalidContact } from '../contacts/upsert-contact';
import type { TokenSource } from '../shared/admin-auth';
import { requireAccess } from '../access/authorizer-context';
import { EventName } from '../shared/events';
import { BadRequest, HttpError, InvalidQuery, NotFound, ValidationFailed, header, httpHandler, json, type HttpEvent, type HttpResult } from '../shared/http';
import { constantTimeEqual, timestampedSignature } from '../shared/hmac';
import { deterministicId, ulid, type Clock } from '../shared/ids';
import type { Logger } from '../shared/logger';
import { fieldErrors, type FieldError } from '../shared/validation';
import type { JourneyStarter } from './ports';
import type { StageRank } from '../shared/conditions';
import { mermaid } from './domain/diagram';
import type { Journey } from './domain/journey-file';
import { placeInWaits } from './domain/positions';
import { entryCheck } from './domain/rules';
import type { JourneyStore } from './ports';
import { singleLine } from '../shared/field-values';
import { START_STEP, type JourneyStepCounts } from './step-counts';
import type { TemplateRenderer } from '../email/domain/render';
import { renderer as shippedRenderer } from '../email/templates';
import type { Metrics } from '../reports/metrics';
import { DayRange, emailStepStats } from './email-step-stats';
import { journeyVersionStats } from './journey-version-stats';
import { simulateJourney } from './journey-simulations';

export interface JourneysApiDeps {
  readonly journeys: ReadonlyMap<string, Journey>;
  readonly contacts: Contacts;
  readonly store: JourneyStore;
  /** Contacts in each journey now, by step (the reports' gauge): never a scan of contacts. */
  readonly stepCounts: JourneyStepCounts;
  /** Stops executions (DELETE enrolment). */
  readonly executions: Pick<JourneyStarter, 'stop'>;
  /** Verifies the optional `Nurture-Signature` header of enrolment requests. */
  readonly signingSecret: TokenSource;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly stageRank?: StageRank;
  /**
   * The report counters, for each email step's sends, human clicks and unsubscribes and for each version's numbers in
   * `GET /journeys/{id}` (the `email` and `journeys.versions` items: never a scan). Without them, email steps carry no
   * `email` stats and the journey no `versions`.
   */
  readonly metrics?: Metrics;
  /** Renders the subjects of simulated sends. @default the shipped templates' renderer */
  readonly renderer?: TemplateRenderer;
  /**
   * Creates contacts for enrolments of unknown emails that ask for it (`"create": true`), through the contacts API's
   * upsert (functions/contacts): the same checks, one transaction, a `contact.upserted` event. Without it, an
   * unknown email is never created.
   */
  readonly createContacts?: { readonly upserts: ContactUpserts; readonly rules: UpsertRules };
}

/** Text is cleaned as every stored single-line text is (no control or bidi characters, line breaks as spaces). */
const attributeValue = z.union([z.string().max(2_000).transform(singleLine), z.number(), z.boolean()]);
const EnrolledContact = z
  .strictObject({
    email: z.email().max(254).optional(),
    contactId: z.string().min(1).max(64).optional(),
    /** Set on the contact before the entry rules run. */
    attributes: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'attribute names are lower_snake_case'), attributeValue).default({}),
    /** Create the contact when no contact has this email (docs/journeys.md, "Enrolling someone new"). */
    create: z.boolean().default(false),
    /** Consent to state on a contact this request creates: `[{ topic, status, basis, source }]`. */
    consents: z.array(z.unknown()).max(20).optional(),
  })
  .refine((c) => (c.email === undefined) !== (c.contactId === undefined), 'give either email or contactId');
const EnrollmentRequest = z.union([
  z.strictObject({ contacts: z.array(EnrolledContact).min(1).max(100) }),
  EnrolledContact.transform((contact) => ({ contacts: [contact] })),
]);

type Result =
  | { readonly result: 'enrolled'; readonly contactId: string; readonly eventId: string }
  | { readonly result: 'already_enrolled'; readonly contactId: string }
  | { readonly result: 'not_eligible'; readonly contactId?: string; readonly reason: string }
  | { readonly result: 'invalid'; readonly errors: readonly FieldError[] };

class SignatureInvalid extends HttpError {
  override name = 'SignatureInvalid';
  constructor(reason: string) {
    super(401, 'invalid_signature', `The Nurture-Signature header is not valid: ${reason}`);
  }
}

/**
 * The journeys API for marketers' tools: enrol contacts (`POST /journeys/{id}/enrollments`), exit one
 * (`DELETE /journeys/{id}/enrollments/{contactId}`), and read the journeys (`GET /journeys[/{id}]`) with their
 * Mermaid diagrams, how many contacts are in them now (in total and by step), each email step's sends and clicks, the
 * live version and what a change does to the contacts inside (`version`, `onChange`) and, for one journey, each
 * version's entries, ends, moves and contacts now (`versions`, over the same `from`–`to` as the email stats), and simulate a journey for a contact (`POST /journeys/{id}/simulations`) without sending anything. An enrolment
 * is answered per contact; the reactor then starts the execution from the `journey.enrollment_requested` event, so
 * the entry rules live in one place.
 */
export const makeJourneysApi =
  (deps: JourneysApiDeps) =>
  async (event: HttpEvent): Promise<HttpResult> => {
    switch (event.routeKey) {
      case 'GET /journeys': {
        const active = await deps.stepCounts.active();
        return json(200, { journeys: [...deps.journeys.values()].map((journey) => summary(journey, placeInWaits(journey, active.get(journey.id) ?? {}))) });
      }
      case 'GET /journeys/{journeyId}': {
        const journey = journeyOf(deps, event);
        const range = DayRange.safeParse(event.queryStringParameters ?? {});
        if (!range.success) throw new InvalidQuery(fieldErrors(range.error));
        const { from, to } = range.data.resolve(deps.clock.now());
        const [counts, stats, versions] = await Promise.all([
          deps.stepCounts.active().then((active) => placeInWaits(journey, active.get(journey.id) ?? {})),
          deps.metrics ? emailStepStats(deps.metrics, journey, from, to) : undefined,
          deps.metrics ? journeyVersionStats(deps.metrics, journey, from, to) : undefined,
        ]);
        const withCounts = summary(journey, counts);
        return json(200, {
          ...withCounts,
          ...(stats ? { emailStats: { from, to } } : {}),
          ...(versions ? { versions } : {}),
          steps: journey.steps.map((s) => ({ id: s.id, type: s.type, active: counts[s.id] ?? 0, ...(stats?.has(s.id) ? { email: stats.get(s.id) } : {}) })),
          activeAtStart: counts[START_STEP] ?? 0,
          definition: journey,
          mermaid: mermaid(journey),
        });
      }
      case 'POST /journeys/{journeyId}/enrollments':
        return enrol(deps, event);
      case 'POST /journeys/{journeyId}/simulations':
        return simulateJourney({ store: deps.store, renderer: deps.renderer ?? shippedRenderer, clock: deps.clock, ...(deps.stageRank ? { stageRank: deps.stageRank } : {}) }, journeyOf(deps, event), event);
      case 'DELETE /journeys/{journeyId}/enrollments/{contactId}':
        return exit(deps, event);
      default:
        throw new NotFound('No such route');
    }
  };

export function makeJourneysApiHandler(deps: JourneysApiDeps) {
  return httpHandler(makeJourneysApi(deps), {
    logger: deps.logger,
    responseHeaders: () => ({ 'cache-control': 'no-store' }),
    middlewares: [requireAccess()],
  });
}

async function enrol(deps: JourneysApiDeps, event: HttpEvent): Promise<HttpResult> {
  const journey = journeyOf(deps, event);
  if (!journey.triggers.some((t) => t.on === 'webhook')) {
    throw new HttpError(409, 'webhook_enrollment_disabled', `Journey "${journey.id}" has no webhook trigger`);
  }
  const body = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
  if (Buffer.byteLength(body) > 256 * 1024) throw new HttpError(413, 'payload_too_large', 'The body is larger than 256 KB');
  const signature = header(event, 'nurture-signature');
  if (signature !== undefined) verifySignature(signature, body, await deps.signingSecret(), deps.clock.now());

  const idempotencyKey = header(event, 'idempotency-key');
  if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,200}$/.test(idempotencyKey)) {
    throw new BadRequest('Idempotency-Key must be 1-200 visible ASCII characters', 'invalid_idempotency_key');
  }
  const scope = `enrollments#${journey.id}`;
  if (idempotencyKey) {
    const saved = await deps.store.savedResponse(scope, idempotencyKey);
    if (saved) return json(saved.status, saved.body, { 'idempotent-replayed': 'true' });
  }

  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new BadRequest('The body is not valid JSON', 'malformed_json');
  }
  const parsed = EnrollmentRequest.safeParse(raw);
  if (!parsed.success) throw new ValidationFailed(fieldErrors(parsed.error, '(body)'));

  const now = deps.clock.now();
  const requestKey = idempotencyKey ?? ulid(now.getTime());
  // A single contact (not a `contacts` list) that cannot be enrolled as asked gets a plain 404 or 400.
  const single = typeof raw === 'object' && raw !== null && !('contacts' in raw);
  const results: Result[] = [];
  for (const [index, request] of parsed.data.contacts.entries()) {
    const result = await enrolOne(deps, journey, request, `${requestKey}#${index}`, now);
    if (single && result.result === 'invalid') throw new InvalidContact(result.errors);
    if (single && result.result === 'not_eligible' && result.contactId === undefined && result.reason !== NO_CONTACT) {
      throw new HttpError(422, 'consent_required', result.reason);
    }
    if (single && result.result === 'not_eligible' && result.contactId === undefined) {
      throw new NotFound(
        deps.createContacts
          ? 'No contact has this email; send "create": true (with its attributes and consents) to create it'
          : 'No contact has this email',
      );
    }
    results.push(result);
  }
  const response = { status: 200, body: { journeyId: journey.id, results } };
  if (idempotencyKey) await deps.store.saveResponse(scope, idempotencyKey, response, now);
  deps.logger.info('enrolment request', { journeyId: journey.id, contacts: results.length, enrolled: results.filter((r) => r.result === 'enrolled').length });
  return json(response.status, response.body);
}

async function enrolOne(
  deps: JourneysApiDeps,
  journey: Journey,
  request: z.infer<typeof EnrolledContact>,
  key: string,
  now: Date,
): Promise<Result> {
  let contactId = request.contactId ?? (await deps.contacts.findIdByEmail(request.email!));
  let created = false;
  if (!contactId && request.email !== undefined && request.create && deps.createContacts) {
    const creation = await createContact(deps.createContacts, journey, request, now);
    if ('errors' in creation) return { result: 'invalid', errors: creation.errors };
    if ('erased' in creation) return { result: 'not_eligible', reason: creation.erased };
    contactId = creation.contactId;
    created = true;
  }
  if (!contactId) return { result: 'not_eligible', reason: NO_CONTACT };
  if (!created && Object.keys(request.attributes).length > 0) {
    const updated = await deps.store.updateContact(
      contactId,
      { journeyId: journey.id, set: request.attributes, cleared: [], addedTags: [], removedTags: [] },
      deterministicId(now, `attributes#${journey.id}#${key}`),
      now.toISOString(),
    );
    if (updated === 'NoSuchContact') return { result: 'not_eligible', contactId, reason: 'no such contact' };
  }
  const contact = await deps.store.contact(contactId);
  if (!contact) return { result: 'not_eligible', contactId, reason: 'no such contact' };
  const membership = await deps.store.membership(contactId, journey.id);
  const asksSegments = [...journey.entry.where, ...journey.goals].some((c) => 'subject' in c && c.subject === 'segments');
  const segments = asksSegments ? await deps.store.memberSegments(contactId) : [];
  const eligibility = entryCheck(journey, contact, membership, now.toISOString(), deps.stageRank, segments);
  if (eligibility.type === 'AlreadyEnrolled') return { result: 'already_enrolled', contactId };
  if (eligibility.type === 'NotEligible') return { result: 'not_eligible', contactId, reason: eligibility.reason };
  const eventId = deterministicId(now, `enrol#${journey.id}#${key}`);
  await deps.store.append({
    eventId,
    contactId,
    occurredAt: now.toISOString(),
    type: EventName.JourneyEnrollmentRequested,
    data: { journeyId: journey.id, source: 'webhook' },
  });
  return { result: 'enrolled', contactId, eventId };
}

const NO_CONTACT = 'no contact with this email';

/** Creates the contact of an enrolment (attributes typed and consent stated as `PUT /contacts` takes them). */
async function createContact(
  create: NonNullable<JourneysApiDeps['createContacts']>,
  journey: Journey,
  request: z.infer<typeof EnrolledContact>,
  now: Date,
): Promise<{ contactId: string } | { errors: readonly FieldError[] } | { erased: string }> {
  const check = checkUpsert({ email: request.email, attributes: request.attributes, consents: request.consents ?? [] }, create.rules);
  if (check.type === 'Invalid') return { errors: check.errors };
  const outcome = await create.upserts.upsert(check.request, { via: 'enrollment', journeyId: journey.id }, now);
  switch (outcome.type) {
    case 'Erased':
      return { erased: outcome.message };
    case 'Conflict':
    case 'NotFound':
    case 'KeyReused':
      // No external id and no idempotency key are passed here, so these cannot happen.
      throw new Error(`creating an enrolment's contact was refused: ${outcome.type}`);
    default:
      return { contactId: outcome.contactId };
  }
}

async function exit(deps: JourneysApiDeps, event: HttpEvent): Promise<HttpResult> {
  const journey = journeyOf(deps, event);
  const contactId = event.pathParameters?.contactId ?? '';
  const membership = contactId ? await deps.store.membership(contactId, journey.id) : undefined;
  if (!membership || membership.status !== 'running') throw new NotFound(`The contact is not in journey "${journey.id}"`);
  await deps.executions.stop({ type: 'StopJourney', journeyId: journey.id, executionName: membership.executionName, reason: 'exited through the API' });
  const now = deps.clock.now();
  await deps.store.finish(contactId, journey.id, membership.executionName, 'exited', {
    eventId: `${membership.executionName}.exit.api`,
    contactId,
    occurredAt: now.toISOString(),
    type: EventName.JourneyExited,
    data: { journeyId: journey.id, executionName: membership.executionName, reason: 'api', detail: 'DELETE enrolment' },
  });
  return json(200, { journeyId: journey.id, contactId, result: 'exited' });
}

function journeyOf(deps: JourneysApiDeps, event: HttpEvent): Journey {
  const id = event.pathParameters?.journeyId ?? '';
  const journey = deps.journeys.get(id);
  if (!journey) throw new NotFound(`There is no journey "${id.slice(0, 100)}"`);
  return journey;
}

function summary(journey: Journey, counts: Readonly<Record<string, number>>) {
  return {
    id: journey.id,
    name: journey.name,
    description: journey.description,
    topic: journey.topic,
    triggers: journey.triggers.map((t) => t.on),
    steps: journey.steps.map((s) => ({ id: s.id, type: s.type })),
    /** The live version (new entries start on it): the 8-hex hash of the compiled states. */
    version: journey.version,
    /** What a change of the file does to the contacts inside: `keep`, `migrate` (with `map`) or `drain`. */
    onChange: { policy: journey.on_change.policy, map: journey.on_change.map },
    /** Contacts in the journey now. */
    active: Object.values(counts).reduce((sum, n) => sum + n, 0),
  };
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, at most 5 minutes old. */
function verifySignature(headerValue: string, body: string, secret: string, now: Date): void {
  const parts = Object.fromEntries(headerValue.split(',').map((part) => part.trim().split('=') as [string, string]));
  const timestamp = Number(parts.t);
  if (!Number.isInteger(timestamp) || !parts.v1) throw new SignatureInvalid('expected t=<unix seconds>,v1=<hex>');
  if (Math.abs(now.getTime() / 1_000 - timestamp) > 300) throw new SignatureInvalid('the timestamp is more than 5 minutes off');
  const expected = Buffer.from(timestampedSignature(secret, timestamp, body), 'hex');
  if (!constantTimeEqual(Buffer.from(parts.v1, 'hex'), expected)) throw new SignatureInvalid('the signature does not match');
}
