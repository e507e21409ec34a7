import type { ReactorState as StateOf, Rule as RuleOf } from '../../reactor/domain/decisions';
import type { CountMetric, ReportsDecision, ReportsState, SaveReportState } from './decisions';

import { EventName } from '../../shared/events';
import { bucketOf } from '../../shared/hash';
import { metricValueSk } from '../../shared/keys';
import type { TimelineEvent } from '../../shared/timeline';
import { REMEMBERED_MESSAGES, type Attribution, type ReportState } from './report-state';

type ReactorState = StateOf<ReportsState>;
type Rule = RuleOf<ReportsState, ReportsDecision>;

/**
 * The report counters. Each is one item per day (`METRIC#<metric>#<shard>` / `<yyyy-mm-dd>`) whose attributes are
 * the counters of every dimension (`entered/mql`, `budget-router/nurture-1/nurture-1/sent`, …), so a report over
 * a date range reads O(days × shards) items, whatever the number of dimensions or contacts. Those dimensions are
 * bounded (stages, journeys, templates: what the content declares). A dimension whose values anyone may choose (a
 * lead's UTM source) is kept apart, one item per day and value (`leads.by.<dim>`), so no item grows with them.
 */
export const ReportMetric = {
  /** Per stage: `entered/<stage>`, `forward/<stage>`, `dropped/<stage>`, `time/<stage>/<duration bucket>`. */
  funnel: 'funnel',
  /**
   * Retired (stalled counts read it from the beginning of time): no longer written, still listed so a rebuild
   * deletes its old items. Was keyed by the day contacts entered a stage: `<stage>` = how many are still in it.
   */
  stageCohorts: 'funnel.in',
  /** One gauge item (SK `current`): `<stage>` = contacts in that stage now. */
  stageGauge: 'funnel.stages',
  /** Keyed by the day contacts LEFT a stage: `<stage>/<d>` = how many left it `d` whole UTC days after the day they entered it (`d` capped at {@link STAY_DAYS_CAP}). */
  stageStays: 'funnel.stays',
  /**
   * `new`, `reopened`, `stage/<stage>`, `stage/<stage>/journey/<id>`; attribution by source, medium, campaign and
   * form is in {@link leadsByMetric}'s items. Items written before those existed may also hold `new/<dim>/<value>`
   * and `stage/<stage>/<first|last>/<dim>/<value>`: `npm run reports -- rebuild` moves them into the per-value
   * items (until then, `by` rows miss those days).
   */
  leads: 'leads',
  /** `<journey>/<step>/<template>/<measure>`; `-` for a transactional or API send's journey and step. */
  email: 'email',
  /**
   * `<journey>/<step>/<template>/<measure>` of text messages (`-` outside a journey): `sent`, `parts`,
   * `costMicroUsd` (the send-time estimate, in millionths of a dollar), `skipped`, `delivered`, `failed`.
   */
  sms: 'sms',
  /** `entered/<j>`, `completed/<j>`, `failed/<j>`, `exited/<j>/<reason>`. */
  journeys: 'journeys',
  /** One gauge item (SK `current`): `<journey>/<step>` = contacts there now. */
  journeySteps: 'journeys.active',
  /**
   * Per journey and version (the compiled states' 8-hex hash, or {@link UNVERSIONED}): `<j>/<v>/entered`,
   * `<j>/<v>/completed`, `<j>/<v>/failed`, `<j>/<v>/exited/<reason>`, `<j>/<v>/migratedOut` (moved from that version
   * to the live one) and `<j>/<v>/migratedIn`. A version is a bounded dimension: one per deploy that changes the journey.
   */
  journeyVersions: 'journeys.versions',
  /** One gauge item (SK `current`): `<journey>/<version>` = contacts running on that version now. */
  journeyVersionGauge: 'journeys.versions.active',
  /** Keyed by the first day of a creation month: `b<0..10>` = that month's new leads by score bucket (tens). */
  leadScores: 'lead-scores',
} as const;

/**
 * Shards per report metric: only the hot ones are spread. Every email event writes `email`; every new lead writes
 * `funnel` (and its month item) and the `lead-scores` month item; every journey entry writes `journeys`. A daily
 * counter's shard is a hash of the event id (stable on a replay); readers sum the shards.
 */
