import * as z from 'zod';
import { checkGuards } from '../email/domain/guards';
import { contactVariables, type TemplateRenderer } from '../email/domain/render';
import type { EmailSettings } from '../email/domain/settings';
import type { EmailStore } from '../email/ports';
import { requireAccess } from '../access/authorizer-context';
import { BadRequest, HttpError, InvalidQuery, NotFound, ValidationFailed, annotate, httpHandler, json, type HttpEvent, type HttpResult } from '../shared/http';
import type { Clock } from '../shared/ids';
import type { Contact } from '../shared/contact';
import type { Logger } from '../shared/logger';
import type { Experiment } from '../experiments/domain/experiment-file';
import { fieldErrors } from '../shared/validation';
import { assign } from '../experiments/domain/assignment';
import { memberPlan } from './broadcast-experiment';
import { broadcastSendId } from './broadcast-step';
import { BroadcastDefinition, dueOf, FIRST_PROGRESS, inFlightOf, isTimeZone, NO_COUNTS, processedOf, startOf } from './domain/broadcast';
import { checkDefinition, type BroadcastCatalog } from './domain/check';
import type { Audience, BroadcastExecutions, BroadcastRecord, BroadcastStore, SegmentExists } from './ports';
import { checkSmsGuards, quietHoursEnd } from '../sms/domain/guards';
import { smsCost } from '../sms/domain/sms-prices';
import type { SmsSendDeps } from '../sms/send-sms';
import { countryOfPhone } from '../shared/phone-number';

/** Messages per second of an SMS broadcast that names no rate: what one US long code may send. */
export const SMS_DEFAULT_RATE = 1;

export interface BroadcastsApiDeps {
  readonly store: BroadcastStore;
  readonly audience: Audience;
  readonly executions: BroadcastExecutions;
  /** The email capability's reads (a dry run judges each member as a send would). */
  readonly emails: Pick<EmailStore, 'loadForSend'>;
  readonly renderer: TemplateRenderer;
  readonly settings: EmailSettings;
  readonly segmentExists: SegmentExists;
  /** The experiments of `content/experiments/` a broadcast may name. */
  readonly experiments: ReadonlyMap<string, Experiment>;
  /** The broadcasts of `content/broadcasts/` (`{ "file": "<id>" }`). */
  readonly files: ReadonlyMap<string, BroadcastDefinition>;
  /** Messages per second when a definition names no rate: the SES account's sending rate. */
  readonly defaultRate: number;
  /** The SMS capability's reads, templates and settings (a `channel: sms` dry run judges members as a send would). */
  readonly sms?: Pick<SmsSendDeps, 'store' | 'renderer' | 'settings'> & { readonly enabled: boolean };
  readonly clock: Clock;
  readonly logger: Logger;
}

/** `POST /broadcasts`: a definition, or a file's id; either with `dryRun`. */
const CreateRequest = z.union([
  z.strictObject({ file: z.string().min(1).max(64), dryRun: z.boolean().optional() }),
  BroadcastDefinition.extend({ dryRun: z.boolean().optional() }),
]);

/** `POST /broadcasts/{id}/winner`: the arm the rest of the audience gets, picked by hand. */
const PickRequest = z.strictObject({ arm: z.string().min(1).max(63) });

const ListQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(50), cursor: z.string().max(2_000).optional() });

/** Members a dry run judges one by one; a larger segment's counts are of its first members (`evaluated`). */
export const DRY_RUN_LIMIT = 10_000;
/** The links of a dry run's sample: a real one is signed per contact and send at send time. */
const SAMPLE_LINK = 'https://nurture.invalid/u/dry-run-sample';

/**
 * The broadcasts API (admin): `POST /broadcasts` (a definition or `{ file }`; `?dryRun=true` or `"dryRun": true`
 * answers the audience, the skips by reason and a rendered sample, writing nothing), `GET /broadcasts`,
 * `GET /broadcasts/{id}` (queued, sent, skipped by reason, failed, the rollout), `POST /broadcasts/{id}/cancel` and
 * `POST /broadcasts/{id}/winner` (a marketer's pick for an experiment's rollout).
 */
