import * as z from 'zod';
import { parseCondition, type Condition } from '../../shared/conditions';
import { parseDuration } from '../../shared/durations';
import { fnv1a } from '../../shared/hash';
import { describeFieldErrors, fieldErrors } from '../../shared/validation';

/**
 * A segment file (`content/segments/<id>.yaml`), as marketing operations write it: an id, a name and a condition
 * tree over the contact's profile and behaviour. Segment ids reach the table (membership, events, counters): they
 * are never renamed.
 */

const id = z.string().regex(/^[a-z][a-z0-9-]{0,47}$/, 'segment ids are lower-kebab-case, at most 48 characters');

const condition = z.string().transform((text, ctx): Condition => {
  const parsed = parseCondition(text);
  if ('error' in parsed) {
    ctx.addIssue({ code: 'custom', message: parsed.error });
    return z.NEVER;
  }
  return parsed;
});

const positiveDuration = z
  .string()
  .refine((text) => (parseDuration(text) ?? 0) > 0, 'a duration is a number and a unit, longer than zero: 12h, 30d, 1w')
  .transform((text) => parseDuration(text)!);

const day = z.iso.date();

/**
 * Behaviour: events of one name (a tracked event's name such as `order_completed`, or a timeline event type such as
 * `email.clicked`), whose properties match `where`, at least `count` times, within the last `within` or between two
 * dates (both inclusive, UTC), or ever when neither is given.
 */
export const BehaviourCondition = z
  .strictObject({
    event: z.string().min(1).max(200),
    where: z.array(condition).default([]),
    /** At least this many matching events. @default 1 */
    count: z.int().min(1).max(50).default(1),
    within: positiveDuration.optional(),
    between: z.strictObject({ from: day, to: day }).optional(),
  })
  .refine((c) => c.within === undefined || c.between === undefined, 'a behaviour condition takes "within" or "between", not both')
  .refine((c) => !c.between || c.between.from <= c.between.to, 'between: "from" must not be after "to"');
export type BehaviourCondition = z.infer<typeof BehaviourCondition>;

/** One node of a condition tree: all / any / not, a profile condition (`where`), or a behaviour condition. */
export type SegmentCondition =
  | { readonly all: readonly SegmentCondition[] }
  | { readonly any: readonly SegmentCondition[] }
  | { readonly not: SegmentCondition }
  | { readonly where: Condition }
  | BehaviourCondition;

interface SegmentConditionInput {
  all?: SegmentConditionInput[];
  any?: SegmentConditionInput[];
  not?: SegmentConditionInput;
  where?: string;
  event?: string;
}

export const SegmentCondition: z.ZodType<SegmentCondition, SegmentConditionInput> = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.array(SegmentCondition).min(1) }),
    z.strictObject({ any: z.array(SegmentCondition).min(1) }),
    z.strictObject({ not: SegmentCondition }),
    /** A profile condition, as journeys write them: `stage >= mql`, `consent.newsletter == subscribed`, `tags contains vip`. */
    z.strictObject({ where: condition }),
    BehaviourCondition,
  ]),
) as z.ZodType<SegmentCondition, SegmentConditionInput>;

export const SegmentFile = z.strictObject({
  id,
  name: z.string().min(1).max(200),
  description: z.string().max(2_000).default(''),
  /** Who is in it: the root of the condition tree. */
  match: SegmentCondition,
});
export type SegmentFile = z.infer<typeof SegmentFile>;
export type Segment = SegmentFile;

/** Parses segment files, failing with the file name, the path inside it and what is wrong. */
export function loadSegments(files: Record<string, unknown>): ReadonlyMap<string, Segment> {
  const segments = new Map<string, Segment>();
  for (const [file, content] of Object.entries(files)) {
    const parsed = SegmentFile.safeParse(content);
    if (!parsed.success) throw new Error(`Segment file ${file} is invalid: ${describeFieldErrors(fieldErrors(parsed.error, '(segment)'))}`);
    if (segments.has(parsed.data.id)) throw new Error(`Segment id "${parsed.data.id}" is declared twice (${file})`);
    segments.set(parsed.data.id, parsed.data);
  }
  return segments;
}