export const REPORT_SHARDS: Readonly<Record<string, number>> = {
  [ReportMetric.email]: 4,
  [ReportMetric.funnel]: 4,
  [ReportMetric.leadScores]: 4,
  [ReportMetric.journeys]: 2,
  [ReportMetric.sms]: 2,
  [ReportMetric.journeySteps]: 2,
  [ReportMetric.journeyVersions]: 2,
  [ReportMetric.journeyVersionGauge]: 2,
  [ReportMetric.stageGauge]: 2,
  [ReportMetric.stageStays]: 4,
};
export const shardsOf = (metric: string): number => REPORT_SHARDS[metric.replace(/@month$/, '')] ?? 1;

/**
 * The dimensions a lead is attributed by: the UTM source, medium and campaign of a touch (open-ended: anyone
 * posting a form chooses them) and its form (bounded, but kept the same way so every `by` reads alike).
 */
export const LEAD_DIMENSIONS = ['source', 'medium', 'campaign', 'form'] as const;
export type LeadDimension = (typeof LEAD_DIMENSIONS)[number];

/**
 * A lead's attribution by one dimension: `leads.by.<dim>`, one item per day and value (`METRIC#leads.by.<dim>#0` /
 * `<yyyy-mm-dd>#<value>`, `keys.metricValue`, and per month), with `new` (new leads whose first touch had the value),
 * `stage/<stage>/first` and `stage/<stage>/last` (stage entries by the touch the contact had when it moved): at most
 * 1 + 2 × stages attributes, however many values a day brings.
 */
export const leadsByMetric = (dimension: LeadDimension): string => `leads.by.${dimension}`;

/**
 * Metrics also kept per month (`<metric>@month`, SK the month's first day), in the same transaction: the reports
 * that sum over a range read whole months from these, so a year is 12 items per shard instead of 365.
 */
export const MONTHLY_METRICS: ReadonlySet<string> = new Set([
  ReportMetric.funnel,
  ReportMetric.email,
  ReportMetric.journeys,
  ReportMetric.journeyVersions,
  ...LEAD_DIMENSIONS.map(leadsByMetric)]);
export const monthlyMetric = (metric: string): string => `${metric}@month`;

/** Every metric the report rule writes (monthly ones included): the counters a rebuild recomputes and replaces. */
export const REPORT_METRICS: ReadonlySet<string> = new Set([
  ...Object.values(ReportMetric),
  ...LEAD_DIMENSIONS.map(leadsByMetric),
  ...[...MONTHLY_METRICS].map(monthlyMetric),
]);

/** The SK of a gauge (a counter with no day). */
export const GAUGE_DAY = 'current';

/**
 * The version label of a journey run that began before journeys had versions (its `journey.entered` names none):
 * real versions are 8 hex digits, so the two never meet.
 */
export const UNVERSIONED = 'unversioned';

/** Upper bounds (hours) of the time-in-stage buckets; the last is open. */
export const DURATION_BUCKETS_HOURS = [1, 6, 24, 72, 168, 336, 720, 1_440, 2_160, 4_320, Infinity] as const;
export const SCORE_BUCKETS = 11;
/** Stays in a stage are counted to the day up to this many days (the longest `stalledDays` a report may ask for + 1); longer ones as this. */
export const STAY_DAYS_CAP = 366;

import { attr } from '../../shared/counter-attributes';
export { attr, parseAttr } from '../../shared/counter-attributes';

export const scoreBucket = (total: number): number => Math.max(0, Math.min(SCORE_BUCKETS - 1, Math.floor(total / 10)));
export const durationBucket = (hours: number): number => DURATION_BUCKETS_HOURS.findIndex((bound) => hours < bound);
export const monthStart = (day: string): string => `${day.slice(0, 7)}-01`;
/** Whole UTC days from one day (`yyyy-mm-dd`) to another. */
export const daysBetween = (from: string, to: string): number => Math.round((Date.parse(`${to}T00:00:00.000Z`) - Date.parse(`${from}T00:00:00.000Z`)) / 86_400_000);