export const makeBroadcastsApi =
  (deps: BroadcastsApiDeps) =>
  async (event: HttpEvent): Promise<HttpResult> => {
    switch (event.routeKey) {
      case 'POST /broadcasts':
        return create(deps, event);
      case 'GET /broadcasts':
        return list(deps, event);
      case 'GET /broadcasts/{broadcastId}':
        return json(200, view(await found(deps, event)));
      case 'POST /broadcasts/{broadcastId}/cancel':
        return cancel(deps, event);
      case 'POST /broadcasts/{broadcastId}/winner':
        return pick(deps, event);
      default:
        throw new NotFound('No such route');
    }
  };

export function makeBroadcastsApiHandler(deps: BroadcastsApiDeps) {
  return httpHandler(makeBroadcastsApi(deps), {
    logger: deps.logger,
    responseHeaders: () => ({ 'cache-control': 'no-store' }),
    middlewares: [requireAccess()],
  });
}

async function create(deps: BroadcastsApiDeps, event: HttpEvent): Promise<HttpResult> {
  const body = parseBody(event);
  const parsed = CreateRequest.safeParse(body);
  if (!parsed.success) {
    // Report against the definition's schema: the `{ file }` form's errors would only confuse.
    const asDefinition = BroadcastDefinition.extend({ dryRun: z.boolean().optional() }).safeParse(body);
    const isFile = typeof body === 'object' && body !== null && 'file' in body;
    throw new ValidationFailed(fieldErrors(isFile || asDefinition.success ? parsed.error : asDefinition.error));
  }
  const dryRun = parsed.data.dryRun === true || event.queryStringParameters?.dryRun === 'true';
  let definition: BroadcastDefinition;
  if ('file' in parsed.data) {
    const file = deps.files.get(parsed.data.file);
    if (!file) throw new ValidationFailed([{ field: 'file', message: `no broadcast file "${parsed.data.file}" in content/broadcasts/` }]);
    definition = file;
  } else {
    const { dryRun: _dryRun, ...rest } = parsed.data;
    definition = rest;
  }
  const problems = checkDefinition(definition, catalogOf(deps));
  if (problems.length > 0) throw new ValidationFailed(problems);
  annotate(event, { broadcastId: definition.id, dryRun });

  const now = deps.clock.now();
  const sms = definition.channel === 'sms';
  const meta = sms ? undefined : deps.renderer.meta(definition.template);
  const topic = sms ? definition.topic : meta?.kind === 'marketing' ? (definition.topic ?? meta.topic) : undefined;
  if (dryRun) return json(200, sms ? await smsDryRunOf(deps, definition, topic, now) : await dryRunOf(deps, definition, topic, now));

  const record: BroadcastRecord = {
    id: definition.id,
    definition,
    status: 'queued',
    rate: definition.rate ?? (sms ? SMS_DEFAULT_RATE : deps.defaultRate),
    ...(topic ? { topic } : {}),
    audience: await deps.audience.count(definition.segment),
    startsAt: startsAtOf(definition, deps.experiments, now).toISOString(),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    executionName: definition.id,
    counts: NO_COUNTS,
    progress: FIRST_PROGRESS,
  };
  const created = await deps.store.create(record);
  if (created.type === 'Exists') {
    // The same definition again (a retried request) is the same broadcast; a different one under its id is not.
    if (JSON.stringify(created.record.definition) !== JSON.stringify(definition)) {
      throw new HttpError(409, 'broadcast_exists', `A different broadcast "${definition.id}" exists; broadcast ids are never reused`);
    }
    await deps.executions.start(created.record.executionName, { broadcastId: definition.id });
    return json(200, view(created.record));
  }
  await deps.executions.start(record.executionName, { broadcastId: definition.id });
  deps.logger.info('broadcast started', { broadcastId: definition.id, segment: definition.segment, audience: record.audience });
  return json(202, view(record));
}

/**
 * What the broadcast would do now, member by member as the step and the guards would decide it: eligible now,
 * due later (a later local hour, a send window not yet open), or skipped by reason. Reads only.
 */
