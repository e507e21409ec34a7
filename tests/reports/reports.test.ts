import { describe, expect, it } from 'vitest';
import type { Contact } from '../../functions/shared/contact';
import type { Decision, DecisionOf } from '../../functions/capabilities';
import { ReportMetric, leadsByMetric, monthlyMetric, reportRule, shardsOf, type LeadDimension } from '../../functions/reports/domain/counters';
import { rebuildContact, type CounterItems } from '../../functions/reports/domain/rebuild';
import {
  costReport,
  dimensionCounters,
  emailReport,
  formatTable,
  funnelReport,
  histogramMedian,
  journeysReport,
  leadScoresReport,
  leadsReport,
  mergeCounters,
  periodOf,
  periodsBetween,
  countersByPeriod,
  funnelByPeriod,
  periodEnd,
  stackPeriods,
  splitRange,
  stalledAsOf,
  toCsv,
  type DailyCounters,
  type ValueCounters,
} from '../../functions/reports/domain/reports';
import type { ReportState } from '../../functions/reports/domain/report-state';
import { EventName } from '../../functions/shared/events';
import { JourneyExitedData } from '../../functions/journeys/events';
import type { TimelineEvent } from '../../functions/shared/timeline';

const stages = ['subscriber', 'lead', 'mql', 'sql', 'customer'];
const rule = reportRule({ initialStage: 'subscriber', rankOf: (stage) => (stage === undefined ? 0 : stages.indexOf(stage) === -1 ? undefined : stages.indexOf(stage)) });
const contact: Contact = { contactId: 'c1', email: 'a@example.com', attributes: {}, createdAt: '2026-10-01T08:00:00.000Z', updatedAt: '2026-10-01T08:00:00.000Z' };

let seq = 0;
const event = <T extends TimelineEvent['type']>(type: T, occurredAt: string, data: Extract<TimelineEvent, { type: T }>['data']) =>
  ({ eventId: `E${String(++seq).padStart(4, '0')}`, contactId: 'c1', type, occurredAt, data }) as TimelineEvent;

/** Replays events through the rule alone and returns the counters by metric and day (shards summed). */
function countersOf(events: TimelineEvent[]): { counters: Map<string, Map<string, Record<string, number>>>; state: ReportState | undefined } {
  const items: CounterItems = new Map();
  const state = rebuildContact(contact, events, [rule], items);
  const counters = new Map<string, Map<string, Record<string, number>>>();
  for (const { metric, day, counts } of items.values()) {
    const days = counters.get(metric) ?? new Map<string, Record<string, number>>();
    const sums = days.get(day) ?? {};
    for (const [name, value] of Object.entries(counts)) sums[name] = (sums[name] ?? 0) + value;
    days.set(day, sums);
    counters.set(metric, days);
  }
  return { counters, state };
}

/** A lead dimension's daily per-value counters, by SK (`<day>#<value>`). */
const byValue = (counters: Map<string, Map<string, Record<string, number>>>, dimension: LeadDimension) =>
  Object.fromEntries(counters.get(leadsByMetric(dimension)) ?? []);

const ref = { messageId: 'm1', templateId: 'nurture-1', journeyId: 'budget-router', stepId: 'nurture-1' };