export interface FunnelConfig {
  /** The stage new contacts start in. */
  readonly initialStage: string;
  /** A stage's rank in the funnel's order; undefined for side stages (recycled, disqualified). */
  readonly rankOf: (stage: string | undefined) => number | undefined;
}

/**
 * The reports' rule: turns one event into counter increments (one CountMetric per item, all of its dimensions in
 * `counts`, so no transaction touches an item twice) and the contact's new {@link ReportState}. Depends only on the
 * event, the contact's creation time and the report state, so replaying a timeline gives the live counters back.
 */
export function reportRule(config: FunnelConfig): Rule {
  return (state: ReactorState) => {
    const counts = new Counts(state.event.contactId, state.event.eventId);
    const before = state.reports;
    const next = before ? cloneState(before) : created(state, config, counts);
    apply(state.event, next, config, counts);
    const decisions: (CountMetric | SaveReportState)[] = counts.decisions();
    if (!before || JSON.stringify(before) !== JSON.stringify(next)) {
      decisions.push({ type: 'SaveReportState', contactId: state.event.contactId, state: next });
    }
    return decisions;
  };
}

function created({ contact }: ReactorState, config: FunnelConfig, counts: Counts): ReportState {
  const createdDay = contact.createdAt.slice(0, 10);
  counts.add(ReportMetric.leads, createdDay, 'new');
  counts.add(ReportMetric.funnel, createdDay, attr('entered', config.initialStage));
  counts.add(ReportMetric.stageGauge, GAUGE_DAY, attr(config.initialStage));
  counts.add(ReportMetric.leadScores, monthStart(createdDay), `b${scoreBucket(0)}`);
  return { createdDay, stage: config.initialStage, stageAt: contact.createdAt, scoreBucket: scoreBucket(0), messages: {}, opened: [], clicked: [], steps: {}, versions: {} };
}

