import * as z from 'zod';
import { formatDuration } from '../../functions/shared/durations';
import { attributeConditions, isoDurationSeconds, kebabId, mapEvent, metricCondition, sortedEntries, type Translated } from './common';
import { ReportBuilder } from './report';
import { SegmentDimensions, dimensionConditions } from './segments';

/**
 * Pinpoint journeys (GetJourney's JourneyResponse) as journey files (`statemachines/<id>.yaml`). Activities keep
 * their keys as step ids (kebab-cased); every transition is written out (`next`, `on_event`, `otherwise`…), since
 * our list order is not Pinpoint's graph. Semantics honoured: a yes/no split on one event waits up to its
 * evaluation time for it (`wait_for_event`, on_event / on_timeout), a split on segments or attributes is a `branch`
 * after the evaluation wait; a random split is a `split`; a holdout is a split whose held-out share exits. What our
 * format cannot hold is reported, never dropped silently. Pure.
 */

const WaitTime = z.looseObject({ WaitFor: z.string().optional(), WaitUntil: z.string().optional() });
const EventDimensions = z.looseObject({
  EventType: z.looseObject({ DimensionType: z.string().optional(), Values: z.array(z.string()).default([]) }).optional(),
  Attributes: z.record(z.string(), z.looseObject({ AttributeType: z.string().optional(), Values: z.array(z.string()).default([]) })).optional(),
  Metrics: z.record(z.string(), z.looseObject({ ComparisonOperator: z.string().optional(), Value: z.number().optional() })).optional(),
});
type EventDimensions = z.infer<typeof EventDimensions>;
const SimpleCondition = z.looseObject({
  EventCondition: z.looseObject({ Dimensions: EventDimensions.optional(), MessageActivity: z.string().optional() }).optional(),
  SegmentCondition: z.looseObject({ SegmentId: z.string() }).optional(),
  SegmentDimensions: SegmentDimensions.optional(),
});
type SimpleCondition = z.infer<typeof SimpleCondition>;
const Message = z.looseObject({ NextActivity: z.string().optional(), TemplateName: z.string().optional(), TemplateVersion: z.string().optional(), MessageConfig: z.record(z.string(), z.unknown()).optional() });

export const Activity = z.looseObject({
  Description: z.string().optional(),
  EMAIL: Message.optional(),
  SMS: Message.optional(),
  PUSH: Message.optional(),
  CUSTOM: Message.extend({ DeliveryUri: z.string().optional(), EndpointTypes: z.array(z.string()).optional() }).optional(),
  ContactCenter: z.looseObject({ NextActivity: z.string().optional() }).optional(),
  Wait: z.looseObject({ NextActivity: z.string().optional(), WaitTime: WaitTime.optional() }).optional(),
  ConditionalSplit: z
    .looseObject({
      Condition: z.looseObject({ Conditions: z.array(SimpleCondition).default([]), Operator: z.string().optional() }).optional(),
      EvaluationWaitTime: WaitTime.optional(),
      TrueActivity: z.string().optional(),
      FalseActivity: z.string().optional(),
    })
    .optional(),
  MultiCondition: z
    .looseObject({
      Branches: z.array(z.looseObject({ Condition: SimpleCondition.optional(), NextActivity: z.string().optional() })).default([]),
      DefaultActivity: z.string().optional(),
      EvaluationWaitTime: WaitTime.optional(),
    })
    .optional(),
  RandomSplit: z.looseObject({ Branches: z.array(z.looseObject({ Percentage: z.number().optional(), NextActivity: z.string().optional() })).default([]) }).optional(),
  Holdout: z.looseObject({ Percentage: z.number(), NextActivity: z.string().optional() }).optional(),
});
export type Activity = z.infer<typeof Activity>;

const DayHours = z.array(z.looseObject({ StartTime: z.string(), EndTime: z.string() }));

export const JourneyResponse = z.looseObject({
  Id: z.string().min(1),
  Name: z.string().default(''),
  State: z.string().optional(),
  StartActivity: z.string().optional(),
  Activities: z.record(z.string(), Activity).default({}),
  StartCondition: z
    .looseObject({
      Description: z.string().optional(),
      EventStartCondition: z
        .looseObject({ EventFilter: z.looseObject({ Dimensions: EventDimensions.optional(), FilterType: z.string().optional() }).optional(), SegmentId: z.string().optional() })
        .optional(),
      SegmentStartCondition: z.looseObject({ SegmentId: z.string() }).optional(),
    })
    .optional(),
  Limits: z
    .looseObject({
      DailyCap: z.number().optional(),
      TotalCap: z.number().optional(),
      EndpointReentryCap: z.number().optional(),
      EndpointReentryInterval: z.string().optional(),
      MessagesPerSecond: z.number().optional(),
      TimeframeCap: z.looseObject({ Cap: z.number().optional(), Days: z.number().optional() }).optional(),
    })
    .optional(),
  QuietTime: z.looseObject({ Start: z.string().optional(), End: z.string().optional() }).optional(),
  OpenHours: z.record(z.string(), z.record(z.string(), DayHours)).optional(),
  ClosedDays: z.record(z.string(), z.array(z.looseObject({ Name: z.string().optional(), StartDateTime: z.string().optional(), EndDateTime: z.string().optional() }))).optional(),
  LocalTime: z.boolean().optional(),
  Schedule: z.looseObject({ StartTime: z.string().optional(), EndTime: z.string().optional(), Timezone: z.string().optional() }).optional(),
  Timezone: z.string().optional(),
  RefreshFrequency: z.string().optional(),
  RefreshOnSegmentUpdate: z.boolean().optional(),
  WaitForQuietTime: z.boolean().optional(),
  SendingSchedule: z.boolean().optional(),
  JourneyChannelSettings: z.unknown().optional(),
});
export type JourneyResponse = z.infer<typeof JourneyResponse>;

