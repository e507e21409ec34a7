import { describe, expect, it } from 'vitest';
import { JourneyFile } from '../../functions/journeys/domain/journey-file';
import { JourneyResponse, ianaZone, translateJourney } from '../../scripts/pinpoint/journeys';
import type { ReportEntry } from '../../scripts/pinpoint/report';

/** The translation of each Pinpoint journey construct, one named test each: pure, no fakes. */

const context = {
  id: 'imported',
  segmentIds: new Map([['seg-1', 'engaged'], ['seg-2', 'vips']]),
  emailTemplateIds: new Map([['Welcome', 'welcome-mail'], ['Reminder', 'reminder']]),
  smsTemplateIds: new Map([['Nudge', 'nudge']]),
  topic: 'newsletter',
};

function translate(journey: Record<string, unknown>) {
  const parsed = JourneyResponse.parse({ Id: 'j-1', Name: 'Imported', StartCondition: { SegmentStartCondition: { SegmentId: 'seg-1' } }, ...journey });
  const { file, report } = translateJourney(parsed, context);
  // Every translation is a journey file our schema accepts.
  const checked = JourneyFile.safeParse(file);
  if (!checked.success) throw new Error(JSON.stringify(checked.error.issues));
  return { file: file as { steps: Record<string, unknown>[]; entry: Record<string, unknown>; triggers: unknown[]; timezone: string }, entries: report.entries };
}

const entry = (entries: readonly ReportEntry[], construct: string) => entries.find((e) => e.construct === construct);

