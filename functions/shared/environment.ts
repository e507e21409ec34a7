import * as z from 'zod';
import type { functions, FunctionKey } from '../../lib/functions';
import { bindingVariables, commonVariables, type BindingKind, type BindingVariables } from '../../lib/shared/bindings';
// The registry's binding kinds, generated from it: the registry itself (routes, triggers, descriptions and what they
// import) stays out of every Lambda bundle.
import { bindingKindsByFunction } from './binding-kinds.generated';

type Entry<K extends FunctionKey> = (typeof functions)[K];

/** The binding kinds whose variables a function gets: its bindings, and the queue its trigger consumes. */
export type BindingKindsOf<K extends FunctionKey> =
  | (keyof Entry<K>['bindings'] & BindingKind)
  | (Entry<K>['trigger'] extends { readonly queue: infer Q extends BindingKind } ? Q : never);

type Output<S extends z.ZodRawShape> = z.output<z.ZodObject<S>>;
/** A binding's variables as a handler sees them: all of them, or (secrets) the deployed or the local ones. */
type VariablesOf<B extends BindingKind> = B extends BindingKind
  ? (typeof bindingVariables)[B] extends { readonly local: infer L extends z.ZodRawShape }
    ? Partial<Output<(typeof bindingVariables)[B]['deployed']> & Output<L>>
    : Output<(typeof bindingVariables)[B]['deployed']>
  : never;
type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** The typed environment of one registered function, derived from its registry entry's bindings. */
export type EnvironmentOf<K extends FunctionKey> = UnionToIntersection<VariablesOf<BindingKindsOf<K>>> & Output<typeof commonVariables>;

/** A function's environment is missing a variable its registry entry binds, or one has a bad value. */
export class InvalidEnvironment extends Error {
  override name = 'InvalidEnvironment';
}

type Source = Readonly<Record<string, string | undefined>>;
let sourceOf: (key: FunctionKey) => Source = () => process.env;

/**
 * Where handlers read their environment from, for every function of this process. Lambda: `process.env`, one
 * function per process. The local runtime runs every function in one process and hands each its own
 * registry-derived environment through this, once, before it imports the handlers.
 */
export function useEnvironments(source: (key: FunctionKey) => Source): void {
  sourceOf = source;
}

/**
 * The environment of the function `key`, parsed once at cold start against the variables its registry bindings
 * declare: a missing or invalid variable fails the import, naming the variable, so a misconfigured function
 * never serves a request. A secret binding is satisfied by its deployed variable (the ARN) or else by its local
 * ones (the values).
 */
export function environmentFor<K extends FunctionKey>(key: K, source: Source = sourceOf(key)): EnvironmentOf<K> {
  const shape: z.ZodRawShape = {};
  const notes: Record<string, string> = {};
  for (const kind of bindingKindsByFunction[key]) {
    const spec: BindingVariables = bindingVariables[kind];
    const deployed = Object.keys(spec.deployed);
    if (!spec.local || deployed.some((name) => source[name] !== undefined)) {
      Object.assign(shape, spec.deployed);
    } else {
      Object.assign(shape, spec.local);
      for (const name of Object.keys(spec.local)) notes[name] = ` (in AWS: ${deployed.join(', ')})`;
    }
  }
  // One object for every variable, parsed once per cold start: jitless, since compiling zod's fast path for a single
  // parse would cost more than it saves.
  const result = z.object({ ...shape, ...commonVariables }).safeParse(source, { jitless: true });
  if (result.success) return result.data as EnvironmentOf<K>;
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '(environment)');
    return `${name}: ${source[name] === undefined ? 'is not set' : issue.message}${notes[name] ?? ''}`;
  });
  throw new InvalidEnvironment(`Invalid environment of ${key}: ${problems.join('; ')}`);
}