async function dryRunOf(deps: BroadcastsApiDeps, definition: BroadcastDefinition, topic: string | undefined, now: Date) {
  const template = deps.renderer.meta(definition.template);
  const judged = topic && template.kind === 'marketing' ? { ...template, topic } : template;
  const startsAt = startOf(definition.when, now);
  const audience = await deps.audience.count(definition.segment);
  const skipped: Record<string, number> = {};
  const experiment = definition.experiment === undefined ? undefined : deps.experiments.get(definition.experiment);
  const split = experiment ? { id: experiment.id, arms: Object.fromEntries(experiment.arms.map((arm) => [arm.id, 0])) as Record<string, number>, holdout: 0, rest: 0 } : undefined;
  let eligible = 0;
  let later = 0;
  let sample: { contactId: string; subject: string; html: string; text: string } | undefined;

  const evaluated = await eachMember(deps, definition, skipped, (contactId, sendId) => deps.emails.loadForSend(contactId, sendId), ({ contactId, contact, state, zone }) => {
    const guard = checkGuards({ contact, template: judged, recent: state.recent, settings: deps.settings, now });
    if (guard.type === 'Skip') {
      skipped[guard.reason] = (skipped[guard.reason] ?? 0) + 1;
      return;
    }
    const plan = experiment ? memberPlan(experiment, definition.id, contactId) : undefined;
    if (split && experiment && plan) {
      const assignment = assign(experiment, contactId);
      if (assignment.type === 'holdout') {
        // Held out, in the test or the rest: sent nothing, so neither eligible nor later.
        split.holdout++;
        return;
      }
      if (plan.group === 'rest') split.rest++;
      else split.arms[assignment.arm] = (split.arms[assignment.arm] ?? 0) + 1;
    }
    const due = dueOf({
      when: definition.when,
      startsAt,
      createdAt: now,
      zone,
      ...(plan?.group === 'test' && plan.sendTime ? { sendTime: plan.sendTime } : {}),
      ...(plan?.group === 'rest' ? { delaySeconds: plan.delaySeconds } : {}),
    });
    if (due > now || guard.type === 'Defer') {
      later++;
    } else {
      eligible++;
    }
    if (!sample) {
      const rendered = deps.renderer.render(definition.template, {
        contact: contactVariables(contact),
        data: definition.data ?? {},
        links: { unsubscribe: SAMPLE_LINK, preferences: SAMPLE_LINK },
      });
      sample = { contactId, ...rendered };
    }
  });

  return {
    dryRun: true,
    id: definition.id,
    audience,
    evaluated,
    /** Would be sent if it started now. */
    eligible,
    /** Would be sent later: their local hour or send window has not come yet. */
    later,
    skipped,
    /** With an experiment: where the members not skipped land: its arms, the holdout (sent nothing), the rest after a rollout's test. */
    ...(split ? { experiment: split } : {}),
    startsAt: startsAt.toISOString(),
    sample: sample ?? null,
  };
}

/**
 * An SMS broadcast's dry run: each member judged by the SMS guards (a number, SMS consent for the topic, the
 * frequency cap shared with email, quiet hours), with the estimated cost of what would be sent and one rendered
 * text with its encoding and parts. The account's opt-out list is not read here: the send checks it.
 */
async function smsDryRunOf(deps: BroadcastsApiDeps, definition: BroadcastDefinition, topic: string | undefined, now: Date) {
  const sms = deps.sms;
  if (!sms) throw new HttpError(503, 'sms_unavailable', 'Text messages are not configured for broadcasts here');
  const startsAt = startOf(definition.when, now);
  const quiet = sms.settings.quietHours;
  const audience = await deps.audience.count(definition.segment);
  const skipped: Record<string, number> = {};
  let eligible = 0;
  let later = 0;
  let costUsd = 0;
  let sample: { contactId: string; text: string; encoding: string; parts: number; costUsd: number } | undefined;
  const evaluated = await eachMember(deps, definition, skipped, (contactId, sendId) => sms.store.loadForSend(contactId, sendId), ({ contactId, contact, state, zone }) => {
    const guard = checkSmsGuards({ contact, topic, optedOut: undefined, recent: state.recent, frequencyCap: sms.settings.frequencyCap, quietHours: quiet, timeZone: zone, now });
    if (guard.type === 'Skip') {
      skipped[guard.reason] = (skipped[guard.reason] ?? 0) + 1;
      return;
    }
    const due = dueOf({ when: definition.when, startsAt, createdAt: now, zone, ...(quiet ? { windowOpening: (at: Date, z: string) => quietHoursEnd(at, z, quiet) } : {}) });
    if (due > now || guard.type === 'Defer') later++;
    else eligible++;
    const rendered = sms.renderer.render(definition.template, contact, definition.data ?? {});
    const cost = smsCost(countryOfPhone(contact.phone!) ?? 'ZZ', rendered.parts.parts);
    costUsd += cost;
    sample ??= { contactId, text: rendered.text, encoding: rendered.parts.encoding, parts: rendered.parts.parts, costUsd: cost };
  });

  return {
    dryRun: true,
    id: definition.id,
    channel: 'sms',
    audience,
    evaluated,
    eligible,
    /** Would be sent later: their local hour has not come, or it is quiet hours where they are. */
    later,
    skipped,
    /** What the members evaluated and not skipped would cost, at the dated SMS price file (an estimate). */
    estimatedCostUsd: Math.round(costUsd * 10_000) / 10_000,
    startsAt: startsAt.toISOString(),
    sample: sample ?? null,
  };
}

