import { describe, expect, it } from 'vitest';
import type { Contact } from '../../functions/shared/contact';
import type { DecisionOf } from '../../functions/capabilities';
import { GAUGE_DAY, ReportMetric, monthlyMetric, reportRule, shardsOf } from '../../functions/reports/domain/counters';
import { rebuildContact, type CounterItems } from '../../functions/reports/domain/rebuild';
import { ReportState } from '../../functions/reports/domain/report-state';
import { countersByPeriod, journeyVersionsReport, journeysReport, stackPeriods, type DailyCounters } from '../../functions/reports/domain/reports';
import { EventName } from '../../functions/shared/events';
import type { TimelineEvent } from '../../functions/shared/timeline';

const rule = reportRule({ initialStage: 'subscriber', rankOf: () => undefined });
const contact: Contact = { contactId: 'c1', email: 'a@example.com', attributes: {}, createdAt: '2026-10-01T08:00:00.000Z', updatedAt: '2026-10-01T08:00:00.000Z' };

let seq = 0;
const event = <T extends TimelineEvent['type']>(type: T, occurredAt: string, data: Extract<TimelineEvent, { type: T }>['data']) =>
  ({ eventId: `V${String(++seq).padStart(4, '0')}`, contactId: 'c1', type, occurredAt, data }) as TimelineEvent;

const entered = (at: string, version?: string) =>
  event(EventName.JourneyEntered, at, { journeyId: 'budget-router', executionName: `x${seq}`, triggerEventId: 't', entry: 1, ...(version ? { version } : {}) });
const migrated = (at: string, data: { fromVersion?: string; toVersion: string; fromStepId: string; stepId: string }) =>
  event(EventName.JourneyMigrated, at, { journeyId: 'budget-router', executionName: 'x-moved', fromExecutionName: 'x', remainingSeconds: 3_600, ...data });

/** Replays events through the rule alone: the counters by metric and day (shards summed) and the final state. */
function countersOf(events: TimelineEvent[]) {
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
  const nonZero = (metric: string, day: string) => Object.fromEntries(Object.entries(counters.get(metric)?.get(day) ?? {}).filter(([, n]) => n !== 0));
  return { counters, state, nonZero };
}