export interface JourneyContext {
  /** Our id of this journey. */
  readonly id: string;
  /** Our segment ids, by Pinpoint segment id. */
  readonly segmentIds: ReadonlyMap<string, string>;
  /** Our email template ids, by Pinpoint template name. */
  readonly emailTemplateIds: ReadonlyMap<string, string>;
  /** Our SMS template ids, by Pinpoint template name. */
  readonly smsTemplateIds: ReadonlyMap<string, string>;
  /** The email topic the journey's emails belong to (unsubscribing from it exits the journey). */
  readonly topic: string;
}

type Step = Record<string, unknown> & { id: string; type: string };
type When = string | { happened: string; within: string; where: string[] };

const METADATA = new Set(['Id', 'Name', 'ApplicationId', 'Arn', 'CreationDate', 'LastModifiedDate', 'tags', 'Activities', 'StartActivity', 'StartCondition', 'Limits', 'QuietTime', 'OpenHours', 'ClosedDays', 'LocalTime', 'Schedule', 'Timezone', 'RefreshFrequency', 'RefreshOnSegmentUpdate', 'WaitForQuietTime', 'SendingSchedule', 'JourneyChannelSettings', 'State']);
const ACTIVITY_TYPES = ['EMAIL', 'SMS', 'PUSH', 'CUSTOM', 'ContactCenter', 'Wait', 'ConditionalSplit', 'MultiCondition', 'RandomSplit', 'Holdout'] as const;
const WEEKDAYS: Readonly<Record<string, string>> = { MONDAY: 'mon', TUESDAY: 'tue', WEDNESDAY: 'wed', THURSDAY: 'thu', FRIDAY: 'fri', SATURDAY: 'sat', SUNDAY: 'sun' };

/** `UTC+01` (Pinpoint's schedule offsets) as an IANA zone (`Etc/GMT-1`: the Etc signs are reversed); IANA names pass. */
export function ianaZone(zone: string): string | undefined {
  const offset = /^(?:UTC|GMT)([+-])(\d{1,2})(?::?00)?$/.exec(zone.trim());
  const candidate = zone.trim() === 'UTC' || zone.trim() === 'GMT' ? 'UTC' : offset ? `Etc/GMT${offset[1] === '+' ? '-' : '+'}${Number(offset[2])}` : zone.trim();
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: candidate });
    return candidate;
  } catch {
    return undefined;
  }
}

/** The one activity type an activity holds (Pinpoint allows one per activity). */
function typeOf(activity: Activity): (typeof ACTIVITY_TYPES)[number] | undefined {
  return ACTIVITY_TYPES.find((type) => activity[type] !== undefined);
}

/** Where an activity goes next, by field. */
function nextsOf(activity: Activity): (string | undefined)[] {
  const type = typeOf(activity);
  switch (type) {
    case 'ConditionalSplit':
      return [activity.ConditionalSplit!.TrueActivity, activity.ConditionalSplit!.FalseActivity];
    case 'MultiCondition':
      return [...activity.MultiCondition!.Branches.map((b) => b.NextActivity), activity.MultiCondition!.DefaultActivity];
    case 'RandomSplit':
      return activity.RandomSplit!.Branches.map((b) => b.NextActivity);
    case undefined:
      return [];
    default:
      return [(activity[type] as { NextActivity?: string }).NextActivity];
  }
}

