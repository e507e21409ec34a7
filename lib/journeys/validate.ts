import { successors, type Journey } from '../../functions/journeys/domain/journey-file';

export interface ValidationContext {
  /** Template ids that exist in content/emails. */
  readonly templates: ReadonlySet<string>;
  /** SMS template ids that exist in content/sms, when known. */
  readonly smsTemplates?: ReadonlySet<string>;
  /** Form ids that exist in content/forms. */
  readonly forms: ReadonlySet<string>;
  /** Lifecycle stage ids, when known. */
  readonly stages?: ReadonlySet<string>;
  /** Segment ids of content/segments, when known. */
  readonly segments?: ReadonlySet<string>;
  /** Experiment ids that exist in content/experiments, when known. */
  readonly experiments?: ReadonlySet<string>;
}

/**
 * What the schema cannot check alone: referenced templates, forms and stages exist; every step is reachable
 * from the first; and no loop can run without a wait (a cycle of sends would spam the contact and burn state
 * transitions). Returns one message per problem, naming the journey and the step.
 */
export function validateJourney(journey: Journey, context: ValidationContext): string[] {
  const problems: string[] = [];
  const where = (stepId: string) => `${journey.id}: step "${stepId}"`;
  for (const step of journey.steps) {
    if (step.type === 'send_email' && !context.templates.has(step.template)) {
      problems.push(`${where(step.id)} sends template "${step.template}", which is not in content/emails`);
    }
    if (step.type === 'send_email' && step.experiment !== undefined && context.experiments && !context.experiments.has(step.experiment)) {
      problems.push(`${where(step.id)} runs experiment "${step.experiment}", which is not in content/experiments`);
    }
    if (step.type === 'send_sms' && context.smsTemplates && !context.smsTemplates.has(step.template)) {
      problems.push(`${where(step.id)} sends SMS template "${step.template}", which is not in content/sms`);
    }
    if (step.type === 'update_contact' && step.stage !== undefined && context.stages && !context.stages.has(step.stage)) {
      problems.push(`${where(step.id)} sets stage "${step.stage}", which is not in content/lifecycle.yaml`);
    }
  }
  for (const trigger of journey.triggers) {
    if (trigger.on === 'form_submitted' && !context.forms.has(trigger.form)) {
      problems.push(`${journey.id}: trigger on form "${trigger.form}", which is not in content/forms`);
    }
    if (trigger.on === 'stage_entered' && context.stages && !context.stages.has(trigger.stage)) {
      problems.push(`${journey.id}: trigger on stage "${trigger.stage}", which is not in content/lifecycle.yaml`);
    }
    if ((trigger.on === 'segment_entered' || trigger.on === 'segment_exited') && context.segments && !context.segments.has(trigger.segment)) {
      problems.push(`${journey.id}: trigger on segment "${trigger.segment}", which is not in content/segments`);
    }
  }
  // `segments contains <id>` in entry rules, goals and branches: a misspelt id would silently never hold.
  const conditions = [
    ...journey.entry.where,
    ...journey.goals.flatMap((goal) => ('text' in goal ? [goal] : [])),
    ...journey.steps.flatMap((step) => (step.type === 'branch' ? step.cases.flatMap((c) => c.when.flatMap((w) => ('text' in w ? [w] : []))) : [])),
  ];
  for (const condition of conditions) {
    if (condition.subject !== 'segments' || !context.segments) continue;
    const ids = Array.isArray(condition.value) ? condition.value : [condition.value];
    for (const id of ids) if (!context.segments.has(String(id))) problems.push(`${journey.id}: "${condition.text}" names segment "${String(id)}", which is not in content/segments`);
  }

  const index = new Map(journey.steps.map((step, i) => [step.id, i]));
  const next = (i: number) => successors(journey, i).flatMap((id) => (id === undefined ? [] : [index.get(id)!]));
  const reached = new Set<number>([0]);
  const queue = [0];
  while (queue.length) {
    for (const j of next(queue.shift()!)) {
      if (reached.has(j)) continue;
      reached.add(j);
      queue.push(j);
    }
  }
  journey.steps.forEach((step, i) => {
    if (!reached.has(i)) problems.push(`${where(step.id)} cannot be reached from the first step`);
  });

  // A cycle is safe only if it passes through a step that waits.
  const waits = (i: number) => ['wait', 'wait_until', 'wait_for_event'].includes(journey.steps[i]!.type);
  const state = new Map<number, 'open' | 'done'>();
  const visit = (i: number, trail: number[]): void => {
    if (waits(i)) return;
    if (state.get(i) === 'open') {
      const cycle = trail.slice(trail.indexOf(i)).map((j) => journey.steps[j]!.id);
      problems.push(`${journey.id}: steps ${cycle.join(' → ')} loop without a wait`);
      return;
    }
    if (state.get(i) === 'done') return;
    state.set(i, 'open');
    for (const j of next(i)) visit(j, [...trail, i]);
    state.set(i, 'done');
  };
  journey.steps.forEach((_, i) => visit(i, []));
  return problems;
}
