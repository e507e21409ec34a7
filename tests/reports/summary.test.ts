import { describe, expect, it } from 'vitest';
import type { DailyCounters } from '../../functions/reports/domain/reports';
import type { SUMMARY_METRICS } from '../../functions/reports/domain/summary';
import { summaryReport } from '../../functions/reports/domain/summary';

const days = (entries: Record<string, Record<string, number>>): DailyCounters => new Map(Object.entries(entries));
const range = { from: '2026-10-08', to: '2026-10-14' };

describe('the summary of headline numbers', () => {
  const counters = {
    leads: days({ '2026-10-09': { new: 3, 'stage/mql': 1 }, '2026-10-02': { new: 1 } }),
    email: days({ '2026-10-09': { 'budget-router/nurture-1/nurture-1/sent': 10, 'budget-router/nurture-1/nurture-1/delivered': 9, 'budget-router/nurture-1/nurture-1/uniqueClicks': 3 } }),
    journeys: days({ '2026-10-09': { 'entered/budget-router': 3 } }),
    sms: days({
      '2026-10-10': { 'cart-recovery/text-1/cart-reminder/sent': 4, 'cart-recovery/text-1/cart-reminder/costMicroUsd': 70_640 },
      '2026-10-03': { 'cart-recovery/text-1/cart-reminder/sent': 1, 'cart-recovery/text-1/cart-reminder/costMicroUsd': 8_830 },
    }),
  };
  const metric = (id: (typeof SUMMARY_METRICS)[number], withSms = true) =>
    summaryReport(withSms ? counters : { ...counters, sms: undefined }, range).find((m) => m.id === id)!;

  it('counts new leads, MQLs, sends and the human click rate over the range and the one before', () => {
    expect(metric('newLeads')).toMatchObject({ value: 3, previousValue: 1 });
    expect(metric('mqls').value).toBe(1);
    expect(metric('sends').value).toBe(10);
    expect(metric('humanClickRate').value).toBeCloseTo(3 / 9, 6);
  });

  it('counts text messages and their estimated cost, day by day, against the previous range', () => {
    expect(metric('smsSent')).toMatchObject({ value: 4, previousValue: 1, unit: 'count' });
    expect(metric('smsSent').series.find((d) => d.date === '2026-10-10')?.value).toBe(4);
    expect(metric('smsCost')).toMatchObject({ value: 0.07064, previousValue: 0.00883, unit: 'usd', estimate: true });
  });

  it('includes the SMS spend in the AWS cost estimate', () => {
    const withSms = metric('awsCost').value!;
    const without = metric('awsCost', false).value!;
    expect(withSms - without).toBeCloseTo(0.07064, 6);
    expect(metric('smsSent', false).value).toBe(0);
  });
});