/** One journey file, and what the report says about it. */
export function translateJourney(journey: JourneyResponse, context: JourneyContext): { file: Record<string, unknown>; report: ReportBuilder } {
  const report = new ReportBuilder('journey', journey.Id, `statemachines/${context.id}.yaml`);
  report.translated('Id/Name', `journey "${context.id}" named "${journey.Name || journey.Id}"`);
  for (const key of Object.keys(journey).sort()) if (!METADATA.has(key)) report.notTranslated(key, 'not a construct the importer knows');

  // Step ids: activity keys, kebab-cased (room left for the suffixes of helper steps), unique.
  const activityIds = Object.keys(journey.Activities).sort();
  const stepIds = new Map<string, string>();
  const used = new Set<string>();
  for (const key of activityIds) {
    const base = kebabId(key, 52);
    let stepId = base;
    for (let n = 2; used.has(stepId) || stepId === 'end'; n++) stepId = `${base}-${n}`;
    used.add(stepId);
    stepIds.set(key, stepId);
  }
  const endId = 'end';
  let endUsed = false;

  const timezone = zoneOf(journey, report);
  const windows = sendWindows(journey, report);

  // Splits whose conditions are read after their evaluation wait (a branch, not a wait for one event): a
  // transition to one lands on its wait.
  const preWait = new Set<string>();
  for (const key of activityIds) {
    const activity = journey.Activities[key]!;
    const waitTime = activity.ConditionalSplit?.EvaluationWaitTime ?? activity.MultiCondition?.EvaluationWaitTime;
    if (!waitTime || (!validWait(waitTime.WaitFor) && !(waitTime.WaitUntil && isoInstant(waitTime.WaitUntil)))) continue;
    if (activity.ConditionalSplit && waitsForOneEvent(activity.ConditionalSplit)) continue;
    preWait.add(key);
  }

  // Activities that pass contacts straight on (PUSH, ContactCenter, a CUSTOM Lambda…): their transitions skip them.
  const passThrough = new Set<string>();
  const activityType = new Map<string, ReturnType<typeof typeOf>>();
  for (const key of activityIds) {
    const activity = journey.Activities[key]!;
    const type = typeOf(activity);
    activityType.set(key, type);
    const where = `Activities.${key}`;
    if (type === undefined) {
      report.notTranslated(where, 'an activity of a type the importer does not know: contacts pass straight on to what follows it (nothing follows: they leave)');
      passThrough.add(key);
    } else if (type === 'PUSH') {
      report.notTranslated(`${where}.PUSH`, 'push notifications are not a channel here: contacts pass straight on to its NextActivity');
      passThrough.add(key);
    } else if (type === 'ContactCenter') {
      report.notTranslated(`${where}.ContactCenter`, 'Amazon Connect outbound calls are not a channel here (a hand_off step to your CRM is the nearest, add one if it fits): contacts pass straight on');
      passThrough.add(key);
    } else if (type === 'CUSTOM' && !/^https:\/\//.test(activity.CUSTOM!.DeliveryUri ?? '')) {
      report.notTranslated(`${where}.CUSTOM`, `the target ${activity.CUSTOM!.DeliveryUri?.startsWith('arn:') ? 'is a Lambda function (an ARN)' : 'is not an https URL'}: a webhook step calls https URLs only; contacts pass straight on. Put the function behind an https endpoint (a function URL) and add a webhook step`);
      passThrough.add(key);
    }
  }

  /** The step a transition to `key` lands on: the activity's first step, or, through skipped ones, what follows them. */
  const target = (key: string | undefined, seen: ReadonlySet<string> = new Set()): string => {
    if (key === undefined || journey.Activities[key] === undefined || seen.has(key)) {
      endUsed = true;
      return endId;
    }
    if (passThrough.has(key)) return target(nextsOf(journey.Activities[key]!)[0], new Set([...seen, key]));
    const stepId = stepIds.get(key)!;
    const type = activityType.get(key);
    if ((type === 'EMAIL' && windows.email) || (type === 'SMS' && windows.sms)) return `${stepId}-window`;
    if ((type === 'ConditionalSplit' || type === 'MultiCondition') && preWait.has(key)) return `${stepId}-wait`;
    return stepId;
  };

  const stepsByKey = new Map<string, Step[]>();
  const translate = (key: string): Step[] => {
    const activity = journey.Activities[key]!;
    const id = stepIds.get(key)!;
    const where = `Activities.${key}`;
    const type = activityType.get(key);
    switch (type) {
      case 'EMAIL': {
        const email = activity.EMAIL!;
        const template = context.emailTemplateIds.get(email.TemplateName ?? '') ?? kebabId(email.TemplateName ?? 'missing-template', 64);
        if (!context.emailTemplateIds.has(email.TemplateName ?? '')) report.notTranslated(`${where}.EMAIL.TemplateName`, `template "${email.TemplateName ?? ''}" is not in the export: add templates/email/${email.TemplateName ?? '<name>'}.json (get-email-template) and import again`);
        report.translated(`${where}.EMAIL`, `send_email of template "${template}"`);
        if (email.TemplateVersion) report.approximated(`${where}.EMAIL.TemplateVersion`, `version ${email.TemplateVersion} is not kept: the exported version is the template`);
        if (email.MessageConfig && Object.keys(email.MessageConfig).length > 0) report.notTranslated(`${where}.EMAIL.MessageConfig`, 'the sender (FromAddress) is content/email.yaml\'s for every email');
        const send: Step = { id, type: 'send_email', template, next: target(email.NextActivity) };
        return windows.email ? [windowStep(`${id}-window`, windows.email, id), send] : [send];
      }
      case 'SMS': {
        const sms = activity.SMS!;
        const template = context.smsTemplateIds.get(sms.TemplateName ?? '') ?? kebabId(sms.TemplateName ?? 'missing-template', 64);
        if (!context.smsTemplateIds.has(sms.TemplateName ?? '')) report.notTranslated(`${where}.SMS.TemplateName`, `template "${sms.TemplateName ?? ''}" is not in the export: add templates/sms/${sms.TemplateName ?? '<name>'}.json (get-sms-template) and import again`);
        report.translated(`${where}.SMS`, `send_sms of template "${template}"`);
        if (sms.MessageConfig && Object.keys(sms.MessageConfig).length > 0) {
          report.notTranslated(`${where}.SMS.MessageConfig`, `${Object.keys(sms.MessageConfig).sort().join(', ')}: the message type, origination number and sender id are the SMS settings' for every message`);
        }
        const send: Step = { id, type: 'send_sms', template, next: target(sms.NextActivity) };
        return windows.sms ? [windowStep(`${id}-window`, windows.sms, id), send] : [send];
      }
      case 'CUSTOM': {
        const custom = activity.CUSTOM!;
        report.translated(`${where}.CUSTOM`, `webhook step calling ${custom.DeliveryUri} (the body is ours, signed: { journeyId, stepId, contact })`);
        if (custom.MessageConfig?.Data !== undefined) report.notTranslated(`${where}.CUSTOM.MessageConfig.Data`, 'a custom payload: a webhook step sends its own signed body');
        if (custom.TemplateName) report.notTranslated(`${where}.CUSTOM.TemplateName`, 'a custom template: a webhook step sends its own signed body');
        if (custom.EndpointTypes?.length) report.approximated(`${where}.CUSTOM.EndpointTypes`, `${custom.EndpointTypes.join(', ')}: the webhook is called once per contact, whatever its channels`);
        return [{ id, type: 'webhook', url: custom.DeliveryUri!, next: target(custom.NextActivity) }];
      }
      case 'Wait': {
        const wait = activity.Wait!;
        const next = target(wait.NextActivity);
        if (wait.WaitTime?.WaitFor) {
          const seconds = isoDurationSeconds(wait.WaitTime.WaitFor);
          if (seconds === undefined || seconds <= 0) {
            report.notTranslated(`${where}.Wait.WaitFor`, `"${wait.WaitTime.WaitFor}" is not a duration of fixed length (weeks, days, hours, minutes, seconds); no wait`);
            return [{ id, type: 'wait', duration: '1m', next }];
          }
          report.translated(`${where}.Wait.WaitFor`, `wait ${formatDuration(seconds)}`);
          return [{ id, type: 'wait', duration: formatDuration(seconds), next }];
        }
        if (wait.WaitTime?.WaitUntil) {
          const at = isoInstant(wait.WaitTime.WaitUntil);
          if (!at) {
            report.notTranslated(`${where}.Wait.WaitUntil`, `"${wait.WaitTime.WaitUntil}" is not an ISO date and time; the wait is a minute`);
            return [{ id, type: 'wait', duration: '1m', next }];
          }
          report.translated(`${where}.Wait.WaitUntil`, `wait_until ${at} (a moment already past does not wait)`);
          return [{ id, type: 'wait_until', at, next }];
        }
        report.notTranslated(`${where}.Wait`, 'a wait without WaitFor or WaitUntil; a minute');
        return [{ id, type: 'wait', duration: '1m', next }];
      }
      case 'RandomSplit': {
        const branches = activity.RandomSplit!.Branches.filter((b) => (b.Percentage ?? 0) > 0);
        const paths = branches.map((b) => ({ percent: b.Percentage!, next: target(b.NextActivity) }));
        const total = paths.reduce((sum, p) => sum + p.percent, 0);
        if (total !== 100 || paths.some((p) => !Number.isInteger(p.percent))) {
          report.notTranslated(`${where}.RandomSplit`, `percentages ${paths.map((p) => p.percent).join(' + ')} do not make whole percents adding up to 100; everyone takes the first branch`);
          return [{ id, type: 'split', paths: [{ percent: 99, next: paths[0]?.next ?? target(undefined) }, { percent: 1, next: paths[0]?.next ?? target(undefined) }] }];
        }
        if (paths.length === 1) {
          report.translated(`${where}.RandomSplit`, 'one branch of 100%: a 99/1 split to the same step');
          return [{ id, type: 'split', paths: [{ percent: 99, next: paths[0]!.next }, { percent: 1, next: paths[0]!.next }] }];
        }
        report.translated(`${where}.RandomSplit`, `split ${paths.map((p) => `${p.percent}% → ${p.next}`).join(', ')} (deterministic per contact)`);
        return [{ id, type: 'split', paths }];
      }
      case 'Holdout': {
        const holdout = activity.Holdout!;
        const percent = Math.round(holdout.Percentage);
        const next = target(holdout.NextActivity);
        const heldOut = `${id}-held-out`;
        if (percent <= 0 || percent >= 100) {
          report.notTranslated(`${where}.Holdout`, `a holdout of ${holdout.Percentage}% is ${percent <= 0 ? 'nobody: contacts pass on' : 'everybody: contacts exit'}`);
          return percent <= 0 ? [{ id, type: 'split', paths: [{ percent: 99, next }, { percent: 1, next }] }] : [{ id, type: 'exit' }];
        }
        report.translated(`${where}.Holdout`, `split: ${percent}% held out (they exit at "${heldOut}"), ${100 - percent}% go on to ${next}`);
        return [
          { id, type: 'split', paths: [{ percent, next: heldOut }, { percent: 100 - percent, next }] },
          { id: heldOut, type: 'exit' },
        ];
      }
      case 'ConditionalSplit':
        return conditionalSplit(key, id, activity.ConditionalSplit!, where);
      case 'MultiCondition':
        return multiCondition(key, id, activity.MultiCondition!, where);
      default:
        return [];
    }
  };

  /** The evaluation wait before a branch, or why there is none. */
  const evaluationWait = (id: string, waitTime: z.infer<typeof WaitTime> | undefined, next: string, where: string): Step[] => {
    if (waitTime?.WaitFor) {
      const seconds = isoDurationSeconds(waitTime.WaitFor);
      if (seconds && seconds > 0) {
        report.translated(`${where}.EvaluationWaitTime`, `wait ${formatDuration(seconds)}, then evaluate`);
        return [{ id: `${id}-wait`, type: 'wait', duration: formatDuration(seconds), next }];
      }
    }
    if (waitTime?.WaitUntil) {
      const at = isoInstant(waitTime.WaitUntil);
      if (at) {
        report.translated(`${where}.EvaluationWaitTime`, `wait_until ${at}, then evaluate`);
        return [{ id: `${id}-wait`, type: 'wait_until', at, next }];
      }
    }
    if (waitTime) report.notTranslated(`${where}.EvaluationWaitTime`, 'not a duration or an ISO moment; evaluated at once');
    return [];
  };

  const conditionalSplit = (key: string, id: string, split: NonNullable<Activity['ConditionalSplit']>, where: string): Step[] => {
    const conditions = split.Condition?.Conditions ?? [];
    const onTrue = target(split.TrueActivity);
    const onFalse = target(split.FalseActivity);
    const only = conditions.length === 1 ? conditions[0]! : undefined;
    const timeout = split.EvaluationWaitTime?.WaitFor ? isoDurationSeconds(split.EvaluationWaitTime.WaitFor) : undefined;
    if (only && timeout && waitsForOneEvent(split)) {
      const event = eventOf(only.EventCondition!, `${where}.ConditionalSplit.Condition.Conditions[0].EventCondition`);
      if (event) {
        report.translated(`${where}.ConditionalSplit`, `wait_for_event ${event.event} up to ${formatDuration(timeout)}: on the event → ${onTrue} (TrueActivity), at the timeout → ${onFalse} (FalseActivity)`);
        return [{ id, type: 'wait_for_event', event: event.event, where: event.where, timeout: formatDuration(timeout), on_event: onTrue, on_timeout: onFalse }];
      }
    }
    // Otherwise: the conditions are read once, after the evaluation wait (events as "happened within the wait").
    const whens = conditions.map((condition, i) => simpleCondition(condition, `${where}.ConditionalSplit.Condition.Conditions[${i}]`, timeout));
    const usable = whens.filter((w): w is When[] => w !== undefined);
    const operator = split.Condition?.Operator ?? 'ALL';
    const pre = preWait.has(key) ? evaluationWait(id, split.EvaluationWaitTime, id, `${where}.ConditionalSplit`) : [];
    if (usable.length === 0) {
      report.notTranslated(`${where}.ConditionalSplit`, `no condition could be translated: everyone takes the FalseActivity (${onFalse})`);
      return [{ id, type: 'branch', cases: [{ when: ['email missing', 'email exists'], next: onTrue }], otherwise: onFalse }];
    }
    const cases = operator === 'ANY' ? usable.map((when) => ({ when, next: onTrue })) : [{ when: usable.flat(), next: onTrue }];
    const hasEvents = usable.flat().some((w) => typeof w !== 'string');
    (hasEvents ? report.approximated.bind(report) : report.translated.bind(report))(
      `${where}.ConditionalSplit`,
      `branch (${operator}): ${operator === 'ANY' ? 'any condition' : 'all conditions'} → ${onTrue}, otherwise → ${onFalse}` +
        (hasEvents ? '; the events are counted over the evaluation wait and read at its end (Pinpoint moves a contact on at the event when one event is the only condition)' : ''),
    );
    return [...pre, { id, type: 'branch', cases, otherwise: onFalse }];
  };

  const multiCondition = (key: string, id: string, multi: NonNullable<Activity['MultiCondition']>, where: string): Step[] => {
    const timeout = multi.EvaluationWaitTime?.WaitFor ? isoDurationSeconds(multi.EvaluationWaitTime.WaitFor) : undefined;
    const cases = multi.Branches.flatMap((branch, i) => {
      const when = branch.Condition ? simpleCondition(branch.Condition, `${where}.MultiCondition.Branches[${i}].Condition`, timeout) : undefined;
      if (!when) {
        report.notTranslated(`${where}.MultiCondition.Branches[${i}]`, `no condition could be translated: the branch to ${branch.NextActivity ?? '(end)'} is never taken`);
        return [];
      }
      return [{ when, next: target(branch.NextActivity) }];
    });
    const otherwise = target(multi.DefaultActivity);
    const pre = preWait.has(key) ? evaluationWait(id, multi.EvaluationWaitTime, id, `${where}.MultiCondition`) : [];
    if (cases.length === 0) return [{ id, type: 'branch', cases: [{ when: ['email missing', 'email exists'], next: otherwise }], otherwise }];
    report.translated(`${where}.MultiCondition`, `branch: the first branch whose condition holds (${cases.map((c) => c.next).join(', ')}), otherwise ${otherwise} (DefaultActivity); events are counted over the evaluation wait`);
    return [...pre, { id, type: 'branch', cases, otherwise }];
  };

  /** A SimpleCondition as a branch case's conditions (all must hold), or undefined when it cannot be translated. */
  const simpleCondition = (condition: SimpleCondition, where: string, windowSeconds: number | undefined): When[] | undefined => {
    const out: When[] = [];
    if (condition.SegmentCondition) {
      const segment = context.segmentIds.get(condition.SegmentCondition.SegmentId);
      if (!segment) {
        report.notTranslated(`${where}.SegmentCondition`, `segment ${condition.SegmentCondition.SegmentId} is not in the export: add segments/${condition.SegmentCondition.SegmentId}.json (get-segment) and import again`);
        return undefined;
      }
      out.push(`segments contains ${segment}`);
      report.translated(`${where}.SegmentCondition`, `\`segments contains ${segment}\``);
    }
    if (condition.SegmentDimensions) {
      const before = report.entries.filter((e) => e.status === 'not_translated').length;
      const texts = dimensionConditions(condition.SegmentDimensions, report, `${where}.SegmentDimensions`);
      if (report.entries.filter((e) => e.status === 'not_translated').length > before && texts.length === 0) return undefined;
      out.push(...texts);
    }
    if (condition.EventCondition) {
      const event = eventOf(condition.EventCondition, `${where}.EventCondition`);
      if (!event) return undefined;
      if (!windowSeconds || windowSeconds <= 0) {
        report.notTranslated(`${where}.EventCondition`, 'an event condition needs an evaluation wait given as a duration (WaitFor) to count events over');
        return undefined;
      }
      out.push({ happened: event.event, within: formatDuration(windowSeconds), where: event.where });
    }
    return out.length > 0 ? out : undefined;
  };

  /** An event condition's event and its `where`, or undefined (reported). */
  const eventOf = (condition: NonNullable<SimpleCondition['EventCondition']>, where: string): { event: string; where: string[] } | undefined => {
    const dims = condition.Dimensions;
    const types = dims?.EventType;
    if (!types || types.Values.length !== 1 || (types.DimensionType ?? 'INCLUSIVE') !== 'INCLUSIVE') {
      report.notTranslated(`${where}.Dimensions.EventType`, `${types ? `${types.DimensionType ?? 'INCLUSIVE'} ${types.Values.join(', ')}` : 'no event type'}: one event (INCLUSIVE, one value) is what a wait or a branch can watch`);
      return undefined;
    }
    const mapped = mapEvent(types.Values[0]!);
    if ('error' in mapped) {
      report.notTranslated(`${where}.Dimensions.EventType`, mapped.error);
      return undefined;
    }
    const conditions = [...mapped.where];
    if (condition.MessageActivity) {
      const stepId = stepIds.get(condition.MessageActivity);
      if (!stepId) {
        report.notTranslated(`${where}.MessageActivity`, `activity ${condition.MessageActivity} is not in the journey; the event is not narrowed to one message`);
      } else {
        conditions.push(`journeyId == ${context.id}`, `stepId == ${stepId}`);
        report.translated(`${where}.MessageActivity`, `the event of the message sent by step "${stepId}" (journeyId and stepId of the event)`);
      }
    }
    const extra = eventDimensionConditions(dims!, where);
    if (extra === undefined) return undefined;
    conditions.push(...extra);
    report.translated(`${where}.Dimensions.EventType`, `${types.Values[0]} → ${mapped.event}${mapped.engagement ? '' : ' (a tracked event of that name)'}`);
    return { event: mapped.event, where: conditions };
  };

  const eventDimensionConditions = (dims: EventDimensions, where: string): string[] | undefined => {
    const out: string[] = [];
    const take = (construct: string, name: string, translated: Translated) => {
      if (!/^[A-Za-z_][\w.]*$/.test(name)) {
        report.notTranslated(construct, `event property "${name}" cannot be named in a condition (letters, digits, _)`);
        return false;
      }
      if ('error' in translated) {
        report.notTranslated(construct, translated.error);
        return false;
      }
      out.push(...translated.conditions);
      report.translated(construct, translated.conditions.map((c) => `\`${c}\``).join(' and '));
      return true;
    };
    let ok = true;
    for (const [name, dimension] of sortedEntries(dims.Attributes)) ok = take(`${where}.Dimensions.Attributes.${name}`, name, attributeConditions(name, dimension)) && ok;
    for (const [name, dimension] of sortedEntries(dims.Metrics)) ok = take(`${where}.Dimensions.Metrics.${name}`, name, metricCondition(name, dimension)) && ok;
    return ok ? out : undefined;
  };

  // Steps in the order of a walk from the start activity: the first step is where contacts enter.
  const start = journey.StartActivity && journey.Activities[journey.StartActivity] ? journey.StartActivity : undefined;
  if (!start) report.notTranslated('StartActivity', `${journey.StartActivity ? `"${journey.StartActivity}" is not an activity` : 'missing'}: the journey has no first step; contacts leave at once`);
  const order: string[] = [];
  const visit = (key: string | undefined) => {
    if (key === undefined || !journey.Activities[key] || order.includes(key)) return;
    order.push(key);
    for (const next of nextsOf(journey.Activities[key]!)) visit(next);
  };
  visit(start);
  for (const key of activityIds) if (!order.includes(key)) report.notTranslated(`Activities.${key}`, 'not reachable from the StartActivity: left out');
  const firstStep = start ? target(start) : target(undefined);
  // A pass-through start: contacts enter at what follows it, which must come first.
  for (const key of order) if (!passThrough.has(key)) stepsByKey.set(key, translate(key));
  const steps: Step[] = [];
  for (const key of order) steps.push(...(stepsByKey.get(key) ?? []));
  const first = steps.findIndex((step) => step.id === firstStep);
  if (first > 0) steps.unshift(...steps.splice(first, 1));
  if (endUsed || steps.length === 0) steps.push({ id: endId, type: 'exit' });

  const file: Record<string, unknown> = {
    id: context.id,
    name: (journey.Name || journey.Id).slice(0, 200),
    description: `Imported from Amazon Pinpoint journey ${journey.Id}${journey.State ? ` (state ${journey.State} when exported)` : ''}.`,
    topic: context.topic,
    timezone,
    triggers: triggersOf(journey, context, report),
    entry: entryOf(journey, context, report),
    steps,
  };
  limits(journey, report);
  report.translated('topic', `"${context.topic}" (--topic): unsubscribing from it, or from all, exits the journey`);
  if (journey.State) report.approximated('State', `${journey.State}: a journey file runs once it is deployed; keep it out of statemachines/ until then`);
  return { file, report };

  function windowStep(stepId: string, window: { hours: string; days: string[] }, next: string): Step {
    return { id: stepId, type: 'wait_until', window, next };
  }
}