describe('per-version journey counters', () => {
  it('counts an entry and its completion against the version the contact entered on, beside the unchanged per-journey counters', () => {
    const { nonZero, state } = countersOf([
      entered('2026-10-01T08:00:00.000Z', 'a1b2c3d4'),
      event(EventName.JourneyCompleted, '2026-10-03T08:00:00.000Z', { journeyId: 'budget-router', executionName: 'x' }),
    ]);

    expect(nonZero(ReportMetric.journeyVersions, '2026-10-01')).toEqual({ 'budget-router/a1b2c3d4/entered': 1 });
    expect(nonZero(ReportMetric.journeyVersions, '2026-10-03')).toEqual({ 'budget-router/a1b2c3d4/completed': 1 });
    expect(nonZero(ReportMetric.journeys, '2026-10-01')).toEqual({ 'entered/budget-router': 1 });
    expect(nonZero(ReportMetric.journeys, '2026-10-03')).toEqual({ 'completed/budget-router': 1 });
    // On the version gauge from entry to completion, then off it.
    expect(nonZero(ReportMetric.journeyVersionGauge, GAUGE_DAY)).toEqual({});
    expect(state?.versions).toEqual({});
  });

  it('keeps a gauge of the contacts running on each version, and remembers the version in the report state', () => {
    const { nonZero, state } = countersOf([entered('2026-10-01T08:00:00.000Z', 'a1b2c3d4')]);

    expect(nonZero(ReportMetric.journeyVersionGauge, GAUGE_DAY)).toEqual({ 'budget-router/a1b2c3d4': 1 });
    expect(state?.versions).toEqual({ 'budget-router': 'a1b2c3d4' });
  });

  it('counts an entry whose event names no version (written before versions) under "unversioned"', () => {
    const { nonZero } = countersOf([
      entered('2026-10-01T08:00:00.000Z'),
      event(EventName.JourneyFailed, '2026-10-02T08:00:00.000Z', { journeyId: 'budget-router', executionName: 'x', stepId: 'nurture-1' }),
    ]);

    expect(nonZero(ReportMetric.journeyVersions, '2026-10-01')).toEqual({ 'budget-router/unversioned/entered': 1 });
    expect(nonZero(ReportMetric.journeyVersions, '2026-10-02')).toEqual({ 'budget-router/unversioned/failed': 1 });
  });

  it('moves a migrated contact out of its old version and into the new one, with the step gauge at the step it now waits in', () => {
    const { nonZero, state } = countersOf([
      entered('2026-10-01T08:00:00.000Z', 'a1b2c3d4'),
      event(EventName.EmailSent, '2026-10-01T08:01:00.000Z', { messageId: 'm1', templateId: 'nurture-1', journeyId: 'budget-router', stepId: 'nurture-1', kind: 'marketing', sendId: 's1' }),
      migrated('2026-10-02T08:00:00.000Z', { fromVersion: 'a1b2c3d4', toVersion: 'e5f6a7b8', fromStepId: 'wait-click-1', stepId: 'wait-click-1' }),
    ]);

    expect(nonZero(ReportMetric.journeyVersions, '2026-10-02')).toEqual({ 'budget-router/a1b2c3d4/migratedOut': 1, 'budget-router/e5f6a7b8/migratedIn': 1 });
    expect(nonZero(ReportMetric.journeyVersionGauge, GAUGE_DAY)).toEqual({ 'budget-router/e5f6a7b8': 1 });
    expect(nonZero(ReportMetric.journeySteps, GAUGE_DAY)).toEqual({ 'budget-router/wait-click-1': 1 });
    expect(state?.versions).toEqual({ 'budget-router': 'e5f6a7b8' });
    expect(state?.steps).toEqual({ 'budget-router': 'wait-click-1' });
    // A migration is neither an entry nor an exit of the journey.
    expect(nonZero(ReportMetric.journeys, '2026-10-02')).toEqual({});
  });

  it('counts the end of a migrated contact against the version it moved to', () => {
    const { nonZero } = countersOf([
      entered('2026-10-01T08:00:00.000Z', 'a1b2c3d4'),
      migrated('2026-10-02T08:00:00.000Z', { fromVersion: 'a1b2c3d4', toVersion: 'e5f6a7b8', fromStepId: 'old-wait', stepId: 'wait-click-2' }),
      event(EventName.JourneyExited, '2026-10-04T08:00:00.000Z', { journeyId: 'budget-router', executionName: 'x-moved', reason: 'goal' }),
    ]);

    expect(nonZero(ReportMetric.journeyVersions, '2026-10-04')).toEqual({ 'budget-router/e5f6a7b8/exited/goal': 1 });
    expect(nonZero(ReportMetric.journeyVersionGauge, GAUGE_DAY)).toEqual({});
    expect(nonZero(ReportMetric.journeySteps, GAUGE_DAY)).toEqual({});
  });

  it('counts a drained contact as an exit of its old version with the reason drained', () => {
    const { nonZero } = countersOf([
      entered('2026-10-01T08:00:00.000Z', 'a1b2c3d4'),
      event(EventName.JourneyExited, '2026-10-02T08:00:00.000Z', { journeyId: 'budget-router', executionName: 'x', reason: 'drained', detail: 'version a1b2c3d4 drained' }),
    ]);

    expect(nonZero(ReportMetric.journeyVersions, '2026-10-02')).toEqual({ 'budget-router/a1b2c3d4/exited/drained': 1 });
    expect(nonZero(ReportMetric.journeys, '2026-10-02')).toEqual({ 'exited/budget-router/drained': 1 });
    expect(nonZero(ReportMetric.journeyVersionGauge, GAUGE_DAY)).toEqual({});
  });

  it('ends a run that began before per-version counts under "unversioned" without taking it off a gauge it was never on', () => {
    // Prepare: a report state stored before versions were remembered (no `versions`), in the journey at nurture-1.
    const stored = ReportState.parse({
      createdDay: '2026-09-01', stage: 'lead', stageAt: '2026-09-01T08:00:00.000Z', scoreBucket: 0, steps: { 'budget-router': 'nurture-1' },
    });

    // Act
    const decisions = rule({
      event: event(EventName.JourneyCompleted, '2026-10-03T08:00:00.000Z', { journeyId: 'budget-router', executionName: 'x' }),
      contact,
      reports: stored,
    }) as DecisionOf<'CountMetric'>[];

    // Assess
    const of = (metric: string) => decisions.filter((d) => d.type === 'CountMetric' && d.metric === metric).map((d) => d.counts);
    expect(stored.versions).toEqual({});
    expect(of(ReportMetric.journeyVersions)).toEqual([{ 'budget-router/unversioned/completed': 1 }]);
    expect(of(ReportMetric.journeyVersionGauge)).toEqual([]);
    expect(of(ReportMetric.journeySteps)).toEqual([{ 'budget-router/nurture-1': -1 }]);
  });

  it('moves a run that began before per-version counts out of the version its migration names, onto the new version\'s gauge', () => {
    const stored = ReportState.parse({ createdDay: '2026-09-01', stage: 'lead', stageAt: '2026-09-01T08:00:00.000Z', scoreBucket: 0, steps: { 'budget-router': 'nurture-1' } });

    const decisions = rule({
      event: migrated('2026-10-02T08:00:00.000Z', { toVersion: 'e5f6a7b8', fromStepId: 'wait-click-1', stepId: 'wait-click-1' }),
      contact,
      reports: stored,
    }) as DecisionOf<'CountMetric'>[];

    const of = (metric: string) => decisions.filter((d) => d.type === 'CountMetric' && d.metric === metric).map((d) => d.counts);
    expect(of(ReportMetric.journeyVersions)).toEqual([{ 'budget-router/unversioned/migratedOut': 1, 'budget-router/e5f6a7b8/migratedIn': 1 }]);
    expect(of(ReportMetric.journeyVersionGauge)).toEqual([{ 'budget-router/e5f6a7b8': 1 }]);
  });

  it('keeps the per-version counters per month too, spread over shards like the journeys counters', () => {
    const { counters } = countersOf([entered('2026-10-07T08:00:00.000Z', 'a1b2c3d4')]);

    expect(counters.get(monthlyMetric(ReportMetric.journeyVersions))?.get('2026-10-01')).toEqual({ 'budget-router/a1b2c3d4/entered': 1 });
    expect(shardsOf(ReportMetric.journeyVersions)).toBe(shardsOf(ReportMetric.journeys));
    expect(shardsOf(ReportMetric.journeyVersionGauge)).toBe(2);
  });
});