function apply(event: TimelineEvent, state: ReportState, config: FunnelConfig, counts: Counts): void {
  const day = event.occurredAt.slice(0, 10);
  switch (event.type) {
    case EventName.FormSubmitted: {
      const { utm, formId } = event.data;
      const hasCampaign = Object.keys(utm).length > 0;
      const touch: Attribution = {
        source: dimensionValue(utm.utm_source) ?? (hasCampaign ? '(none)' : '(direct)'),
        medium: dimensionValue(utm.utm_medium) ?? (hasCampaign ? '(none)' : '(direct)'),
        campaign: dimensionValue(utm.utm_campaign) ?? '(none)',
        form: formId,
      };
      if (!state.first) {
        state.first = touch;
        for (const dim of LEAD_DIMENSIONS) counts.add(leadsByMetric(dim), state.createdDay, 'new', 1, touch[dim]);
      }
      if (hasCampaign || !state.last) state.last = touch;
      return;
    }
    case EventName.StageChanged: {
      const leaving = state.stage;
      const { to } = event.data;
      const hours = Math.max(0, Date.parse(event.occurredAt) - Date.parse(state.stageAt)) / 3_600_000;
      const [fromRank, toRank] = [config.rankOf(leaving), config.rankOf(to)];
      const forward = fromRank !== undefined && toRank !== undefined && toRank > fromRank;
      counts.add(ReportMetric.funnel, day, attr('entered', to));
      counts.add(ReportMetric.funnel, day, attr(forward ? 'forward' : 'dropped', leaving));
      counts.add(ReportMetric.funnel, day, attr('time', leaving, durationBucket(hours)));
      counts.add(ReportMetric.stageGauge, GAUGE_DAY, attr(leaving), -1);
      counts.add(ReportMetric.stageGauge, GAUGE_DAY, attr(to));
      counts.add(ReportMetric.stageStays, day, attr(leaving, Math.min(STAY_DAYS_CAP, Math.max(0, daysBetween(state.stageAt.slice(0, 10), day)))));
      counts.add(ReportMetric.leads, day, attr('stage', to));
      if (event.data.reopened) counts.add(ReportMetric.leads, day, 'reopened');
      for (const [which, touch] of [['first', state.first], ['last', state.last]] as const) {
        if (!touch) continue;
        for (const dim of LEAD_DIMENSIONS) counts.add(leadsByMetric(dim), day, attr('stage', to, which), 1, touch[dim]);
      }
      for (const journeyId of Object.keys(state.steps)) counts.add(ReportMetric.leads, day, attr('stage', to, 'journey', journeyId));
      const cause = event.data.causeEventId;
      if (cause && state.stageCause?.eventId === cause) state.stageCause.stages.push(to);
      else if (cause) state.stageCause = { eventId: cause, day, stages: [to], credited: Object.keys(state.steps) };
      state.stage = to;
      state.stageAt = event.occurredAt;
      return;
    }
    case EventName.ScoreChanged: {
      // The histogram is "score at the end of the creation month": moves after that month do not count.
      if (day.slice(0, 7) !== state.createdDay.slice(0, 7)) return;
      const bucket = scoreBucket(event.data.total);
      if (bucket === state.scoreBucket) return;
      counts.add(ReportMetric.leadScores, monthStart(state.createdDay), `b${state.scoreBucket}`, -1);
      counts.add(ReportMetric.leadScores, monthStart(state.createdDay), `b${bucket}`);
      state.scoreBucket = bucket;
      return;
    }
    case EventName.EmailSent: {
      const key = emailKey(event.data);
      counts.add(ReportMetric.email, day, attr(...key, 'sent'));
      remember(state, event.data.messageId, attr(...key));
      moveStep(state, event.data, counts);
      return;
    }
    case EventName.EmailDelivered:
      counts.add(ReportMetric.email, day, attr(...emailKey(event.data), 'delivered'));
      return;
    case EventName.EmailBounced:
      counts.add(ReportMetric.email, day, attr(...emailKey(event.data), event.data.permanent ? 'bounced' : 'softBounced'));
      return;
    case EventName.EmailComplained:
      counts.add(ReportMetric.email, day, attr(...emailKey(event.data), 'complained'));
      return;
    case EventName.EmailOpened:
    case EventName.EmailClicked: {
      const opened = event.type === EventName.EmailOpened;
      const key = emailKey(event.data);
      if (event.data.machine) {
        counts.add(ReportMetric.email, day, attr(...key, opened ? 'machineOpens' : 'machineClicks'));
        return;
      }
      counts.add(ReportMetric.email, day, attr(...key, opened ? 'opens' : 'clicks'));
      const seen = opened ? state.opened : state.clicked;
      if (seen.includes(event.data.messageId)) return;
      counts.add(ReportMetric.email, day, attr(...key, opened ? 'uniqueOpens' : 'uniqueClicks'));
      seen.push(event.data.messageId);
      if (seen.length > REMEMBERED_MESSAGES) seen.splice(0, seen.length - REMEMBERED_MESSAGES);
      return;
    }
    case EventName.EmailUnsubscribed: {
      const sent = event.data.messageId ? state.messages[event.data.messageId] : undefined;
      const key = sent ?? attr('-', '-', event.data.templateId ?? '-');
      counts.add(ReportMetric.email, day, `${key}/unsubscribed`);
      return;
    }
    case EventName.SmsSent: {
      const key = smsKey(event.data);
      counts.add(ReportMetric.sms, day, attr(...key, 'sent'));
      counts.add(ReportMetric.sms, day, attr(...key, 'parts'), event.data.parts);
      if (event.data.costUsd !== undefined) counts.add(ReportMetric.sms, day, attr(...key, 'costMicroUsd'), Math.round(event.data.costUsd * 1_000_000));
      moveStep(state, event.data, counts);
      return;
    }
    case EventName.SmsSkipped:
      counts.add(ReportMetric.sms, day, attr(...smsKey(event.data), 'skipped'));
      moveStep(state, event.data, counts);
      return;
    case EventName.SmsDelivered:
      counts.add(ReportMetric.sms, day, attr(...smsKey(event.data), 'delivered'));
      return;
    case EventName.SmsFailed:
      counts.add(ReportMetric.sms, day, attr(...smsKey(event.data), 'failed'));
      return;
    case EventName.EmailSkipped:
    case EventName.ContactUpdated:
      moveStep(state, event.data, counts);
      return;
    case EventName.JourneyEntered: {
      const { journeyId, triggerEventId } = event.data;
      counts.add(ReportMetric.journeys, day, attr('entered', journeyId));
      const cause = state.stageCause;
      if (cause?.eventId === triggerEventId && !cause.credited.includes(journeyId)) {
        for (const stage of cause.stages) counts.add(ReportMetric.leads, cause.day, attr('stage', stage, 'journey', journeyId));
        cause.credited.push(journeyId);
      }
      leaveStep(state, journeyId, counts);
      state.steps[journeyId] = 'start';
      counts.add(ReportMetric.journeySteps, GAUGE_DAY, attr(journeyId, 'start'));
      leaveVersion(state, journeyId, counts);
      const version = event.data.version ?? UNVERSIONED;
      counts.add(ReportMetric.journeyVersions, day, attr(journeyId, version, 'entered'));
      runOnVersion(state, journeyId, version, counts);
      return;
    }
    case EventName.JourneyMigrated: {
      const { journeyId, toVersion, stepId } = event.data;
      // The version its entry (or last move) was counted under; the event's own `fromVersion` only when the state
      // knows none (a run that began before per-version counts), so in and out always balance per version.
      const fromVersion = state.versions[journeyId] ?? event.data.fromVersion ?? UNVERSIONED;
      counts.add(ReportMetric.journeyVersions, day, attr(journeyId, fromVersion, 'migratedOut'));
      counts.add(ReportMetric.journeyVersions, day, attr(journeyId, toVersion, 'migratedIn'));
      leaveVersion(state, journeyId, counts);
      runOnVersion(state, journeyId, toVersion, counts);
      // It now waits at `stepId` of the live version: the step gauge follows, as a send moves it.
      if (state.steps[journeyId] === undefined) {
        state.steps[journeyId] = stepId;
        counts.add(ReportMetric.journeySteps, GAUGE_DAY, attr(journeyId, stepId));
      } else {
        moveStep(state, { journeyId, stepId }, counts);
      }
      return;
    }
    case EventName.JourneyExited: {
      const { journeyId, reason } = event.data;
      counts.add(ReportMetric.journeys, day, attr('exited', journeyId, reason));
      counts.add(ReportMetric.journeyVersions, day, attr(journeyId, versionOf(state, journeyId), 'exited', reason));
      leaveStep(state, journeyId, counts);
      leaveVersion(state, journeyId, counts);
      return;
    }
    case EventName.JourneyCompleted:
    case EventName.JourneyFailed: {
      const { journeyId } = event.data;
      const what = event.type === EventName.JourneyCompleted ? 'completed' : 'failed';
      counts.add(ReportMetric.journeys, day, attr(what, journeyId));
      counts.add(ReportMetric.journeyVersions, day, attr(journeyId, versionOf(state, journeyId), what));
      leaveStep(state, journeyId, counts);
      leaveVersion(state, journeyId, counts);
      return;
    }
    default:
      return;
  }
}