/** The journey's time zone: Pinpoint's Timezone (or the schedule's), as an IANA zone. */
function zoneOf(journey: JourneyResponse, report: ReportBuilder): string {
  const zone = journey.Timezone ?? journey.Schedule?.Timezone;
  if (!zone) return 'UTC';
  const iana = ianaZone(zone);
  const construct = journey.Timezone ? 'Timezone' : 'Schedule.Timezone';
  if (!iana) {
    report.notTranslated(construct, `"${zone}" is not a time zone we know; UTC`);
    return 'UTC';
  }
  report.translated(construct, `timezone ${iana}: waits for windows use it when a contact has no time_zone`);
  return iana;
}

/** The local window sends of each channel wait for: open hours, or the hours outside quiet time. */
function sendWindows(journey: JourneyResponse, report: ReportBuilder): { email?: { hours: string; days: string[] }; sms?: { hours: string; days: string[] } } {
  const out: { email?: { hours: string; days: string[] }; sms?: { hours: string; days: string[] } } = {};
  const local = journey.LocalTime === true;
  if (journey.LocalTime !== undefined) {
    (local ? report.translated.bind(report) : report.approximated.bind(report))(
      'LocalTime',
      local ? "windows are read in the contact's time_zone (the journey's timezone when it has none)" : "false: Pinpoint reads windows in the journey's zone; here a contact's own time_zone wins when it has one",
    );
  }
  for (const [channel, days] of sortedEntries(journey.OpenHours)) {
    const construct = `OpenHours.${channel}`;
    if (channel !== 'EMAIL' && channel !== 'SMS') {
      report.notTranslated(construct, `${channel} is not a channel here`);
      continue;
    }
    const rules = sortedEntries(days);
    const ranges = new Set(rules.map(([, hours]) => hours.map((h) => `${h.StartTime}-${h.EndTime}`).join(',')));
    const hours = [...ranges][0] ?? '';
    const valid = ranges.size === 1 && /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/.test(hours) && hours.slice(0, 5) < hours.slice(6);
    if (!valid || rules.some(([day]) => !WEEKDAYS[day])) {
      report.notTranslated(construct, 'open hours differ by day, hold several ranges or run overnight: a send window is one daily range on chosen weekdays; sends are not held');
      continue;
    }
    const window = { hours, days: Object.keys(WEEKDAYS).filter((day) => days[day]).map((day) => WEEKDAYS[day]!) };
    out[channel === 'EMAIL' ? 'email' : 'sms'] = window;
    report.translated(construct, `each ${channel === 'EMAIL' ? 'email' : 'SMS'} send waits for ${hours} on ${window.days.join(', ')} (a wait_until window step before it)`);
  }
  if (journey.QuietTime?.Start && journey.QuietTime.End) {
    const { Start, End } = journey.QuietTime;
    const hours = `${End}-${Start}`;
    const overnightQuiet = Start > End;
    if (!journey.WaitForQuietTime) {
      report.notTranslated('QuietTime', `messages due between ${Start} and ${End} are not sent in Pinpoint (WaitForQuietTime is off): a journey here cannot skip a send by the clock; sends are not held. Set content/email.yaml's send window, or a window step`);
    } else if (!overnightQuiet) {
      report.notTranslated('QuietTime', `quiet time ${Start}-${End} leaves a window that runs overnight (${hours}), which one send window cannot hold; sends are not held`);
    } else {
      for (const channel of ['email', 'sms'] as const) {
        if (out[channel]) {
          report.notTranslated(`QuietTime (${channel})`, `open hours already set the ${channel} window; quiet time is not combined with them`);
          continue;
        }
        out[channel] = { hours, days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] };
      }
      report.translated('QuietTime', `sends wait outside quiet time: each waits for ${hours}, every day (a wait_until window step before it)`);
    }
  }
  if (journey.WaitForQuietTime !== undefined) {
    report.translated('WaitForQuietTime', journey.WaitForQuietTime ? 'sends due in quiet time wait for it to end (the window step)' : 'off: see QuietTime');
  }
  return out;
}

