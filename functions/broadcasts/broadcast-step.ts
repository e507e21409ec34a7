import { setTimeout as sleep } from 'node:timers/promises';
import * as z from 'zod';
import { nextWindowOpening } from '../email/domain/guards';
import { EmailSendFailed } from '../email/ports';
import { sendEmail, type SendDeps } from '../email/send-email';
import { sendIdOf } from '../email/tokens';
import type { Experiment } from '../experiments/domain/experiment-file';
import { UnknownExperiment } from '../experiments/arm-for-send';
import { quietHoursEnd } from '../sms/domain/guards';
import { SmsSendFailed } from '../sms/ports';
import { sendSms, type SmsSendDeps } from '../sms/send-sms';
import { memberPlan, rolloutChoice, sendOf, type MemberPlan } from './broadcast-experiment';
import {
  addOutcomes,
  dueOf,
  inFlightOf,
  isTimeZone,
  pageSizeOf,
  PAGE_SECONDS,
  type BroadcastProgress,
  type MemberOutcome,
} from './domain/broadcast';
import { BroadcastNotFound, PageContended, type Audience, type BroadcastRecord, type BroadcastStore, type ExperimentDecisions } from './ports';

/** What the state machine hands the step (see lib/broadcasts/state-machine.ts). */
export const BroadcastStepInput = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('page'),
    broadcastId: z.string().min(1),
    /** `$$.State.EnteredTime`: the execution's clock (locally it runs ahead through waits). */
    now: z.iso.datetime({ offset: true }).optional(),
  }),
  z.object({
    action: z.literal('fail'),
    broadcastId: z.string().min(1),
    /** The Catch's error output: `{ Error, Cause }`. */
    error: z.object({ Error: z.string().optional() }).passthrough().optional(),
  }),
]);
export type BroadcastStepInput = z.infer<typeof BroadcastStepInput>;

/**
 * What the state machine does next: another page at once, wait (`waitSeconds` in AWS; the local engine reads
 * `until`), or end with the broadcast's status.
 */
export type BroadcastStepOutput =
  | { readonly next: 'page' }
  | { readonly next: 'wait'; readonly waitSeconds: number; readonly until: string }
  | { readonly next: 'end'; readonly status: BroadcastRecord['status'] };

export interface BroadcastStepDeps {
  readonly store: BroadcastStore;
  readonly audience: Audience;
  readonly send: SendDeps;
  /** Text messages, for `channel: sms` broadcasts; absent or not `enabled`, their members are skipped (`sms_disabled`). */
  readonly sms?: SmsSendDeps & { readonly enabled: boolean };
  /** The experiments of content/experiments, for broadcasts that name one. */
  readonly experiments: ReadonlyMap<string, Experiment>;
  /** An experiment's decision now, read once when a broadcast's rollout is due. */
  readonly decisions: ExperimentDecisions;
  /** Members per membership query. @default pageSizeOf(the broadcast's rate) */
  readonly pageSize?: number;
}

/** The send id of a broadcast's email to one contact: the same on every retry, pass and restart. */
export const broadcastSendId = (broadcastId: string, contactId: string) => sendIdOf('broadcast', broadcastId, contactId);

/**
 * The broadcast state machine's one task. `page` reads the next members from the stored cursor, sends those
 * due through the email capability's `sendEmail` (guards, exactly-once send record) at the broadcast's rate, and
 * commits the counts and the new cursor in one conditional write; `fail` records a failure the state machine
 * caught. Every answer is derived from the stored broadcast, so a retried, repeated or restarted step resumes
 * where the last commit left off, and a member's email has one send id whatever runs it.
 */
export const makeBroadcastStep =
  (deps: BroadcastStepDeps) =>
  async (raw: unknown): Promise<BroadcastStepOutput> => {
    const input = BroadcastStepInput.parse(raw);
    if (input.action === 'fail') {
      const now = deps.send.clock.now();
      const error = (input.error?.Error ?? 'Error').slice(0, 100);
      await deps.store.finish(input.broadcastId, 'failed', now, error);
      deps.send.logger.error('broadcast failed', { broadcastId: input.broadcastId, error });
      const record = await deps.store.get(input.broadcastId);
      return { next: 'end', status: record?.status ?? 'failed' };
    }
    return sendPage(input.broadcastId, input.now ? new Date(input.now) : deps.send.clock.now(), deps);
  };