/** A surrogate without its other half (JSON may carry one: `"\ud800"`). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * A UTM value as a counter dimension: trimmed, lower-cased, at most 60 characters, so `Google` and `google ` count
 * together and a value's sort key stays short (`keys.metricValue`). A lone surrogate, which no key could hold
 * (URI-encoding it throws, and the reactor would fail every event of the contact), becomes U+FFFD; a cut through
 * an emoji drops its lone half.
 */
export function dimensionValue(value: string | undefined): string | undefined {
  const clean = value?.replace(LONE_SURROGATE, '\uFFFD').trim().toLowerCase().slice(0, 60).replace(/[\uD800-\uDBFF]$/, '');
  return clean ? clean : undefined;
}

const emailKey = (ref: { journeyId?: string; stepId?: string; templateId: string }): [string, string, string] => [
  ref.journeyId ?? '-',
  ref.stepId ?? '-',
  ref.templateId,
];

function remember(state: ReportState, messageId: string, key: string): void {
  state.messages[messageId] = key;
  const ids = Object.keys(state.messages);
  for (const old of ids.slice(0, Math.max(0, ids.length - REMEMBERED_MESSAGES))) delete state.messages[old];
}

/** A text message's counter key: journey, step and template (`-` where the event names none). */
function smsKey(data: { journeyId?: string; stepId?: string; templateId?: string }): [string, string, string] {
  return [data.journeyId ?? '-', data.stepId ?? '-', data.templateId ?? '-'];
}