/** Conditions naming a stage the funnel does not declare (a misspelt stage would silently match nobody). */
export function unknownStagesOf(segment: Segment, stages: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const condition of profileConditionsOf(segment.match)) {
    if (condition.subject !== 'stage') continue;
    const values = Array.isArray(condition.value) ? condition.value : condition.value === undefined ? [] : [condition.value];
    for (const value of values) if (!stages.has(String(value))) problems.push(`"${condition.text}" names no stage of content/lifecycle.yaml`);
  }
  return problems;
}

/** A leaf about events rather than the profile (both have a `where`: a behaviour's is about its events). */
export function isBehaviour(node: SegmentCondition): node is BehaviourCondition {
  return 'event' in node;
}

/** Every behaviour condition of a tree, in order. */
export function behavioursOf(node: SegmentCondition): BehaviourCondition[] {
  if ('all' in node) return node.all.flatMap(behavioursOf);
  if ('any' in node) return node.any.flatMap(behavioursOf);
  if ('not' in node) return behavioursOf(node.not);
  return isBehaviour(node) ? [node] : [];
}

/** Every profile condition of a tree, in order. */
export function profileConditionsOf(node: SegmentCondition): Condition[] {
  if ('all' in node) return node.all.flatMap(profileConditionsOf);
  if ('any' in node) return node.any.flatMap(profileConditionsOf);
  if ('not' in node) return profileConditionsOf(node.not);
  return isBehaviour(node) ? [] : [node.where];
}

/**
 * The key a behaviour condition's remembered events are stored under: a hash of what it counts, so reordering a
 * file keeps the memory and changing a condition starts a new one (`npm run segments -- rebuild` refills it).
 */
export function behaviourKey(behaviour: BehaviourCondition): string {
  // Memoized per parsed condition: membership asks for it several times per event and segment.
  let key = behaviourKeys.get(behaviour);
  if (key === undefined) {
    key = computeBehaviourKey(behaviour);
    behaviourKeys.set(behaviour, key);
  }
  return key;
}

const behaviourKeys = new WeakMap<BehaviourCondition, string>();

function computeBehaviourKey(behaviour: BehaviourCondition): string {
  const what = JSON.stringify([behaviour.event, behaviour.where.map((c) => c.text), behaviour.count, behaviour.within ?? null, behaviour.between ?? null]);
  return `${fnv1a(what).toString(36)}${fnv1a(`${what}#`).toString(36)}`;
}

/** A behaviour condition in words, for reasons and previews: `order_completed ≥ 2 within 7d`. */
export function describeBehaviour(behaviour: BehaviourCondition): string {
  const where = behaviour.where.length ? ` where ${behaviour.where.map((c) => c.text).join(' and ')}` : '';
  const count = behaviour.count > 1 ? ` ≥ ${behaviour.count} times` : '';
  const window = behaviour.within
    ? ` within ${formatSeconds(behaviour.within)}`
    : behaviour.between
      ? ` between ${behaviour.between.from} and ${behaviour.between.to}`
      : ' ever';
  return `${behaviour.event}${where}${count}${window}`;
}

function formatSeconds(seconds: number): string {
  for (const [unit, size] of [['w', 604_800], ['d', 86_400], ['h', 3_600], ['m', 60]] as const) {
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}

/** A condition tree in words, for the API and the CLI: `all of (stage == customer; not (order_completed within 90d))`. */
export function describeCondition(node: SegmentCondition): string {
  if ('all' in node) return node.all.length === 1 ? describeCondition(node.all[0]!) : `all of (${node.all.map(describeCondition).join('; ')})`;
  if ('any' in node) return node.any.length === 1 ? describeCondition(node.any[0]!) : `any of (${node.any.map(describeCondition).join('; ')})`;
  if ('not' in node) return `not (${describeCondition(node.not)})`;
  return isBehaviour(node) ? describeBehaviour(node) : node.where.text;
}