async function sendPage(broadcastId: string, now: Date, deps: BroadcastStepDeps): Promise<BroadcastStepOutput> {
  let record = await deps.store.get(broadcastId);
  if (!record) throw new BroadcastNotFound(`no broadcast ${broadcastId}`);
  if (record.status === 'sent' || record.status === 'cancelled' || record.status === 'failed') return { next: 'end', status: record.status };
  if (record.status === 'queued') {
    const startsAt = new Date(record.startsAt);
    if (startsAt > now) return waitUntil(startsAt, now);
    if (!(await deps.store.markSending(broadcastId, now))) return sendPage(broadcastId, now, deps);
    record = { ...record, status: 'sending' };
  }

  const { definition, rate } = record;
  const settings = deps.send.settings;
  const sms = definition.channel === 'sms';
  const fallbackZone = definition.time_zone ?? settings.sendWindow.defaultTimeZone;
  const windowOpening = sms ? smsOpening(deps.sms) : deps.send.renderer.meta(definition.template).kind === 'marketing' ? (at: Date, zone: string) => nextWindowOpening(at, zone, settings.sendWindow) : undefined;
  const startsAt = new Date(record.startsAt);
  const createdAt = new Date(record.createdAt);
  const progress = record.progress;
  const upTo = progress.upTo ?? now.toISOString();
  const experiment = definition.experiment === undefined ? undefined : experimentOf(definition.experiment, deps);
  // The rest of the audience is due `after` the start at the earliest: decide its arm before this pass reaches it.
  if (experiment?.rollout && !record.rollout && Date.parse(upTo) >= startsAt.getTime() + experiment.rollout.after * 1_000) {
    const choice = rolloutChoice(experiment, await deps.decisions(experiment), record.picked?.arm);
    const recorded = await deps.store.recordRollout(broadcastId, { ...choice, at: now.toISOString() }, record.picked?.arm);
    // A pick landed meanwhile, or another attempt recorded it first: decide again from the stored broadcast.
    if (!recorded) return sendPage(broadcastId, now, deps);
    deps.send.logger.info('broadcast rollout decided', { broadcastId, experimentId: experiment.id, decision: choice.decision, arm: choice.arm });
    record = { ...record, rollout: { ...choice, at: now.toISOString() } };
  }
  const after = progress.after ? Date.parse(progress.after) : -Infinity;
  const send = { ...deps.send, clock: { now: () => now } };

  const pageSize = deps.pageSize ?? pageSizeOf(rate);
  const pacer = new Pacer(rate, inFlightOf(rate));
  let cursor = progress.cursor;
  let later = progress.later;
  let nextDue = progress.nextDue ? Date.parse(progress.nextDue) : Infinity;
  const outcomes: MemberOutcome[] = [];
  const started = performance.now();
  // Several membership pages per run when few of their members are due (a later pass of a local-hour broadcast):
  // reading is cheap, state transitions are not.
  do {
    const page = await deps.audience.page(definition.segment, pageSize, cursor);
    const zones = await deps.audience.timeZones(page.contactIds);
    const due: { contactId: string; plan?: MemberPlan }[] = [];
    for (const contactId of page.contactIds) {
      const stored = zones.get(contactId);
      const zone = stored && isTimeZone(stored) ? stored : fallbackZone;
      const plan = experiment ? memberPlan(experiment, broadcastId, contactId) : undefined;
      const shift = plan?.group === 'test' ? (plan.sendTime ? { sendTime: plan.sendTime } : {}) : plan ? { delaySeconds: plan.delaySeconds } : {};
      const at = dueOf({ when: definition.when, startsAt, createdAt, zone, ...shift, ...(windowOpening ? { windowOpening } : {}) }).getTime();
      if (at <= after) continue;
      if (at <= Date.parse(upTo)) {
        due.push({ contactId, ...(plan ? { plan } : {}) });
      } else {
        later++;
        nextDue = Math.min(nextDue, at);
      }
    }
    outcomes.push(
      ...(await pacer.run(due, (member) =>
        (sms ? sendText(member.contactId, record, fallbackZone, now, deps.sms) : sendOne(member.contactId, member.plan, experiment, record, send)).catch((error: unknown) => {
          if (error instanceof EmailSendFailed || error instanceof SmsSendFailed) return { type: 'failed' } as const;
          throw error;
        }),
      )),
    );
    cursor = page.cursor;
  } while (cursor && outcomes.length < pageSize && performance.now() - started < PAGE_SECONDS * 1_000);

  const passDone = !cursor;
  const nextProgress: BroadcastProgress = passDone
    ? later > 0
      ? { page: progress.page + 1, pass: progress.pass + 1, after: upTo, later: 0 }
      : { page: progress.page + 1, pass: progress.pass, after: upTo, later: 0 }
    : {
        page: progress.page + 1,
        pass: progress.pass,
        ...(progress.after ? { after: progress.after } : {}),
        upTo,
        cursor,
        later,
        ...(Number.isFinite(nextDue) ? { nextDue: new Date(nextDue).toISOString() } : {}),
      };
  const counts = addOutcomes(record.counts, outcomes);
  if (!(await deps.store.commitPage(broadcastId, progress.page, counts, nextProgress, now))) {
    // Another attempt of this page committed first (a retry after a lost answer): its result stands, and every
    // send this attempt made was answered from the records that attempt wrote.
    const current = await deps.store.get(broadcastId);
    if (!current || current.progress.page === progress.page) throw new PageContended(`page ${progress.page} of ${broadcastId} did not commit`);
    return sendPage(broadcastId, now, deps);
  }
  deps.send.logger.info('broadcast page sent', {
    broadcastId,
    page: progress.page,
    pass: progress.pass,
    members: outcomes.length,
    sent: counts.sent - record.counts.sent,
    later,
  });

  if (!passDone) return { next: 'page' };
  if (later > 0) return waitUntil(new Date(nextDue), now);
  if (await deps.store.finish(broadcastId, 'sent', now)) return { next: 'end', status: 'sent' };
  return { next: 'end', status: (await deps.store.get(broadcastId))?.status ?? 'sent' };
}