function moveStep(state: ReportState, ref: { journeyId?: string; stepId?: string }, counts: Counts): void {
  const { journeyId, stepId } = ref;
  if (!journeyId || !stepId || state.steps[journeyId] === undefined || state.steps[journeyId] === stepId) return;
  counts.add(ReportMetric.journeySteps, GAUGE_DAY, attr(journeyId, state.steps[journeyId]), -1);
  counts.add(ReportMetric.journeySteps, GAUGE_DAY, attr(journeyId, stepId));
  state.steps[journeyId] = stepId;
}

function leaveStep(state: ReportState, journeyId: string, counts: Counts): void {
  const step = state.steps[journeyId];
  if (step === undefined) return;
  counts.add(ReportMetric.journeySteps, GAUGE_DAY, attr(journeyId, step), -1);
  delete state.steps[journeyId];
}

/** The version a contact's run of a journey is counted under: the one it entered or last moved to. */
const versionOf = (state: ReportState, journeyId: string): string => state.versions[journeyId] ?? UNVERSIONED;

function runOnVersion(state: ReportState, journeyId: string, version: string, counts: Counts): void {
  state.versions[journeyId] = version;
  counts.add(ReportMetric.journeyVersionGauge, GAUGE_DAY, attr(journeyId, version));
}

/** Takes the contact off its version's gauge, if it is on it (a run that began before the gauge never was). */
function leaveVersion(state: ReportState, journeyId: string, counts: Counts): void {
  const version = state.versions[journeyId];
  if (version === undefined) return;
  counts.add(ReportMetric.journeyVersionGauge, GAUGE_DAY, attr(journeyId, version), -1);
  delete state.versions[journeyId];
}

function cloneState(state: ReportState): ReportState {
  return {
    ...state,
    messages: { ...state.messages },
    opened: [...state.opened],
    clicked: [...state.clicked],
    steps: { ...state.steps },
    versions: { ...state.versions },
    ...(state.stageCause ? { stageCause: { ...state.stageCause, stages: [...state.stageCause.stages], credited: [...state.stageCause.credited] } } : {}),
  };
}

/** Increments gathered per item, so each item gets one CountMetric (one transaction item) with all its counters. */
class Counts {
  private readonly items = new Map<string, { metric: string; day: string; shard: number; counts: Record<string, number> }>();

  constructor(
    private readonly contactId: string,
    private readonly eventId: string,
  ) {}

  /** Adds `amount` to counter `name` of `metric`'s item of `day`, or of `day` and `value` for a per-value metric. */
  add(metric: string, day: string, name: string, amount = 1, value?: string): void {
    const shards = shardsOf(metric);
    // Gauges spread by contact (its +1 and -1 must meet in one shard's sum only overall; any shard will do) and
    // daily counters by event, both stable on a replay.
    const shard = shards === 1 ? 0 : bucketOf(day === GAUGE_DAY ? this.contactId : this.eventId, shards);
    // The decision's `day` is the item's SK: the day, or the day and the value.
    const sk = value === undefined ? day : metricValueSk(day, value);
    const key = `${metric}\u0000${shard}\u0000${sk}`;
    const item = this.items.get(key) ?? { metric, day: sk, shard, counts: {} };
    item.counts[name] = (item.counts[name] ?? 0) + amount;
    this.items.set(key, item);
    if (MONTHLY_METRICS.has(metric)) this.add(monthlyMetric(metric), monthStart(day), name, amount, value);
  }

  decisions(): CountMetric[] {
    return [...this.items.values()].flatMap(({ metric, day, shard, counts }) => {
      const nonZero = Object.fromEntries(Object.entries(counts).filter(([, amount]) => amount !== 0));
      return Object.keys(nonZero).length ? [{ type: 'CountMetric' as const, metric, day, shard, counts: nonZero }] : [];
    });
  }
}