describe('report counters rule', () => {
  it('counts a new lead once, on its creation day, attributed to the first touch (UTM values trimmed, lower-cased)', () => {
    const { counters } = countersOf([
      event(EventName.FormSubmitted, '2026-10-01T08:00:00.000Z', { formId: 'demo', fields: {}, utm: { utm_source: ' Google', utm_medium: 'cpc', utm_campaign: 'Q4' } }),
      event(EventName.FormSubmitted, '2026-10-05T08:00:00.000Z', { formId: 'demo', fields: {}, utm: { utm_source: 'linkedin' } }),
    ]);

    expect(counters.get(ReportMetric.leads)?.get('2026-10-01')).toEqual({ new: 1 });
    expect(byValue(counters, 'source')).toEqual({ '2026-10-01#google': { new: 1 } });
    expect(byValue(counters, 'medium')).toEqual({ '2026-10-01#cpc': { new: 1 } });
    expect(byValue(counters, 'campaign')).toEqual({ '2026-10-01#q4': { new: 1 } });
    expect(byValue(counters, 'form')).toEqual({ '2026-10-01#demo': { new: 1 } });
    expect(counters.get(ReportMetric.leads)?.get('2026-10-05')).toBeUndefined();
  });

  it('emits one decision per counter item, so no transaction updates an item twice', () => {
    const decisions: readonly Decision[] = rule({
      event: event(EventName.StageChanged, '2026-10-01T08:00:00.000Z', { from: 'subscriber', to: 'lead', reason: 'form' }),
      contact,
    });
    const counts = decisions.filter((d): d is DecisionOf<'CountMetric'> => d.type === 'CountMetric');
    const keys = counts.map((d) => `${d.metric} ${d.shard} ${d.day}`);

    expect(new Set(keys).size).toBe(keys.length);
    // Created and moved: the stage gauge's +1 and -1 for "subscriber" cancel out in one item.
    expect(counts.find((d) => d.metric === ReportMetric.stageGauge)?.counts).toEqual({ lead: 1 });
  });

  it('measures time in stage from the stage entry it remembers, and counts forward moves and drops', () => {
    const { counters, state } = countersOf([
      event(EventName.StageChanged, '2026-10-01T08:00:00.000Z', { from: 'subscriber', to: 'lead', reason: 'form' }),
      event(EventName.StageChanged, '2026-10-04T08:00:00.000Z', { from: 'lead', to: 'mql', reason: 'score' }),
      event(EventName.StageChanged, '2026-10-20T08:00:00.000Z', { from: 'mql', to: 'recycled', reason: 'rejected' }),
    ]);
    const funnel = counters.get(ReportMetric.funnel)!;

    // 72 hours in "lead": the bucket [72, 168) hours.
    expect(funnel.get('2026-10-04')).toMatchObject({ 'entered/mql': 1, 'forward/lead': 1, 'time/lead/4': 1 });
    expect(funnel.get('2026-10-20')).toMatchObject({ 'entered/recycled': 1, 'dropped/mql': 1 });
    expect(state).toMatchObject({ stage: 'recycled', stageAt: '2026-10-20T08:00:00.000Z' });
  });

  it('counts unique opens and clicks per message, and machine ones apart', () => {
    const { counters } = countersOf([
      event(EventName.EmailSent, '2026-10-01T09:00:00.000Z', { ...ref, kind: 'marketing', sendId: 's1' }),
      event(EventName.EmailOpened, '2026-10-01T09:01:00.000Z', { ...ref, machine: true }),
      event(EventName.EmailOpened, '2026-10-01T10:00:00.000Z', { ...ref, machine: false }),
      event(EventName.EmailOpened, '2026-10-01T11:00:00.000Z', { ...ref, machine: false }),
      event(EventName.EmailClicked, '2026-10-01T11:00:00.000Z', { ...ref, url: 'https://x', linkIndex: 0, machine: true }),
      event(EventName.EmailUnsubscribed, '2026-10-02T11:00:00.000Z', { topic: 'all', source: 'one-click', messageId: 'm1', templateId: 'nurture-1' }),
    ]);
    const email = counters.get(ReportMetric.email)!;

    expect(email.get('2026-10-01')).toEqual({
      'budget-router/nurture-1/nurture-1/sent': 1,
      'budget-router/nurture-1/nurture-1/machineOpens': 1,
      'budget-router/nurture-1/nurture-1/opens': 2,
      'budget-router/nurture-1/nurture-1/uniqueOpens': 1,
      'budget-router/nurture-1/nurture-1/machineClicks': 1,
    });
    expect(email.get('2026-10-02')).toEqual({ 'budget-router/nurture-1/nurture-1/unsubscribed': 1 });
  });

  it("buckets a new lead's score as of its creation month's end", () => {
    const score = (occurredAt: string, total: number) =>
      event(EventName.ScoreChanged, occurredAt, { fit: 0, behaviour: total, total, previousTotal: 0, version: 1, ruleIds: [] });
    const { counters } = countersOf([score('2026-10-02T00:00:00.000Z', 25), score('2026-10-30T00:00:00.000Z', 47), score('2026-11-02T00:00:00.000Z', 90)]);

    const buckets = Object.entries(counters.get(ReportMetric.leadScores)?.get('2026-10-01') ?? {}).filter(([, n]) => n !== 0);

    // 47 at the end of October (the 40s bucket); November's 90 does not count for the October cohort.
    expect(Object.fromEntries(buckets)).toEqual({ b4: 1 });
  });

  it('spreads the items every new lead writes (funnel, its month, the lead-scores month) over shards', () => {
    const created = (i: number) =>
      rule({
        event: { ...event(EventName.FormSubmitted, '2026-10-01T08:00:00.000Z', { formId: 'demo', fields: {}, utm: {} }), eventId: `01NEWLEAD${String(i).padStart(4, '0')}` },
        contact: { ...contact, contactId: `c${i}` },
      }).filter((d): d is DecisionOf<'CountMetric'> => d.type === 'CountMetric');
    const decisions = Array.from({ length: 40 }, (_, i) => created(i)).flat();

    for (const metric of [ReportMetric.funnel, monthlyMetric(ReportMetric.funnel), ReportMetric.leadScores]) {
      const shards = new Set(decisions.filter((d) => d.metric === metric).map((d) => d.shard));
      expect(shardsOf(metric), metric).toBeGreaterThan(1);
      expect(shards.size, metric).toBe(shardsOf(metric));
    }
  });

  it('counts reopened leads on the day they reopen', () => {
    const { counters } = countersOf([
      event(EventName.StageChanged, '2026-10-01T08:00:00.000Z', { from: 'subscriber', to: 'recycled', reason: 'rejected' }),
      event(EventName.StageChanged, '2026-10-09T08:00:00.000Z', { from: 'recycled', to: 'mql', reason: 'engaged', reopened: true }),
    ]);
    const leads = counters.get(ReportMetric.leads)!;

    expect(leads.get('2026-10-01')?.reopened).toBeUndefined();
    expect(leads.get('2026-10-09')).toMatchObject({ reopened: 1, 'stage/mql': 1 });
  });

  it('counts deliveries, hard and soft bounces and complaints per journey, step and template', () => {
    const { counters } = countersOf([
      event(EventName.EmailSent, '2026-10-01T09:00:00.000Z', { ...ref, kind: 'marketing', sendId: 's1' }),
      event(EventName.EmailDelivered, '2026-10-01T09:00:01.000Z', ref),
      event(EventName.EmailBounced, '2026-10-01T09:00:02.000Z', { ...ref, bounceType: 'Transient', permanent: false }),
      event(EventName.EmailBounced, '2026-10-02T09:00:02.000Z', { ...ref, bounceType: 'Permanent', permanent: true }),
      event(EventName.EmailComplained, '2026-10-02T10:00:00.000Z', ref),
    ]);
    const email = counters.get(ReportMetric.email)!;

    expect(email.get('2026-10-01')).toEqual({
      'budget-router/nurture-1/nurture-1/sent': 1,
      'budget-router/nurture-1/nurture-1/delivered': 1,
      'budget-router/nurture-1/nurture-1/softBounced': 1,
    });
    expect(email.get('2026-10-02')).toEqual({ 'budget-router/nurture-1/nurture-1/bounced': 1, 'budget-router/nurture-1/nurture-1/complained': 1 });
  });

  it('credits an MQL to the journey that the same form post enrols the contact in, though journey.entered comes after', () => {
    const post = event(EventName.FormSubmitted, '2026-10-01T08:00:00.000Z', { formId: 'demo-request', fields: { budget: 9000 }, utm: {} });
    const { counters } = countersOf([
      post,
      event(EventName.StageChanged, '2026-10-01T08:00:01.000Z', { from: 'subscriber', to: 'lead', reason: 'first form post', causeEventId: post.eventId }),
      event(EventName.StageChanged, '2026-10-01T08:00:01.000Z', { from: 'lead', to: 'mql', reason: 'score', causeEventId: post.eventId }),
      event(EventName.JourneyEntered, '2026-10-02T00:00:01.000Z', { journeyId: 'budget-router', executionName: 'x', triggerEventId: post.eventId, entry: 1 }),
      // Entered by another event: not the MQL's journey.
      event(EventName.JourneyEntered, '2026-10-02T00:00:02.000Z', { journeyId: 'welcome', executionName: 'y', triggerEventId: 'other', entry: 1 }),
    ]);

    expect(counters.get(ReportMetric.leads)?.get('2026-10-01')).toMatchObject({ 'stage/mql': 1, 'stage/mql/journey/budget-router': 1, 'stage/lead/journey/budget-router': 1 });
    expect(counters.get(ReportMetric.leads)?.get('2026-10-02')).toBeUndefined();
    expect(counters.get(ReportMetric.leads)?.get('2026-10-01')).not.toHaveProperty('stage/mql/journey/welcome');
  });

  it('attributes an MQL to its first and last touch and to the journeys the contact is in', () => {
    const { counters } = countersOf([
      event(EventName.FormSubmitted, '2026-10-01T08:00:00.000Z', { formId: 'newsletter', fields: {}, utm: { utm_source: 'google', utm_medium: 'cpc', utm_campaign: 'q4' } }),
      event(EventName.JourneyEntered, '2026-10-01T09:00:00.000Z', { journeyId: 'budget-router', executionName: 'x', triggerEventId: 'e', entry: 1 }),
      // A later form without UTM keeps the last campaign touch; one with UTM replaces it.
      event(EventName.FormSubmitted, '2026-10-03T08:00:00.000Z', { formId: 'demo', fields: {}, utm: {} }),
      event(EventName.FormSubmitted, '2026-10-04T08:00:00.000Z', { formId: 'webinar', fields: {}, utm: { utm_source: 'linkedin', utm_campaign: 'spring' } }),
      event(EventName.StageChanged, '2026-10-05T08:00:00.000Z', { from: 'subscriber', to: 'mql', reason: 'score' }),
    ]);

    expect(counters.get(ReportMetric.leads)?.get('2026-10-05')).toEqual({ 'stage/mql': 1, 'stage/mql/journey/budget-router': 1 });
    const movedOn = (dimension: LeadDimension) => Object.fromEntries(Object.entries(byValue(counters, dimension)).filter(([sk]) => sk.startsWith('2026-10-05#')));
    expect(movedOn('source')).toEqual({ '2026-10-05#google': { 'stage/mql/first': 1 }, '2026-10-05#linkedin': { 'stage/mql/last': 1 } });
    expect(movedOn('medium')).toEqual({ '2026-10-05#cpc': { 'stage/mql/first': 1 }, '2026-10-05#(none)': { 'stage/mql/last': 1 } });
    expect(movedOn('campaign')).toEqual({ '2026-10-05#q4': { 'stage/mql/first': 1 }, '2026-10-05#spring': { 'stage/mql/last': 1 } });
    expect(movedOn('form')).toEqual({ '2026-10-05#newsletter': { 'stage/mql/first': 1 }, '2026-10-05#webinar': { 'stage/mql/last': 1 } });
  });

  it('counts a touch that is both first and last in one item of its value, with both counters', () => {
    const { counters } = countersOf([
      event(EventName.FormSubmitted, '2026-10-01T08:00:00.000Z', { formId: 'demo', fields: {}, utm: { utm_source: 'google' } }),
      event(EventName.StageChanged, '2026-10-02T08:00:00.000Z', { from: 'subscriber', to: 'mql', reason: 'score' }),
    ]);

    expect(byValue(counters, 'source')).toEqual({ '2026-10-01#google': { new: 1 }, '2026-10-02#google': { 'stage/mql/first': 1, 'stage/mql/last': 1 } });
    expect(counters.get(monthlyMetric(leadsByMetric('source')))).toEqual(new Map([['2026-10-01#google', { new: 1, 'stage/mql/first': 1, 'stage/mql/last': 1 }]]));
  });

  it('keeps every leads item to the same few counters, however many distinct UTM values a day brings', () => {
    /** The most counters any item of a `leads` metric gathers from `distinct` new leads with their own UTM values, each then an MQL and an SQL. */
    const widestLeadsItem = (distinct: number) => {
      const items: CounterItems = new Map();
      for (let i = 0; i < distinct; i++) {
        const lead = { ...contact, contactId: `lead-${i}` };
        const utm = { utm_source: `source-${i}`, utm_medium: `medium-${i}`, utm_campaign: `campaign-${i}` };
        rebuildContact(
          lead,
          [
            { ...event(EventName.FormSubmitted, '2026-10-01T08:00:00.000Z', { formId: 'demo', fields: {}, utm }), contactId: lead.contactId },
            { ...event(EventName.StageChanged, '2026-10-01T09:00:00.000Z', { from: 'subscriber', to: 'mql', reason: 'score' }), contactId: lead.contactId },
            { ...event(EventName.StageChanged, '2026-10-01T10:00:00.000Z', { from: 'mql', to: 'sql', reason: 'crm' }), contactId: lead.contactId },
          ],
          [rule],
          items,
        );
      }
      const leadsItems = [...items.values()].filter(({ metric }) => metric === ReportMetric.leads || metric.startsWith('leads.by.'));
      return Math.max(...leadsItems.map(({ counts }) => Object.keys(counts).length));
    };

    // `new`, `stage/mql/first`, `stage/mql/last`, `stage/sql/first`, `stage/sql/last` on a value's item.
    expect(widestLeadsItem(3)).toBe(5);
    expect(widestLeadsItem(3_000)).toBe(5);
  });

  it('cuts a UTM value at 60 characters without splitting an emoji in two, so its key can be written', () => {
    const { counters } = countersOf([
      event(EventName.FormSubmitted, '2026-10-01T08:00:00.000Z', { formId: 'demo', fields: {}, utm: { utm_source: `${'a'.repeat(59)}\u{1F600} and more` } }),
    ]);

    expect(Object.keys(byValue(counters, 'source'))).toEqual([`2026-10-01#${'a'.repeat(59)}`]);
  });

  it('counts a UTM value holding a lone surrogate (as JSON may carry) under U+FFFD instead of failing the event', () => {
    const { counters } = countersOf([
      event(EventName.FormSubmitted, '2026-10-01T08:00:00.000Z', { formId: 'demo', fields: {}, utm: { utm_source: 'news\ud800letter', utm_medium: '\udc00x' } }),
    ]);

    expect(Object.keys(byValue(counters, 'source'))).toEqual([`2026-10-01#${encodeURIComponent('news\ufffdletter')}`]);
    expect(Object.keys(byValue(counters, 'medium'))).toEqual([`2026-10-01#${encodeURIComponent('\ufffdx')}`]);
  });

  it('counts text messages sent, their parts and estimated cost, skips, deliveries and failures per journey, step and template', () => {
    const sms = { sendId: 's9', templateId: 'cart-reminder', journeyId: 'cart-recovery', stepId: 'text-1' };
    const { counters } = countersOf([
      event(EventName.JourneyEntered, '2026-10-01T08:00:00.000Z', { journeyId: 'cart-recovery', executionName: 'x', triggerEventId: 'e', entry: 1 }),
      event(EventName.SmsSent, '2026-10-01T09:00:00.000Z', { ...sms, messageId: 'sm1', encoding: 'UCS-2', parts: 2, characters: 90, messageType: 'PROMOTIONAL', country: 'US', costUsd: 0.01766 }),
      event(EventName.SmsDelivered, '2026-10-01T09:00:05.000Z', { ...sms, messageId: 'sm1', status: 'DELIVERED' }),
      event(EventName.SmsSkipped, '2026-10-02T09:00:00.000Z', { ...sms, sendId: 's10', reason: 'opted_out' }),
      event(EventName.SmsFailed, '2026-10-02T09:00:01.000Z', { ...sms, messageId: 'sm2', status: 'CARRIER_UNREACHABLE' }),
    ]);

    expect(counters.get(ReportMetric.sms)?.get('2026-10-01')).toEqual({
      'cart-recovery/text-1/cart-reminder/sent': 1,
      'cart-recovery/text-1/cart-reminder/parts': 2,
      'cart-recovery/text-1/cart-reminder/costMicroUsd': 17_660,
      'cart-recovery/text-1/cart-reminder/delivered': 1,
    });
    expect(counters.get(ReportMetric.sms)?.get('2026-10-02')).toEqual({ 'cart-recovery/text-1/cart-reminder/skipped': 1, 'cart-recovery/text-1/cart-reminder/failed': 1 });
    // A text step moves the journey's step gauge as an email step does.
    expect(counters.get(ReportMetric.journeySteps)?.get('current')).toEqual({ 'cart-recovery/start': 0, 'cart-recovery/text-1': 1 });
  });

  it('keeps a gauge of contacts per journey step', () => {
    const { counters } = countersOf([
      event(EventName.JourneyEntered, '2026-10-01T08:00:00.000Z', { journeyId: 'budget-router', executionName: 'x', triggerEventId: 'e', entry: 1 }),
      event(EventName.EmailSent, '2026-10-01T09:00:00.000Z', { ...ref, kind: 'marketing', sendId: 's1' }),
    ]);

    expect(counters.get(ReportMetric.journeySteps)?.get('current')).toEqual({ 'budget-router/start': 0, 'budget-router/nurture-1': 1 });
  });
});

