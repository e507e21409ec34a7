/**
 * Conditions, as journey and segment files write them: `budget < 5000`, `stage >= sql`, `tags contains vip`,
 * `country in [FR, DE]`, `phone exists`. The subject is a contact attribute, `score`/`score.fit`/
 * `score.behaviour`, `stage`, `tags`, `email`, or — in trigger and wait conditions — a field of the event
 * (`templateId == nurture-1`). Parsed once (at build and at start), evaluated by pure functions.
 */

export const OPERATORS = ['==', '!=', '<=', '>=', '<', '>', 'contains', 'in', 'exists', 'missing'] as const;
export type Operator = (typeof OPERATORS)[number];

export interface Condition {
  readonly subject: string;
  readonly op: Operator;
  /** Absent for `exists`/`missing`; a list for `in`. */
  readonly value?: string | number | boolean | readonly (string | number)[];
  /** The text it was parsed from, for explanations. */
  readonly text: string;
}

const PATTERN = /^\s*([A-Za-z_][\w.]*)\s+(==|!=|<=|>=|<|>|contains|in|exists|missing)\s*(.*?)\s*$/;

/** Parses one condition; returns a message naming what is wrong instead of throwing. */
export function parseCondition(text: string): Condition | { readonly error: string } {
  const match = PATTERN.exec(text);
  if (!match) {
    return { error: `"${text}" is not a condition: write "<field> <operator> <value>", operators ${OPERATORS.join(' ')}` };
  }
  const [, subject, op, raw] = match as unknown as [string, string, Operator, string];
  if (op === 'exists' || op === 'missing') {
    return raw ? { error: `"${text}": "${op}" takes no value` } : { subject, op, text };
  }
  if (!raw) return { error: `"${text}": "${op}" needs a value` };
  if (op === 'in') {
    const list = /^\[(.*)\]$/.exec(raw);
    if (!list) return { error: `"${text}": "in" takes a list such as [FR, DE]` };
    const items = list[1]!.split(',').map((item) => scalar(item.trim())).filter((item) => item !== '');
    return { subject, op, value: items.map((item) => (typeof item === 'boolean' ? String(item) : item)), text };
  }
  // `5,000` would read as text and never compare as a number: refuse it rather than silently never match.
  if (/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(raw)) return { error: `"${text}": write numbers without separators, e.g. ${raw.replaceAll(',', '')}` };
  return { subject, op, value: scalar(raw), text };
}

function scalar(raw: string): string | number | boolean {
  const unquoted = /^(['"])(.*)\1$/.exec(raw);
  if (unquoted) return unquoted[2]!;
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  if (raw === 'true' || raw === 'false') return raw === 'true';
  return raw;
}

/** How a subject's value is found: contact fields, score, stage, tags or event data, by the caller. */
export type Resolve = (subject: string) => unknown;

/** Stage order, for `stage >= sql`: the index of a stage in the funnel, or undefined for an unknown stage. */
export type StageRank = (stage: string) => number | undefined;

export function evaluate(condition: Condition, resolve: Resolve, stageRank?: StageRank): boolean {
  const actual = resolve(condition.subject);
  const { op, value } = condition;
  if (op === 'exists') return actual !== undefined && actual !== null && actual !== '';
  if (op === 'missing') return actual === undefined || actual === null || actual === '';
  if (op === 'contains') {
    if (Array.isArray(actual)) return actual.map(lower).includes(lower(value));
    return typeof actual === 'string' && actual.toLowerCase().includes(String(value).toLowerCase());
  }
  // Like ==, text compares without regard to case.
  if (op === 'in') return Array.isArray(value) && loweredList(condition, value).includes(lower(actual));
  if (actual === undefined || actual === null) return op === '!=';

  if (condition.subject === 'stage' && stageRank && typeof actual === 'string' && typeof value === 'string') {
    const a = stageRank(actual);
    const b = stageRank(value);
    if (a !== undefined && b !== undefined) return compare(a, b, op);
  }
  const a = typeof value === 'number' ? toNumber(actual) : actual;
  if (typeof value === 'number' && a === undefined) return op === '!=';
  return compare(a as string | number | boolean, value as string | number | boolean, op);
}

const lower = (value: unknown) => String(value).toLowerCase();

// An `in` list lowercased once per parsed condition rather than on every evaluation.
const loweredLists = new WeakMap<Condition, readonly string[]>();
function loweredList(condition: Condition, value: readonly (string | number)[]): readonly string[] {
  let lowered = loweredLists.get(condition);
  if (!lowered) {
    lowered = value.map(lower);
    loweredLists.set(condition, lowered);
  }
  return lowered;
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  return undefined;
}

function compare(a: string | number | boolean, b: string | number | boolean, op: Operator): boolean {
  switch (op) {
    case '==':
      return typeof a === 'string' && typeof b === 'string' ? a.toLowerCase() === b.toLowerCase() : a === b;
    case '!=':
      return typeof a === 'string' && typeof b === 'string' ? a.toLowerCase() !== b.toLowerCase() : a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    default:
      return false;
  }
}

/** Every condition holds (an empty list always holds). */
export function all(conditions: readonly Condition[], resolve: Resolve, stageRank?: StageRank): boolean {
  return conditions.every((condition) => evaluate(condition, resolve, stageRank));
}

/** Reads `a.b.c` out of nested objects. */
export function pathValue(source: unknown, path: string): unknown {
  // A plain name, the usual case: no split, which allocates on every condition evaluated.
  if (!path.includes('.')) return typeof source === 'object' && source !== null ? (source as Record<string, unknown>)[path] : undefined;
  let value: unknown = source;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}
