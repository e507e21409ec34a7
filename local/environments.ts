import { bindingKindsOf, functionKeys, type FunctionKey } from '../lib/functions';
import type { commonVariables} from '../lib/shared/bindings';
import { variableNames } from '../lib/shared/bindings';

/** Every function's local environment, by registry key. */
export type LocalEnvironments = Readonly<Record<FunctionKey, Readonly<Record<string, string>>>>;

/**
 * Each function's environment in the local runtime, built from its registry bindings as CDK builds the deployed one:
 * the bindings' local variables (secret values instead of secret ARNs), taken from `values`, plus the common ones.
 * A value no binding declares is refused, so a local setting cannot reach a handler behind the registry's back.
 */
export function localEnvironments(
  values: Readonly<Record<string, string | undefined>>,
  common: Readonly<Partial<Record<keyof typeof commonVariables, string>>>,
): LocalEnvironments {
  const declared = new Set(functionKeys.flatMap((key) => variableNames(bindingKindsOf(key), 'local')));
  const undeclared = Object.keys(values).filter((name) => !declared.has(name));
  if (undeclared.length > 0) throw new Error(`no registry binding declares ${undeclared.join(', ')}`);
  const present = (names: readonly string[]) => names.flatMap((name) => (values[name] === undefined ? [] : [[name, values[name]!] as const]));
  return Object.fromEntries(
    functionKeys.map((key) => [
      key,
      {
        ...Object.fromEntries(present(variableNames(bindingKindsOf(key), 'local'))),
        ...Object.fromEntries(Object.entries(common).filter(([, value]) => value !== undefined)),
      },
    ]),
  ) as LocalEnvironments;
}