const days = (entries: Record<string, Record<string, number>>): DailyCounters => new Map(Object.entries(entries));

describe('the journeys report by version', () => {
  const versions = days({
    '2026-10-01': { 'w/unversioned/entered': 2, 'w/a1b2c3d4/entered': 5, 'w/a1b2c3d4/exited/goal': 1 },
    '2026-10-06': { 'w/unversioned/migratedOut': 1, 'w/a1b2c3d4/migratedIn': 1, 'w/unversioned/exited/drained': 1, 'w/a1b2c3d4/completed': 2 },
  });

  it('has one row per journey and version, the oldest runs ("unversioned") last, with moves and contacts running now', () => {
    const table = journeyVersionsReport(versions, { 'w/a1b2c3d4': 3, 'w/unversioned': 0 });
    const rows = table.rows.map((row) => Object.fromEntries(table.columns.map((column, i) => [column, row[i]])));

    expect(rows.map((row) => [row.journey, row.version])).toEqual([['w', 'a1b2c3d4'], ['w', 'unversioned']]);
    expect(rows[0]).toMatchObject({ entered: 5, completed: 2, 'exited:goal': 1, migratedIn: 1, migratedOut: 0, running: 3 });
    expect(rows[1]).toMatchObject({ entered: 2, completed: 0, 'exited:drained': 1, migratedIn: 0, migratedOut: 1, running: 0 });
  });

  it("adds up, per journey, to the journeys report's row", () => {
    const journeys = days({ '2026-10-01': { 'entered/w': 7, 'exited/w/goal': 1 }, '2026-10-06': { 'exited/w/drained': 1, 'completed/w': 2 } });
    const perJourney = journeysReport(journeys, undefined);
    const perVersion = journeyVersionsReport(versions, undefined);

    for (const column of ['entered', 'completed', 'failed', 'exited:goal', 'exited:drained']) {
      const sum = perVersion.rows.reduce((total, row) => total + Number(row[perVersion.columns.indexOf(column)]), 0);
      expect([column, sum]).toEqual([column, perJourney.rows[0]![perJourney.columns.indexOf(column)]]);
    }
  });

  it('per period: one block of version rows per period, with no running count for a past period', () => {
    const options = { from: '2026-10-01', to: '2026-10-10', granularity: 'week' as const };
    const table = stackPeriods(countersByPeriod(versions, options), (counters) => journeyVersionsReport(counters, undefined));

    expect(table.columns.slice(0, 3)).toEqual(['period', 'journey', 'version']);
    expect(table.rows.map((row) => [row[0], row[2], row[3], row.at(-1)])).toEqual([
      ['2026-09-28', 'a1b2c3d4', 5, null],
      ['2026-09-28', 'unversioned', 2, null],
      ['2026-10-05', 'a1b2c3d4', 0, null],
      ['2026-10-05', 'unversioned', 0, null],
    ]);
  });
});
