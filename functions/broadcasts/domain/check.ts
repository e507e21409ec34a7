import { isTimeZone, type ArmSendTime, type BroadcastDefinition } from './broadcast';

/** One problem with a definition, named by its field (as every 422 body names it). */
export interface DefinitionProblem {
  readonly field: string;
  readonly message: string;
}

/** What a definition is checked against: the email content and the segments there are. */
export interface BroadcastCatalog {
  /** A template's kind and topic, or undefined when there is no such template. */
  readonly template: (templateId: string) => { readonly kind: 'marketing' | 'transactional'; readonly topic?: string } | undefined;
  readonly topics: readonly string[];
  /** The marketing send window, `HH:MM` local. */
  readonly sendWindow: { readonly start: string; readonly end: string };
  readonly segmentExists: (segmentId: string) => boolean;
  /** Whether an SMS template exists (content/sms/<id>.yaml). */
  readonly smsTemplate: (templateId: string) => boolean;
  /** SMS quiet hours, `HH:MM` local, when set. */
  readonly quietHours?: { readonly start: string; readonly end: string };
  /** An experiment's arms and rollout (content/experiments/<id>), or undefined when there is no such experiment. */
  readonly experiment: (experimentId: string) => BroadcastExperiment | undefined;
}

/** What a broadcast needs to know of an experiment to check it (durations in seconds). */
export interface BroadcastExperiment {
  readonly arms: readonly { readonly id: string; readonly sendTime?: ArmSendTime }[];
  readonly rollout?: { readonly audienceShare: number; readonly after: number };
}

/**
 * The checks a schema cannot make: the template, topic and segment exist, a topic is only named for marketing,
 * a local hour falls inside the send window (outside it every email would wait for the next day's window), and
 * the fallback time zone is a real one, and the experiment exists with no arm sent after its rollout is decided.
 * The same checks run on files at build time and on `POST /broadcasts`.
 */
export function checkDefinition(definition: BroadcastDefinition, catalog: BroadcastCatalog): DefinitionProblem[] {
  if (definition.channel === 'sms') return checkSmsDefinition(definition, catalog);
  const problems: DefinitionProblem[] = [];
  const template = catalog.template(definition.template);
  if (!template) problems.push({ field: 'template', message: `no email template "${definition.template}"` });
  if (definition.topic !== undefined) {
    if (!catalog.topics.includes(definition.topic)) problems.push({ field: 'topic', message: `no topic "${definition.topic}" (topics: ${catalog.topics.join(', ')})` });
    else if (template?.kind === 'transactional') problems.push({ field: 'topic', message: 'a transactional template has no topic' });
  }
  if (!catalog.segmentExists(definition.segment)) problems.push({ field: 'segment', message: `no segment "${definition.segment}"` });
  if ('local_hour' in definition.when && template?.kind === 'marketing') {
    const hour = definition.when.local_hour.hour;
    const [start, end] = [minutes(catalog.sendWindow.start), minutes(catalog.sendWindow.end)];
    if (hour * 60 < start || hour * 60 >= end) {
      problems.push({ field: 'when.local_hour.hour', message: `marketing email goes out between ${catalog.sendWindow.start} and ${catalog.sendWindow.end} local time` });
    }
  }
  if (definition.experiment !== undefined) {
    const experiment = catalog.experiment(definition.experiment);
    if (!experiment) problems.push({ field: 'experiment', message: `no experiment "${definition.experiment}" in content/experiments` });
    const after = experiment?.rollout?.after;
    // The rollout reads the decision at `after`: an arm sent later would miss the test it is part of.
    const late = after === undefined ? undefined : experiment!.arms.find((arm) => arm.sendTime && ('offset' in arm.sendTime ? arm.sendTime.offset : 86_400) >= after);
    if (late) problems.push({ field: 'experiment', message: `arm "${late.id}" of "${definition.experiment}" would be sent after its rollout is decided` });
  }
  if (definition.time_zone !== undefined && !isTimeZone(definition.time_zone)) problems.push({ field: 'time_zone', message: `"${definition.time_zone}" is not an IANA time zone` });
  return problems;
}

/**
 * An SMS broadcast: its template is an SMS one; it names its consent topic (SMS marketing needs consent stated for
 * it, and there is no template topic to fall back on); a local hour is outside quiet hours; no experiment (their
 * arms are email templates and subjects).
 */
function checkSmsDefinition(definition: BroadcastDefinition, catalog: BroadcastCatalog): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  if (!catalog.smsTemplate(definition.template)) problems.push({ field: 'template', message: `no SMS template "${definition.template}" in content/sms/` });
  if (definition.topic === undefined) problems.push({ field: 'topic', message: 'an SMS broadcast names the consent topic it sends under' });
  else if (!catalog.topics.includes(definition.topic)) problems.push({ field: 'topic', message: `no topic "${definition.topic}" (topics: ${catalog.topics.join(', ')})` });
  if (!catalog.segmentExists(definition.segment)) problems.push({ field: 'segment', message: `no segment "${definition.segment}"` });
  if (definition.experiment !== undefined) problems.push({ field: 'experiment', message: 'experiments are for email broadcasts' });
  if ('local_hour' in definition.when && catalog.quietHours) {
    const hour = definition.when.local_hour.hour * 60;
    const [start, end] = [minutes(catalog.quietHours.start), minutes(catalog.quietHours.end)];
    const quiet = start <= end ? hour >= start && hour < end : hour >= start || hour < end;
    if (quiet) problems.push({ field: 'when.local_hour.hour', message: `no text goes out in quiet hours, ${catalog.quietHours.start} to ${catalog.quietHours.end} local time` });
  }
  if (definition.time_zone !== undefined && !isTimeZone(definition.time_zone)) problems.push({ field: 'time_zone', message: `"${definition.time_zone}" is not an IANA time zone` });
  return problems;
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}