/** Who enters: the start condition as triggers. */
function triggersOf(journey: JourneyResponse, context: JourneyContext, report: ReportBuilder): Record<string, unknown>[] {
  const start = journey.StartCondition;
  const triggers: Record<string, unknown>[] = [];
  if (start?.EventStartCondition) {
    const dims = start.EventStartCondition.EventFilter?.Dimensions;
    const types = dims?.EventType;
    const where: string[] = [];
    for (const [name, dimension] of sortedEntries(dims?.Attributes)) {
      const translated = attributeConditions(name, dimension);
      if ('error' in translated || !/^[A-Za-z_][\w.]*$/.test(name)) report.notTranslated(`StartCondition.EventStartCondition.EventFilter.Dimensions.Attributes.${name}`, 'error' in translated ? translated.error : 'not a property name a condition can hold');
      else {
        where.push(...translated.conditions);
        report.translated(`StartCondition.EventStartCondition.EventFilter.Dimensions.Attributes.${name}`, translated.conditions.map((c) => `\`${c}\``).join(' and '));
      }
    }
    for (const [name, dimension] of sortedEntries(dims?.Metrics)) {
      const translated = metricCondition(name, dimension);
      if ('error' in translated) report.notTranslated(`StartCondition.EventStartCondition.EventFilter.Dimensions.Metrics.${name}`, translated.error);
      else {
        where.push(...translated.conditions);
        report.translated(`StartCondition.EventStartCondition.EventFilter.Dimensions.Metrics.${name}`, translated.conditions.map((c) => `\`${c}\``).join(' and '));
      }
    }
    if (types && (types.DimensionType ?? 'INCLUSIVE') === 'INCLUSIVE') {
      for (const value of types.Values) {
        const mapped = mapEvent(value);
        if ('error' in mapped) {
          report.notTranslated(`StartCondition.EventStartCondition.EventFilter.Dimensions.EventType[${value}]`, mapped.error);
          continue;
        }
        triggers.push({ on: 'event', event: mapped.event, ...(where.length || mapped.where.length ? { where: [...mapped.where, ...where] } : {}) });
        report.translated(`StartCondition.EventStartCondition.EventFilter.Dimensions.EventType[${value}]`, `trigger on event ${mapped.event}`);
      }
    } else {
      report.notTranslated('StartCondition.EventStartCondition.EventFilter.Dimensions.EventType', 'an EXCLUSIVE event type (any event but these) cannot be a trigger');
    }
    if (start.EventStartCondition.EventFilter?.FilterType) {
      report.translated('StartCondition.EventStartCondition.EventFilter.FilterType', `${start.EventStartCondition.EventFilter.FilterType}: events reach journeys through the timeline whatever sent them`);
    }
  }
  if (start?.SegmentStartCondition) {
    const segment = context.segmentIds.get(start.SegmentStartCondition.SegmentId);
    if (segment) {
      triggers.push({ on: 'segment_entered', segment });
      report.approximated(
        'StartCondition.SegmentStartCondition',
        `trigger on entering segment "${segment}": contacts who enter it after deploy are enrolled, as Pinpoint's segment refresh enrols new members; contacts already in it when the journey is deployed are not (enrol them through the API if they should be)`,
      );
    } else {
      report.notTranslated('StartCondition.SegmentStartCondition', `segment ${start.SegmentStartCondition.SegmentId} is not in the export: add it and import again`);
    }
  }
  if (triggers.length === 0) {
    report.notTranslated('StartCondition', 'no start condition could be translated: the journey is enrolled through the API only (on: webhook)');
    triggers.push({ on: 'webhook' });
  }
  return triggers;
}