/**
 * Every member a dry run judges (the first {@link DRY_RUN_LIMIT}), its state loaded as its send would load it, with
 * its zone (its `time_zone`, else the broadcast's, else the send window's); a member without a profile is counted
 * `no_contact`. Returns how many were evaluated.
 */
async function eachMember<S extends { readonly contact?: Contact }>(
  deps: BroadcastsApiDeps,
  definition: BroadcastDefinition,
  skipped: Record<string, number>,
  load: (contactId: string, sendId: string) => Promise<S>,
  judge: (member: { readonly contactId: string; readonly contact: Contact; readonly state: S; readonly zone: string }) => void,
): Promise<number> {
  const fallbackZone = definition.time_zone ?? deps.settings.sendWindow.defaultTimeZone;
  let evaluated = 0;
  let cursor: string | undefined;
  do {
    const page = await deps.audience.page(definition.segment, Math.min(500, DRY_RUN_LIMIT - evaluated), cursor);
    cursor = page.cursor;
    const states = await mapLimited(page.contactIds, inFlightOf(1_000), (contactId) => load(contactId, broadcastSendId(definition.id, contactId)));
    states.forEach((state, i) => {
      evaluated++;
      const contact = state.contact;
      if (!contact) {
        skipped.no_contact = (skipped.no_contact ?? 0) + 1;
        return;
      }
      const stored = contact.attributes.time_zone;
      const zone = typeof stored === 'string' && isTimeZone(stored) ? stored : fallbackZone;
      judge({ contactId: page.contactIds[i]!, contact, state, zone });
    });
  } while (cursor && evaluated < DRY_RUN_LIMIT);
  return evaluated;
}

async function list(deps: BroadcastsApiDeps, event: HttpEvent): Promise<HttpResult> {
  const query = ListQuery.safeParse(event.queryStringParameters ?? {});
  if (!query.success) throw new InvalidQuery(fieldErrors(query.error));
  let page;
  try {
    page = await deps.store.list(query.data.limit, query.data.cursor);
  } catch (error) {
    if (query.data.cursor && error instanceof SyntaxError) throw new InvalidQuery([{ field: 'cursor', message: 'not a cursor this API returned' }]);
    throw error;
  }
  return json(200, {
    broadcasts: page.items.map(view),
    ...(page.cursor ? { cursor: page.cursor } : {}),
    files: [...deps.files.keys()],
  });
}

async function cancel(deps: BroadcastsApiDeps, event: HttpEvent): Promise<HttpResult> {
  const id = idOf(event);
  const outcome = await deps.store.cancel(id, deps.clock.now());
  if (!outcome) throw new NotFound(`No broadcast "${id}"`);
  if (!outcome.cancelled && outcome.record.status !== 'cancelled') {
    throw new HttpError(409, 'broadcast_ended', `Broadcast "${id}" has already ended (${outcome.record.status})`);
  }
  // The step stops at its next page by itself; stopping the execution also ends a wait for a later local hour.
  await deps.executions.stop(outcome.record.executionName);
  if (outcome.cancelled) deps.logger.info('broadcast cancelled', { broadcastId: id, sent: outcome.record.counts.sent });
  return json(200, view(outcome.record));
}