describe('activities', () => {
  it('EMAIL becomes send_email of the template, with its transition written out', () => {
    const { file, entries } = translate({ StartActivity: 'Hello', Activities: { Hello: { EMAIL: { TemplateName: 'Welcome', MessageConfig: { FromAddress: 'a@example.com' } } } } });
    expect(file.steps).toEqual([{ id: 'hello', type: 'send_email', template: 'welcome-mail', next: 'end' }, { id: 'end', type: 'exit' }]);
    expect(entry(entries, 'Activities.Hello.EMAIL.MessageConfig')?.status).toBe('not_translated');
  });

  it('SMS becomes send_sms of the SMS template (the SMS contract); its message config is reported', () => {
    const { file, entries } = translate({ StartActivity: 'Text', Activities: { Text: { SMS: { TemplateName: 'Nudge', MessageConfig: { MessageType: 'PROMOTIONAL' } } } } });
    expect(file.steps[0]).toEqual({ id: 'text', type: 'send_sms', template: 'nudge', next: 'end' });
    expect(entry(entries, 'Activities.Text.SMS.MessageConfig')).toMatchObject({ status: 'not_translated', detail: expect.stringContaining('MessageType') });
  });

  it('a message whose template is not in the export is reported', () => {
    const { entries } = translate({ StartActivity: 'Hello', Activities: { Hello: { EMAIL: { TemplateName: 'Gone' } } } });
    expect(entry(entries, 'Activities.Hello.EMAIL.TemplateName')).toMatchObject({ status: 'not_translated', detail: expect.stringContaining('get-email-template') });
  });

  it('Wait WaitFor (ISO-8601) becomes a wait of that duration', () => {
    const { file } = translate({ StartActivity: 'W', Activities: { W: { Wait: { WaitTime: { WaitFor: 'P1DT12H' }, NextActivity: 'Hello' } }, Hello: { EMAIL: { TemplateName: 'Welcome' } } } });
    expect(file.steps[0]).toEqual({ id: 'w', type: 'wait', duration: '36h', next: 'hello' });
  });

  it('Wait WaitUntil becomes wait_until at that moment', () => {
    const { file } = translate({ StartActivity: 'W', Activities: { W: { Wait: { WaitTime: { WaitUntil: '2027-01-15T10:00:00+01:00' } } } } });
    expect(file.steps[0]).toEqual({ id: 'w', type: 'wait_until', at: '2027-01-15T09:00:00.000Z', next: 'end' });
  });

  it('ConditionalSplit on one message event waits up to the evaluation time for it: wait_for_event, on_event TrueActivity, on_timeout FalseActivity', () => {
    const { file, entries } = translate({
      StartActivity: 'Hello',
      Activities: {
        Hello: { EMAIL: { TemplateName: 'Welcome', NextActivity: 'Clicked' } },
        Clicked: {
          ConditionalSplit: {
            Condition: { Conditions: [{ EventCondition: { Dimensions: { EventType: { DimensionType: 'INCLUSIVE', Values: ['_email.click'] } }, MessageActivity: 'Hello' } }] },
            EvaluationWaitTime: { WaitFor: 'PT72H' },
            TrueActivity: 'Again',
            FalseActivity: 'Text',
          },
        },
        Again: { EMAIL: { TemplateName: 'Reminder' } },
        Text: { SMS: { TemplateName: 'Nudge' } },
      },
    });
    expect(file.steps[1]).toEqual({
      id: 'clicked',
      type: 'wait_for_event',
      event: 'email.clicked',
      where: ['journeyId == imported', 'stepId == hello'],
      timeout: '3d',
      on_event: 'again',
      on_timeout: 'text',
    });
    expect(entry(entries, 'Activities.Clicked.ConditionalSplit')?.status).toBe('translated');
  });

  it('ConditionalSplit on a segment is a branch read after the evaluation wait', () => {
    const { file } = translate({
      StartActivity: 'InVips',
      Activities: {
        InVips: {
          ConditionalSplit: { Condition: { Conditions: [{ SegmentCondition: { SegmentId: 'seg-2' } }] }, EvaluationWaitTime: { WaitFor: 'PT6H' }, TrueActivity: 'Hello', FalseActivity: 'Text' },
        },
        Hello: { EMAIL: { TemplateName: 'Welcome' } },
        Text: { SMS: { TemplateName: 'Nudge' } },
      },
    });
    expect(file.steps.slice(0, 2)).toEqual([
      { id: 'in-vips-wait', type: 'wait', duration: '6h', next: 'in-vips' },
      { id: 'in-vips', type: 'branch', cases: [{ when: ['segments contains vips'], next: 'hello' }], otherwise: 'text' },
    ]);
  });

  it('ConditionalSplit with several conditions (ANY) gives one case each; events count over the wait (approximated)', () => {
    const { file, entries } = translate({
      StartActivity: 'Either',
      Activities: {
        Either: {
          ConditionalSplit: {
            Condition: {
              Operator: 'ANY',
              Conditions: [
                { SegmentDimensions: { UserAttributes: { Plan: { AttributeType: 'INCLUSIVE', Values: ['pro'] } } } },
                { EventCondition: { Dimensions: { EventType: { Values: ['purchase'] }, Metrics: { total: { ComparisonOperator: 'GREATER_THAN', Value: 50 } } } } },
              ],
            },
            EvaluationWaitTime: { WaitFor: 'P1D' },
            TrueActivity: 'Hello',
          },
        },
        Hello: { EMAIL: { TemplateName: 'Welcome' } },
      },
    });
    expect(file.steps[1]).toEqual({
      id: 'either',
      type: 'branch',
      cases: [
        { when: ['plan == pro'], next: 'hello' },
        { when: [{ happened: 'purchase', within: '1d', where: ['total > 50'] }], next: 'hello' },
      ],
      otherwise: 'end',
    });
    expect(entry(entries, 'Activities.Either.ConditionalSplit')?.status).toBe('approximated');
  });

  it('MultiCondition is a branch: the first branch that holds, else the default', () => {
    const { file } = translate({
      StartActivity: 'Route',
      Activities: {
        Route: {
          MultiCondition: {
            EvaluationWaitTime: { WaitFor: 'PT12H' },
            Branches: [
              { Condition: { SegmentCondition: { SegmentId: 'seg-1' } }, NextActivity: 'Hello' },
              { Condition: { EventCondition: { Dimensions: { EventType: { Values: ['_email.open'] } } } }, NextActivity: 'Text' },
            ],
            DefaultActivity: 'Again',
          },
        },
        Hello: { EMAIL: { TemplateName: 'Welcome' } },
        Text: { SMS: { TemplateName: 'Nudge' } },
        Again: { EMAIL: { TemplateName: 'Reminder' } },
      },
    });
    expect(file.steps[0]).toEqual({ id: 'route-wait', type: 'wait', duration: '12h', next: 'route' });
    expect(file.steps[1]).toEqual({
      id: 'route',
      type: 'branch',
      cases: [
        { when: ['segments contains engaged'], next: 'hello' },
        { when: [{ happened: 'email.opened', within: '12h', where: [] }], next: 'text' },
      ],
      otherwise: 'again',
    });
  });

  it('RandomSplit becomes a split with the same percentages', () => {
    const { file } = translate({
      StartActivity: 'Ab',
      Activities: {
        Ab: { RandomSplit: { Branches: [{ Percentage: 30, NextActivity: 'Hello' }, { Percentage: 70, NextActivity: 'Again' }] } },
        Hello: { EMAIL: { TemplateName: 'Welcome' } },
        Again: { EMAIL: { TemplateName: 'Reminder' } },
      },
    });
    expect(file.steps[0]).toEqual({ id: 'ab', type: 'split', paths: [{ percent: 30, next: 'hello' }, { percent: 70, next: 'again' }] });
  });

  it('Holdout is a split whose held-out share exits', () => {
    const { file } = translate({ StartActivity: 'Control', Activities: { Control: { Holdout: { Percentage: 15, NextActivity: 'Hello' } }, Hello: { EMAIL: { TemplateName: 'Welcome' } } } });
    expect(file.steps.slice(0, 2)).toEqual([
      { id: 'control', type: 'split', paths: [{ percent: 15, next: 'control-held-out' }, { percent: 85, next: 'hello' }] },
      { id: 'control-held-out', type: 'exit' },
    ]);
  });

  it('CUSTOM with an https DeliveryUri becomes a webhook step; its payload is reported', () => {
    const { file, entries } = translate({ StartActivity: 'Hook', Activities: { Hook: { CUSTOM: { DeliveryUri: 'https://hooks.example.com/x', MessageConfig: { Data: '{}' } } } } });
    expect(file.steps[0]).toEqual({ id: 'hook', type: 'webhook', url: 'https://hooks.example.com/x', next: 'end' });
    expect(entry(entries, 'Activities.Hook.CUSTOM.MessageConfig.Data')?.status).toBe('not_translated');
  });

  it('CUSTOM with a Lambda ARN is reported and skipped: contacts go straight on', () => {
    const { file, entries } = translate({
      StartActivity: 'Fn',
      Activities: { Fn: { CUSTOM: { DeliveryUri: 'arn:aws:lambda:us-east-1:111122223333:function:f', NextActivity: 'Hello' } }, Hello: { EMAIL: { TemplateName: 'Welcome' } } },
    });
    expect(file.steps[0]).toMatchObject({ id: 'hello', type: 'send_email' });
    expect(entry(entries, 'Activities.Fn.CUSTOM')).toMatchObject({ status: 'not_translated', detail: expect.stringContaining('Lambda') });
  });

  it('PUSH is reported, not translated: contacts go straight on', () => {
    const { file, entries } = translate({ StartActivity: 'Hello', Activities: { Hello: { EMAIL: { TemplateName: 'Welcome', NextActivity: 'Push' } }, Push: { PUSH: { NextActivity: 'Text' } }, Text: { SMS: { TemplateName: 'Nudge' } } } });
    expect(file.steps[0]).toMatchObject({ id: 'hello', next: 'text' });
    expect(entry(entries, 'Activities.Push.PUSH')?.status).toBe('not_translated');
  });

  it('ContactCenter is reported, not translated: contacts go straight on', () => {
    const { file, entries } = translate({ StartActivity: 'Call', Activities: { Call: { ContactCenter: { NextActivity: 'Hello' } }, Hello: { EMAIL: { TemplateName: 'Welcome' } } } });
    expect(file.steps[0]).toMatchObject({ id: 'hello' });
    expect(entry(entries, 'Activities.Call.ContactCenter')?.status).toBe('not_translated');
  });
});