/** Entry rules: re-entry limits, and the segment an event start condition is limited to. */
function entryOf(journey: JourneyResponse, context: JourneyContext, report: ReportBuilder): Record<string, unknown> {
  const where: string[] = [];
  const segmentId = journey.StartCondition?.EventStartCondition?.SegmentId;
  if (segmentId) {
    const segment = context.segmentIds.get(segmentId);
    if (segment) {
      where.push(`segments contains ${segment}`);
      report.translated('StartCondition.EventStartCondition.SegmentId', `entry only for contacts in segment "${segment}"`);
    } else report.notTranslated('StartCondition.EventStartCondition.SegmentId', `segment ${segmentId} is not in the export: anyone's event enrols`);
  }
  const cap = journey.Limits?.EndpointReentryCap;
  const interval = journey.Limits?.EndpointReentryInterval;
  const seconds = interval ? isoDurationSeconds(interval) : undefined;
  let entry: Record<string, unknown> = { mode: 'once' };
  if (cap === 1) {
    report.translated('Limits.EndpointReentryCap', '1: a contact enters once (entry mode once)');
    if (interval) report.translated('Limits.EndpointReentryInterval', 'no effect with one entry');
  } else if (seconds && seconds > 0) {
    entry = { mode: 'cooldown', cooldown: formatDuration(seconds) };
    report.translated('Limits.EndpointReentryInterval', `entry mode cooldown ${formatDuration(seconds)}: again once that has passed since the last entry`);
    if (cap !== undefined && cap > 1) report.notTranslated('Limits.EndpointReentryCap', `at most ${cap} entries: our entry rules limit how often, not how many times; contacts may re-enter after each cooldown without limit`);
    else if (cap !== undefined) report.translated('Limits.EndpointReentryCap', `${cap}: no limit on the number of entries, as cooldown`);
  } else if (cap !== undefined || interval) {
    report.notTranslated(
      cap !== undefined ? 'Limits.EndpointReentryCap' : 'Limits.EndpointReentryInterval',
      `re-entry ${cap === 0 ? 'without limit' : `up to ${cap ?? '?'} times`} with no interval has no equivalent (cooldown needs a duration): contacts enter once`,
    );
  }
  return { ...entry, ...(where.length ? { where } : {}) };
}