async function sendOne(
  contactId: string,
  plan: MemberPlan | undefined,
  experiment: Experiment | undefined,
  record: BroadcastRecord,
  deps: SendDeps,
): Promise<MemberOutcome> {
  // A held-out member goes through sendEmail too: it records `skipped: holdout`, the holdout's exposure.
  const variant = experiment && plan ? sendOf(experiment, plan, contactId, record.definition.template, record.rollout) : { templateId: record.definition.template };
  const outcome = await sendEmail(
    {
      contactId,
      ...variant,
      sendId: broadcastSendId(record.id, contactId),
      ...(record.topic ? { topic: record.topic } : {}),
      ...(record.definition.data ? { data: record.definition.data } : {}),
    },
    deps,
  );
  switch (outcome.outcome) {
    case 'sent':
      return { type: 'sent' };
    case 'skipped':
      return { type: 'skipped', reason: outcome.reason };
    // The send window closed while the pass was still sending (a pass longer than the window): see docs/broadcasts.md.
    case 'deferred':
      return { type: 'skipped', reason: 'window_closed' };
    case 'unconfirmed':
      return { type: 'skipped', reason: 'unconfirmed' };
  }
}

/** A member's text through the SMS capability's `sendSms`: the same guards and exactly-once record as a journey's. */
async function sendText(contactId: string, record: BroadcastRecord, timeZone: string, now: Date, deps: BroadcastStepDeps['sms']): Promise<MemberOutcome> {
  if (!deps?.enabled) return { type: 'skipped', reason: 'sms_disabled' };
  const outcome = await sendSms(
    {
      contactId,
      templateId: record.definition.template,
      sendId: broadcastSendId(record.id, contactId),
      ...(record.topic ? { topic: record.topic } : {}),
      timeZone,
      ...(record.definition.data ? { data: record.definition.data } : {}),
    },
    { ...deps, clock: { now: () => now } },
  );
  switch (outcome.outcome) {
    case 'sent':
      return { type: 'sent' };
    case 'skipped':
      return { type: 'skipped', reason: outcome.reason };
    // Quiet hours began while the pass was still sending (members are due outside them).
    case 'deferred':
      return { type: 'skipped', reason: 'quiet_hours' };
  }
}

/** When quiet hours around a moment end in a zone: an SMS broadcast's members are due outside them. */
function smsOpening(deps: BroadcastStepDeps['sms']): ((at: Date, zone: string) => Date | undefined) | undefined {
  const quiet = deps?.settings.quietHours;
  return quiet ? (at, zone) => quietHoursEnd(at, zone, quiet) : undefined;
}

function experimentOf(experimentId: string, deps: BroadcastStepDeps): Experiment {
  const experiment = deps.experiments.get(experimentId);
  if (!experiment) throw new UnknownExperiment(`no experiment "${experimentId}" in content/experiments`);
  return experiment;
}

function waitUntil(until: Date, now: Date): BroadcastStepOutput {
  return {
    next: 'wait',
    waitSeconds: Math.max(0, Math.ceil((until.getTime() - now.getTime()) / 1_000)),
    until: new Date(Math.ceil(until.getTime() / 1_000) * 1_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

/**
 * Starts sends no faster than `rate` per second, `inFlight` at a time, across the pages of one run. The first
 * failure stops new sends (those running finish) and is thrown once they have, so the page is retried whole.
 */
class Pacer {
  private readonly began = performance.now();
  private started = 0;

  constructor(
    private readonly rate: number,
    private readonly inFlight: number,
  ) {}

  async run<I, T>(items: readonly I[], each: (item: I) => Promise<T>): Promise<T[]> {
    const results = new Array<T>(items.length);
    let next = 0;
    let failure: { error: unknown } | undefined;
    const worker = async () => {
      while (!failure && next < items.length) {
        const index = next++;
        const slot = this.began + (this.started++ * 1_000) / this.rate;
        const delay = slot - performance.now();
        if (delay > 1) await sleep(delay);
        try {
          results[index] = await each(items[index]!);
        } catch (error) {
          failure ??= { error };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.inFlight, items.length) }, worker));
    if (failure) throw failure.error;
    return results;
  }
}