async function pick(deps: BroadcastsApiDeps, event: HttpEvent): Promise<HttpResult> {
  const record = await found(deps, event);
  const body = PickRequest.safeParse(parseBody(event));
  if (!body.success) throw new ValidationFailed(fieldErrors(body.error));
  const experiment = record.definition.experiment === undefined ? undefined : deps.experiments.get(record.definition.experiment);
  if (!experiment?.rollout) throw new HttpError(409, 'no_rollout', `Broadcast "${record.id}" runs no experiment with a rollout: there is no rest of the audience to send a winner`);
  const arms = experiment.arms.map((arm) => arm.id);
  if (!arms.includes(body.data.arm)) throw new ValidationFailed([{ field: 'arm', message: `"${body.data.arm}" is not an arm of ${experiment.id} (${arms.join(', ')})` }]);
  const outcome = await deps.store.pick(record.id, body.data.arm, deps.clock.now());
  if (!outcome) throw new NotFound(`No broadcast "${record.id}"`);
  if (outcome.type === 'Decided') throw new HttpError(409, 'rollout_decided', `The rollout of "${record.id}" was decided already (${outcome.record.rollout?.arm})`);
  deps.logger.info('broadcast winner picked', { broadcastId: record.id, experimentId: experiment.id, arm: body.data.arm });
  return json(200, view(outcome.record));
}

/**
 * The first moment a broadcast may send: `startOf`, or for a local-hour broadcast the earliest local hour of its
 * experiment's arms, whichever comes first (an arm at 09:00 of a 10:00 broadcast starts an hour earlier).
 */
function startsAtOf(definition: BroadcastDefinition, experiments: ReadonlyMap<string, Experiment>, now: Date): Date {
  const startsAt = startOf(definition.when, now);
  const experiment = definition.experiment === undefined ? undefined : experiments.get(definition.experiment);
  if (!('local_hour' in definition.when) || !experiment) return startsAt;
  const { date } = definition.when.local_hour;
  const hours = experiment.arms.flatMap((arm) => (arm.sendTime && 'localHour' in arm.sendTime ? [arm.sendTime.localHour] : []));
  return new Date(Math.min(startsAt.getTime(), ...hours.map((hour) => startOf({ local_hour: { date, hour } }, now).getTime())));
}

function parseBody(event: HttpEvent): unknown {
  try {
    return JSON.parse(event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? ''));
  } catch {
    throw new BadRequest('The body is not JSON', 'malformed_json');
  }
}

async function found(deps: BroadcastsApiDeps, event: HttpEvent): Promise<BroadcastRecord> {
  const id = idOf(event);
  const record = await deps.store.get(id);
  if (!record) throw new NotFound(`No broadcast "${id}"`);
  return record;
}

function idOf(event: HttpEvent): string {
  const id = event.pathParameters?.broadcastId ?? '';
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(id)) throw new NotFound(`No broadcast "${id}"`);
  return id;
}

/** A broadcast as the API shows it: `queued` is the audience not yet processed (members due later included). */
export function view(record: BroadcastRecord) {
  const { definition, counts } = record;
  return {
    id: record.id,
    name: definition.name,
    channel: definition.channel ?? 'email',
    template: definition.template,
    segment: definition.segment,
    ...(record.topic ? { topic: record.topic } : {}),
    when: definition.when,
    rate: record.rate,
    status: record.status,
    audience: record.audience,
    queued: record.status === 'queued' || record.status === 'sending' ? Math.max(0, record.audience - processedOf(counts)) : 0,
    sent: counts.sent,
    skipped: counts.skipped,
    failed: counts.failed,
    pass: record.progress.pass,
    ...(definition.experiment ? { experiment: definition.experiment } : {}),
    ...(record.picked ? { picked: record.picked } : {}),
    ...(record.rollout ? { rollout: record.rollout } : {}),
    createdAt: record.createdAt,
    startsAt: record.startsAt,
    ...(record.finishedAt ? { finishedAt: record.finishedAt } : {}),
    ...(record.error ? { error: record.error } : {}),
  };
}

function catalogOf(deps: BroadcastsApiDeps): BroadcastCatalog {
  return {
    template: (id) => {
      if (!deps.renderer.has(id)) return undefined;
      const meta = deps.renderer.meta(id);
      return meta.kind === 'marketing' ? { kind: meta.kind, topic: meta.topic } : { kind: meta.kind };
    },
    topics: deps.settings.topics.map((topic) => topic.id),
    sendWindow: deps.settings.sendWindow,
    segmentExists: deps.segmentExists,
    smsTemplate: (id) => deps.sms?.renderer.has(id) ?? false,
    ...(deps.sms?.settings.quietHours ? { quietHours: deps.sms.settings.quietHours } : {}),
    experiment: (id) => deps.experiments.get(id),
  };
}

/** `each` over `items`, `limit` at a time, results in order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, each: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await each(items[index]!);
      }
    }),
  );
  return results;
}