const days = (entries: Record<string, Record<string, number>>): DailyCounters => new Map(Object.entries(entries));
const values = (entries: Record<string, Record<string, Record<string, number>>>): ValueCounters =>
  new Map(Object.entries(entries).map(([day, byValue]) => [day, new Map(Object.entries(byValue))]));

describe('reports', () => {
  it('groups days into ISO weeks and months', () => {
    expect(periodOf('2026-11-25', 'week')).toBe('2026-11-23');
    expect(periodOf('2026-11-29', 'week')).toBe('2026-11-23');
    expect(periodOf('2026-11-25', 'month')).toBe('2026-11');
    expect(periodsBetween('2026-10-30', '2026-11-02', 'day')).toEqual(['2026-10-30', '2026-10-31', '2026-11-01', '2026-11-02']);
  });

  it('reads whole months from monthly items and only the days around them from daily ones', () => {
    expect(splitRange('2025-01-01', '2025-12-31')).toEqual({ months: ['2025-01', '2025-12'] });
    expect(splitRange('2026-01-15', '2026-04-10')).toEqual({ head: ['2026-01-15', '2026-01-31'], months: ['2026-02', '2026-03'], tail: ['2026-04-01', '2026-04-10'] });
    expect(splitRange('2024-02-01', '2024-02-29')).toEqual({ months: ['2024-02', '2024-02'] });
    expect(splitRange('2026-03-02', '2026-03-31')).toEqual({ head: ['2026-03-02', '2026-03-31'] });
    expect(splitRange('2026-03-05', '2026-03-09')).toEqual({ head: ['2026-03-05', '2026-03-09'] });
  });

  it('takes the median of a histogram inside its bucket', () => {
    expect(histogramMedian([0, 4, 0], [10, 20, Infinity])).toBe(15);
    expect(histogramMedian([1, 1, 2], [10, 20, Infinity])).toBe(20);
    expect(histogramMedian([0, 0, 0], [10, 20, Infinity])).toBeNull();
  });

  it('funnel: entered, forward, dropped, conversion, median days in stage and stalled per stage', () => {
    const table = funnelReport(
      days({
        '2026-10-01': { 'entered/lead': 10, 'forward/lead': 4, 'time/lead/4': 4, 'dropped/lead': 1 },
        '2026-10-02': { 'entered/mql': 4 },
      }),
      { lead: 3, mql: 1 },
      { stages: ['lead', 'mql'], sideStages: ['recycled'] },
    );

    expect(table.columns).toEqual(['stage', 'entered', 'forward', 'dropped', 'conversion', 'medianDaysInStage', 'stalled']);
    expect(table.rows).toEqual([
      ['lead', 10, 4, 1, 0.4, 5, 3],
      ['mql', 4, 0, 0, 0, null, 1],
      ['recycled', 0, 0, 0, null, null, 0],
    ]);
  });

  it('funnel: stalled as of the range end, from the stage gauge, the days after it and the stalledDays before it', () => {
    const { counters } = countersOf([
      event(EventName.StageChanged, '2026-10-01T09:00:00.000Z', { from: 'subscriber', to: 'lead', reason: 'form' }),
      event(EventName.StageChanged, '2026-10-20T09:00:00.000Z', { from: 'lead', to: 'mql', reason: 'score' }),
      event(EventName.StageChanged, '2026-11-25T09:00:00.000Z', { from: 'mql', to: 'sql', reason: 'crm' }),
    ]);
    const funnel = counters.get(ReportMetric.funnel)!;
    const stays = counters.get(ReportMetric.stageStays)!;
    const between = (counts: DailyCounters, first: string, last: string) => new Map([...counts].filter(([day]) => day >= first && day <= last));
    const stalledAt = (to: string, stalledDays: number) => {
      const recentFrom = new Date(Date.parse(to) - (stalledDays - 1) * 86_400_000).toISOString().slice(0, 10);
      const stalled = stalledAsOf(
        {
          now: counters.get(ReportMetric.stageGauge)!.get('current')!,
          after: between(funnel, new Date(Date.parse(to) + 86_400_000).toISOString().slice(0, 10), '2999-12-31'),
          recent: between(funnel, recentFrom, to),
          stays: between(stays, recentFrom, to),
        },
        { to, stalledDays, stages },
      );
      return Object.fromEntries(Object.entries(stalled).filter(([, n]) => n !== 0));
    };

    // In "lead" since 10-01: stalled on 10-15 (14 days), though it is in "sql" now.
    expect(stalledAt('2026-10-15', 14)).toEqual({ lead: 1 });
    expect(stalledAt('2026-10-10', 5)).toEqual({ lead: 1 });
    // In "mql" since 10-20: not yet stalled on 10-25, stalled on 11-10.
    expect(stalledAt('2026-10-25', 14)).toEqual({});
    expect(stalledAt('2026-11-10', 14)).toEqual({ mql: 1 });
    // Entered "lead" and left it within the last 30 days: neither stalled nor counted twice.
    expect(stalledAt('2026-10-22', 30)).toEqual({});
    expect(stalledAt('2026-11-30', 14)).toEqual({});
    expect(stalledAt('2026-12-31', 14)).toEqual({ sql: 1 });
  });

  it('leads: per period, and by first-touch source', () => {
    const leads = days({
      '2026-10-01': { new: 2, 'new/source/google': 2, 'stage/mql': 1, 'stage/mql/first/source/google': 1 },
      '2026-10-08': { new: 1, reopened: 1, 'new/source/linkedin': 1 },
    });

    expect(leadsReport(leads, { from: '2026-10-01', to: '2026-10-10', granularity: 'week' }).rows).toEqual([
      ['2026-09-28', 2, 0, 1, 0, 0, 0],
      ['2026-10-05', 1, 1, 0, 0, 0, 0],
    ]);
    expect(leadsReport(leads, { from: '2026-10-01', to: '2026-10-31', granularity: 'month', by: 'source' }).rows).toEqual([
      ['2026-10', 'google', 2, 1, 0, 0, 0],
      ['2026-10', 'linkedin', 1, 0, 0, 0, 0],
    ]);
  });

  it('leads by a dimension and cost from the per-value counters, values with a slash included', () => {
    const sources = values({
      '2026-10-01': { google: { new: 2, 'stage/mql/first': 1 }, 'a/b': { new: 1, 'stage/mql/last': 1 } },
      '2026-10-02': { google: { 'stage/mql/first': 1, 'stage/mql/last': 1 } },
    });
    const options = { from: '2026-10-01', to: '2026-10-31', granularity: 'month', by: 'source' } as const;

    expect(leadsReport(dimensionCounters('source', sources), options).rows).toEqual([
      ['2026-10', 'a/b', 1, 0, 0, 0, 0],
      ['2026-10', 'google', 2, 2, 0, 0, 0],
    ]);
    expect(leadsReport(dimensionCounters('source', sources), { ...options, touch: 'last' }).rows).toEqual([
      ['2026-10', 'a/b', 1, 1, 0, 0, 0],
      ['2026-10', 'google', 2, 1, 0, 0, 0],
    ]);
    const campaigns = values({ '2026-10-02': { q4: { 'stage/mql/last': 3 } } });
    const leads = mergeCounters(days({ '2026-10-02': { 'stage/mql': 3, 'stage/mql/journey/budget-router': 1 } }), dimensionCounters('campaign', campaigns));
    const programs = [
      { id: 'ads', campaign: 'q4', costs: [{ month: '2026-10', kind: 'ads', amount: 300 }] },
      { id: 'nurture', journey: 'budget-router', costs: [] },
    ];
    expect(costReport(leads, programs, { from: '2026-10-01', to: '2026-10-31' }).rows).toEqual([
      ['ads', 'ads', 300, 3, 100, 0],
      ['nurture', 'nurture', 0, 1, 0, 0],
    ]);
  });

  it('email: rates from unique human engagement, machine engagement apart', () => {
    const table = emailReport(
      days({
        '2026-10-01': { 'j/s/t/sent': 10, 'j/s/t/delivered': 8, 'j/s/t/uniqueOpens': 4, 'j/s/t/uniqueClicks': 1, 'j/s/t/machineOpens': 3 },
      }),
    );
    const row = Object.fromEntries(table.columns.map((column, i) => [column, table.rows[0]![i]]));

    expect(row).toMatchObject({ journey: 'j', step: 's', template: 't', sent: 10, machineOpens: 3, openRate: 0.5, clickThroughRate: 0.125, clickToOpenRate: 0.25 });
  });

  it('lead-scores: a histogram and median per creation month', () => {
    const table = leadScoresReport(days({ '2026-10-01': { b0: 2, b3: 2 } }), { from: '2026-10-01', to: '2026-11-30' });

    expect(table.rows[0]!.slice(0, 3)).toEqual(['2026-10', 4, 10]);
    expect(table.rows[1]!.slice(0, 3)).toEqual(['2026-11', 0, null]);
  });

  it('journeys: entries, exits by reason, goal conversion and active contacts per step', () => {
    const table = journeysReport(
      days({ '2026-10-01': { 'entered/w': 10, 'exited/w/goal': 2, 'completed/w': 3 } }),
      { 'w/start': 1, 'w/nurture-1': 4 },
    );

    expect(table.rows).toEqual([['w', 10, 3, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0.2, 5, 'nurture-1:4, start:1']]);
  });

  it('journeys: a column for every exit reason the timeline allows, recycled exits included', () => {
    const table = journeysReport(days({ '2026-10-01': { 'entered/w': 4, 'exited/w/recycled': 3 } }), {});
    const row = Object.fromEntries(table.columns.map((column, i) => [column, table.rows[0]![i]]));

    expect(table.columns.filter((column) => column.startsWith('exited:'))).toEqual(JourneyExitedData.shape.reason.options.map((reason) => `exited:${reason}`));
    expect(row['exited:recycled']).toBe(3);
  });

  it('cost: program costs in the range divided by the MQLs attributed to the program', () => {
    const leads = days({ '2026-10-03': { 'stage/mql/journey/budget-router': 4, 'stage/mql/last/campaign/q4': 2 } });
    const table = costReport(
      leads,
      [
        { id: 'nurture', journey: 'budget-router', costs: [{ month: '2026-10', kind: 'labour', amount: 1000 }, { month: '2026-12', kind: 'tools', amount: 50 }] },
        { id: 'ads', campaign: 'q4', costs: [{ month: '2026-10', kind: 'ads', amount: 300 }] },
        { id: 'idle', campaign: 'none', costs: [] },
      ],
      { from: '2026-10-01', to: '2026-10-31' },
    );

    expect(table.rows).toEqual([
      ['nurture', 'nurture', 1000, 4, 250, 0],
      ['ads', 'ads', 300, 2, 150, 0],
      ['idle', 'idle', 0, 0, null, 0],
    ]);
  });

  it("cost: a journey program's SMS spend is its own column and counts in its cost per MQL", () => {
    const leads = days({ '2026-10-03': { 'stage/mql/journey/cart-recovery': 2 } });
    const sms = days({
      '2026-10-03': { 'cart-recovery/text-1/cart-reminder/costMicroUsd': 1_500_000, 'cart-recovery/text-1/cart-reminder/sent': 170 },
      '2026-10-04': { 'cart-recovery/text-1/cart-reminder/costMicroUsd': 500_000, '-/-/trial-ending/costMicroUsd': 9_000_000 },
    });
    const table = costReport(leads, [{ id: 'carts', journey: 'cart-recovery', costs: [{ month: '2026-10', kind: 'labour', amount: 100 }] }], {
      from: '2026-10-01',
      to: '2026-10-31',
      sms,
    });

    // $100 entered + $2.00 of texts, over 2 MQLs; texts sent outside any journey belong to no program.
    expect(table.rows).toEqual([['carts', 'carts', 100, 2, 51, 2]]);
  });

  it('funnel, email and journeys per period: one block of rows per period, the period first', () => {
    const counters = days({ '2026-10-01': { 'entered/lead': 2 }, '2026-10-06': { 'entered/lead': 1, 'forward/lead': 1 } });
    const sends = days({ '2026-10-01': { 'j/s/t/sent': 3 }, '2026-10-06': { 'j/s/t/sent': 1 } });
    const journeyCounts = days({ '2026-10-01': { 'entered/w': 1 }, '2026-10-06': { 'exited/w/recycled': 1 } });
    const options = { from: '2026-10-01', to: '2026-10-10', granularity: 'week' as const };

    const funnel = funnelByPeriod(counters, { now: { lead: 2 }, after: new Map(), stays: new Map() }, { ...options, stalledDays: 3 }, { stages: ['lead'], sideStages: [] });
    const email = stackPeriods(countersByPeriod(sends, options), emailReport);
    const journeys = stackPeriods(countersByPeriod(journeyCounts, options), (c) => journeysReport(c, undefined));

    expect(funnel.columns.slice(0, 3)).toEqual(['period', 'stage', 'entered']);
    // Stalled at each period's end: on 10-04, the two who entered 10-01; on 10-10, the 10-01 entrants still there.
    expect(funnel.rows.map((row) => [row[0], row[2], row[3], row[7]])).toEqual([
      ['2026-09-28', 2, 0, 2],
      ['2026-10-05', 1, 1, 2],
    ]);
    expect(email.rows.map((row) => [row[0], row[4]])).toEqual([
      ['2026-09-28', 3],
      ['2026-10-05', 1],
    ]);
    const exitedRecycled = journeys.columns.indexOf('exited:recycled');
    expect(journeys.rows.map((row) => [row[0], row[2], row[exitedRecycled], row.at(-2)])).toEqual([
      ['2026-09-28', 1, 0, null],
      ['2026-10-05', 0, 1, null],
    ]);
  });

  it('periods end on Sundays and month ends', () => {
    expect(periodEnd('2026-11-23', 'week')).toBe('2026-11-29');
    expect(periodEnd('2024-02', 'month')).toBe('2024-02-29');
    expect(periodEnd('2026-11-23', 'day')).toBe('2026-11-23');
  });

  it('prints a table for a terminal: numbers right-aligned, rates as percentages', () => {
    expect(formatTable({ columns: ['stage', 'entered', 'conversion'], rows: [['lead', 10, 0.4], ['mql', 4, null]] })).toBe(
      ['stage  entered  conversion', '-----  -------  ----------', 'lead        10       40.0%', 'mql          4           -'].join('\n'),
    );
  });

  it('exports a table as CSV', () => {
    expect(toCsv({ columns: ['a', 'b'], rows: [['x,y', null], ['"q"', 1]] })).toBe('a,b\r\n"x,y",\r\n"""q""",1\r\n');
  });
});