describe('start conditions', () => {
  it('an event start condition is a trigger per event, its filters as where, its segment as an entry rule', () => {
    const { file } = translate({
      StartActivity: 'Hello',
      Activities: { Hello: { EMAIL: { TemplateName: 'Welcome' } } },
      StartCondition: {
        EventStartCondition: {
          EventFilter: { FilterType: 'ENDPOINT', Dimensions: { EventType: { Values: ['sign_up', '_email.click'] }, Attributes: { plan: { AttributeType: 'EXCLUSIVE', Values: ['free'] } } } },
          SegmentId: 'seg-2',
        },
      },
    });
    expect(file.triggers).toEqual([
      { on: 'event', event: 'sign_up', where: ['plan != free'] },
      { on: 'event', event: 'email.clicked', where: ['plan != free'] },
    ]);
    expect(file.entry).toEqual({ mode: 'once', where: ['segments contains vips'] });
  });

  it('a segment start condition is segment_entered (approximated: members at deploy are not enrolled)', () => {
    const { file, entries } = translate({ StartActivity: 'Hello', Activities: { Hello: { EMAIL: { TemplateName: 'Welcome' } } } });
    expect(file.triggers).toEqual([{ on: 'segment_entered', segment: 'engaged' }]);
    expect(entry(entries, 'StartCondition.SegmentStartCondition')?.status).toBe('approximated');
  });

  it('engagement events map to ours; hard bounces are the permanent ones', () => {
    const { file } = translate({
      StartActivity: 'Hello',
      Activities: { Hello: { EMAIL: { TemplateName: 'Welcome' } } },
      StartCondition: { EventStartCondition: { EventFilter: { Dimensions: { EventType: { Values: ['_email.open', '_email.hardbounce', '_SMS.SUCCESS', '_SMS.FAILURE', '_SMS.OPTOUT', '_SMS.RECEIVED'] } } } } },
    });
    expect(file.triggers).toEqual([
      { on: 'event', event: 'email.opened' },
      { on: 'event', event: 'email.bounced', where: ['bounceType == Permanent'] },
      { on: 'event', event: 'sms.delivered' },
      { on: 'event', event: 'sms.failed' },
      { on: 'event', event: 'sms.unsubscribed' },
      { on: 'event', event: 'sms.received' },
    ]);
  });
});

