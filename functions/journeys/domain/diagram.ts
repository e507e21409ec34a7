import { formatDuration } from '../../shared/durations';
import { successors, type Journey, type Step } from './journey-file';

/** A Mermaid flowchart of a journey: triggers into the first step, every step with its label, every edge. */
export function mermaid(journey: Journey): string {
  const lines = ['flowchart TD'];
  const node = (id: string) => id.replace(/-/g, '_');
  const triggers = journey.triggers.map(describeTrigger).join('<br/>');
  lines.push(`  start(["${escape(triggers)}"]) --> ${node(journey.steps[0]!.id)}`);
  let needsEnd = false;
  journey.steps.forEach((step, index) => {
    lines.push(`  ${node(step.id)}${shape(step)}`);
    const edges = edgeLabels(step);
    successors(journey, index).forEach((target, i) => {
      if (target === undefined) needsEnd = true;
      const label = edges[i] ? `|${escape(edges[i]!)}|` : '';
      lines.push(`  ${node(step.id)} -->${label} ${target === undefined ? 'done' : node(target)}`);
    });
  });
  if (needsEnd) lines.push('  done([end])');
  return `${lines.join('\n')}\n`;
}

function shape(step: Step): string {
  const text = escape(`${step.id}: ${label(step)}`);
  switch (step.type) {
    case 'branch':
    case 'split':
      return `{"${text}"}`;
    case 'wait':
    case 'wait_until':
    case 'wait_for_event':
      return `[/"${text}"/]`;
    case 'exit':
      return `(["${text}"])`;
    default:
      return `["${text}"]`;
  }
}

function label(step: Step): string {
  switch (step.type) {
    case 'send_email':
      return `send ${step.template}`;
    case 'send_sms':
      return `text ${step.template}`;
    case 'wait':
      return step.calendar ? `wait to local midnight ${formatDuration(step.duration)} later` : `wait ${formatDuration(step.duration)}`;
    case 'wait_until':
      if (step.at) return `until ${step.at}`;
      return step.attribute ? `until ${step.attribute}${step.offset ? ` ${formatDuration(step.offset)}` : ''}` : `until ${step.window!.hours}`;
    case 'wait_for_event':
      return `wait for ${step.event}${step.where.length ? ` (${step.where.map((w) => w.text).join(', ')})` : ''}, ${formatDuration(step.timeout)} max`;
    case 'branch':
      return 'branch';
    case 'split':
      return 'random split';
    case 'update_contact':
      return 'update contact';
    case 'hand_off':
      return 'hand off to CRM';
    case 'webhook':
      return 'call webhook';
    case 'exit':
      return 'exit';
  }
}

function edgeLabels(step: Step): (string | undefined)[] {
  switch (step.type) {
    case 'branch':
      return [...step.cases.map((c) => c.when.map((w) => ('text' in w ? w.text : `${w.happened} within ${formatDuration(w.within)}`)).join(' and ')), 'otherwise'];
    case 'split':
      return step.paths.map((p) => `${p.percent}%`);
    case 'wait_for_event':
      return ['happened', 'timed out'];
    default:
      return [];
  }
}

function describeTrigger(trigger: Journey['triggers'][number]): string {
  switch (trigger.on) {
    case 'form_submitted':
      return `form ${trigger.form}${trigger.where.length ? ` where ${trigger.where.map((w) => w.text).join(', ')}` : ''}`;
    case 'event':
      return `event ${trigger.event}`;
    case 'stage_entered':
      return `stage ${trigger.stage}`;
    case 'segment_entered':
      return `entered segment ${trigger.segment}`;
    case 'segment_exited':
      return `left segment ${trigger.segment}`;
    case 'webhook':
      return 'enrolment API';
    case 'date':
      return `${trigger.yearly ? 'yearly on ' : ''}${trigger.attribute}${trigger.offset ? ` ${formatDuration(trigger.offset)}` : ''}`;
  }
}

function escape(text: string): string {
  return text.replace(/"/g, '#quot;');
}