/** Message limits: per journey in Pinpoint, global guards here. */
function limits(journey: JourneyResponse, report: ReportBuilder): void {
  const l = journey.Limits;
  if (l?.DailyCap !== undefined) report.notTranslated('Limits.DailyCap', `${l.DailyCap} messages a day per contact in this journey: the frequency cap of content/email.yaml applies to all marketing email instead; set it there`);
  if (l?.TotalCap !== undefined) report.notTranslated('Limits.TotalCap', `${l.TotalCap} messages per contact in this journey: no per-journey count limit here; the journey's own steps bound it`);
  if (l?.MessagesPerSecond !== undefined) report.notTranslated('Limits.MessagesPerSecond', `${l.MessagesPerSecond}/s: the send rate is SES's (and the SMS settings'), shared by all journeys`);
  if (l?.TimeframeCap) report.notTranslated('Limits.TimeframeCap', `${l.TimeframeCap.Cap ?? '?'} messages in ${l.TimeframeCap.Days ?? '?'} days: the frequency cap of content/email.yaml is the nearest, for all marketing email; set it there`);
  for (const [channel, days] of sortedEntries(journey.ClosedDays)) {
    report.notTranslated(`ClosedDays.${channel}`, `${days.length} closed days (${days.map((d) => d.Name ?? d.StartDateTime ?? '').join(', ')}): no calendar of closed days here; sends on those days go out`);
  }
  if (journey.Schedule?.StartTime || journey.Schedule?.EndTime) {
    report.notTranslated('Schedule', `start ${journey.Schedule.StartTime ?? '-'} / end ${journey.Schedule.EndTime ?? '-'}: a journey runs from deploy until removed; deploy and remove it at those times`);
  }
  if (journey.RefreshFrequency) report.translated('RefreshFrequency', `${journey.RefreshFrequency}: not needed, segment membership changes as contacts and events do`);
  if (journey.RefreshOnSegmentUpdate !== undefined) report.translated('RefreshOnSegmentUpdate', 'not needed: segment membership changes as contacts and events do');
  if (journey.SendingSchedule !== undefined) report.translated('SendingSchedule', 'the send windows above (OpenHours / QuietTime)');
  if (journey.JourneyChannelSettings !== undefined) report.notTranslated('JourneyChannelSettings', 'Amazon Connect settings: no contact centre channel here');
}

function validWait(waitFor: string | undefined): boolean {
  return waitFor !== undefined && (isoDurationSeconds(waitFor) ?? 0) > 0;
}

/**
 * A yes/no split on one event alone, with a duration to wait for it: Pinpoint moves a contact on as soon as the
 * event happens (a `wait_for_event`). Its event must translate too, else the split is a branch after the wait.
 */
function waitsForOneEvent(split: NonNullable<Activity['ConditionalSplit']>): boolean {
  const conditions = split.Condition?.Conditions ?? [];
  const only = conditions.length === 1 ? conditions[0]! : undefined;
  const types = only?.EventCondition?.Dimensions?.EventType;
  return (
    !!only?.EventCondition &&
    !only.SegmentCondition &&
    !only.SegmentDimensions &&
    validWait(split.EvaluationWaitTime?.WaitFor) &&
    !!types &&
    types.Values.length === 1 &&
    (types.DimensionType ?? 'INCLUSIVE') === 'INCLUSIVE' &&
    !('error' in mapEvent(types.Values[0]!))
  );
}

/** An ISO date-time as a UTC instant (`2026-12-24T09:00:00.000Z`), or undefined. */
function isoInstant(text: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(text.trim())) return undefined;
  const time = Date.parse(text);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}