describe('limits and schedule', () => {
  const journey = (extra: Record<string, unknown>) => translate({ StartActivity: 'Hello', Activities: { Hello: { EMAIL: { TemplateName: 'Welcome' } }, Text: { SMS: { TemplateName: 'Nudge' } } }, ...extra });

  it('DailyCap is reported: the global frequency cap is the nearest', () => {
    expect(entry(journey({ Limits: { DailyCap: 1 } }).entries, 'Limits.DailyCap')).toMatchObject({ status: 'not_translated', detail: expect.stringContaining('frequency cap') });
  });

  it('TotalCap is reported', () => {
    expect(entry(journey({ Limits: { TotalCap: 5 } }).entries, 'Limits.TotalCap')?.status).toBe('not_translated');
  });

  it('MessagesPerSecond is reported', () => {
    expect(entry(journey({ Limits: { MessagesPerSecond: 10 } }).entries, 'Limits.MessagesPerSecond')?.status).toBe('not_translated');
  });

  it('TimeframeCap is reported', () => {
    expect(entry(journey({ Limits: { TimeframeCap: { Cap: 3, Days: 7 } } }).entries, 'Limits.TimeframeCap')?.status).toBe('not_translated');
  });

  it('EndpointReentryCap 1 is entry once', () => {
    const { file, entries } = journey({ Limits: { EndpointReentryCap: 1 } });
    expect(file.entry).toEqual({ mode: 'once' });
    expect(entry(entries, 'Limits.EndpointReentryCap')?.status).toBe('translated');
  });

  it('EndpointReentryInterval is entry cooldown; a cap above 1 is reported (no count limit here)', () => {
    const { file, entries } = journey({ Limits: { EndpointReentryCap: 3, EndpointReentryInterval: 'P7D' } });
    expect(file.entry).toEqual({ mode: 'cooldown', cooldown: '1w' });
    expect(entry(entries, 'Limits.EndpointReentryInterval')?.status).toBe('translated');
    expect(entry(entries, 'Limits.EndpointReentryCap')?.status).toBe('not_translated');
  });

  it('unlimited re-entry without an interval is reported and enters once', () => {
    const { file, entries } = journey({ Limits: { EndpointReentryCap: 0 } });
    expect(file.entry).toEqual({ mode: 'once' });
    expect(entry(entries, 'Limits.EndpointReentryCap')?.status).toBe('not_translated');
  });

  it('QuietTime with WaitForQuietTime holds sends for the hours outside it', () => {
    const { file, entries } = journey({ QuietTime: { Start: '22:00', End: '07:30' }, WaitForQuietTime: true });
    expect(file.steps[0]).toEqual({ id: 'hello-window', type: 'wait_until', window: { hours: '07:30-22:00', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] }, next: 'hello' });
    expect(entry(entries, 'QuietTime')?.status).toBe('translated');
    expect(entry(entries, 'WaitForQuietTime')?.status).toBe('translated');
  });

  it('QuietTime without WaitForQuietTime (sends dropped) is reported', () => {
    const { file, entries } = journey({ QuietTime: { Start: '22:00', End: '07:00' } });
    expect(file.steps[0]).toMatchObject({ id: 'hello', type: 'send_email' });
    expect(entry(entries, 'QuietTime')?.status).toBe('not_translated');
  });

  it('OpenHours of one range on chosen days is a send window for that channel', () => {
    const day = [{ StartTime: '09:00', EndTime: '17:00' }];
    const { file } = journey({ OpenHours: { EMAIL: { MONDAY: day, WEDNESDAY: day } } });
    expect(file.steps[0]).toEqual({ id: 'hello-window', type: 'wait_until', window: { hours: '09:00-17:00', days: ['mon', 'wed'] }, next: 'hello' });
  });

  it('OpenHours that differ by day are reported', () => {
    const { entries } = journey({ OpenHours: { SMS: { MONDAY: [{ StartTime: '09:00', EndTime: '17:00' }], TUESDAY: [{ StartTime: '10:00', EndTime: '17:00' }] } } });
    expect(entry(entries, 'OpenHours.SMS')?.status).toBe('not_translated');
  });

  it('ClosedDays are reported', () => {
    expect(entry(journey({ ClosedDays: { EMAIL: [{ Name: 'Holiday', StartDateTime: '2027-01-01T00:00:00Z', EndDateTime: '2027-01-02T00:00:00Z' }] } }).entries, 'ClosedDays.EMAIL')?.status).toBe('not_translated');
  });

  it("LocalTime reads windows in the contact's zone", () => {
    expect(entry(journey({ LocalTime: true }).entries, 'LocalTime')?.status).toBe('translated');
  });

  it('Schedule: its time zone becomes the journey timezone; start and end times are reported', () => {
    const { file, entries } = journey({ Schedule: { Timezone: 'UTC-05', StartTime: '2027-01-01T00:00:00Z' } });
    expect(file.timezone).toBe('Etc/GMT+5');
    expect(entry(entries, 'Schedule')?.status).toBe('not_translated');
    expect(ianaZone('UTC+01')).toBe('Etc/GMT-1');
    expect(ianaZone('Europe/Paris')).toBe('Europe/Paris');
  });

  it('RefreshFrequency needs nothing: membership is live', () => {
    expect(entry(journey({ RefreshFrequency: 'PT1H' }).entries, 'RefreshFrequency')?.status).toBe('translated');
  });

  it('an unknown top-level key is reported rather than dropped', () => {
    expect(entry(journey({ SomethingNew: 1 }).entries, 'SomethingNew')?.status).toBe('not_translated');
  });
});
