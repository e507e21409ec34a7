import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type * as z from 'zod';
import type { TimelineEvent } from '../shared/timeline';
import type { Decision, Rule } from './domain/decisions';

/** One item of a DynamoDB TransactWriteItems request (Put, Update, Delete or ConditionCheck), table included. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * A write's refusal by its own condition: the state it was decided from changed between the reactor's load and its
 * commit, so the transaction wrote nothing (the processed marker included) and the record fails, to be retried
 * with the state loaded again. Retryable by design, never a duplicate; capabilities name their own subclasses.
 */
export class WriteConflict extends Error {
  override name = 'WriteConflict';
}

/** One entry a write decision adds to the reactor's transaction. */
export interface TransactEntry {
  readonly item: TransactItem;
  /** For an item conditional on loaded state: the conflict its refusal raises (otherwise a refusal fails as is). */
  readonly onRefused?: () => WriteConflict;
}

/** What a write decision's items are built from besides the decision itself. */
export interface WriteContext {
  readonly tableName: string;
  /** The event being reacted to. */
  readonly event: TimelineEvent;
  /** What the capabilities' `asLoaded` read of the stored profile at load time, for conditions on it. */
  readonly asLoaded: Readonly<Record<string, unknown>>;
  /** When the transaction is written (the reactor's clock), for index keys that must not lie in the past. */
  readonly at: Date;
}

/** Per-contact state items under one SK prefix (after `STATE_SK_FLOOR`), parsed with the schema that wrote them. */
export interface StateItems<T> {
  readonly prefix: string;
  readonly schema: z.ZodType<T>;
  /** One item (the state is the item, or undefined), rather than a list. @default false */
  readonly single?: boolean;
}

/** How each field of a capability's state `S` is loaded: a list of items, or one item (`single: true`). */
export type StateSpec<S> = {
  readonly [K in keyof S]-?: NonNullable<S[K]> extends readonly (infer I)[] ? StateItems<I> & { readonly single?: false } : StateItems<NonNullable<S[K]>> & { readonly single: true };
};

// Method syntax makes these bivariant in their decision, so a module's handlers fit the composed list's element type.
type WriteHandler<D> = { handle(decision: D, context: WriteContext): readonly TransactEntry[] }['handle'];
type CallHandler<D, P> = { handle(decision: D, ports: P): Promise<unknown> }['handle'];

/**
 * A capability as the reactor composes it: its timeline events, its pure rules with the per-contact state they
 * need loaded, the write decisions it owns (how each becomes transaction items) and the call decisions it owns (how
 * each is applied through a port it declares). `S` its state, `E` the decisions its rules make (possibly owned by
 * another capability), `W` and `C` the writes and calls it owns, `P` the ports its calls need.
 */
export interface Capability<S = object, E extends Decision = Decision, W extends Decision = never, C extends Decision = never, P = object> {
  readonly name: string;
  /** The timeline event schemas it declares (their `type`s are stored names: never renamed). */
  readonly events: readonly z.ZodType<TimelineEvent>[];
  readonly state?: StateSpec<S>;
  /** What its conditional writes compare against, read from the stored profile at load time. */
  readonly asLoaded?: (profile: Readonly<Record<string, unknown>>) => Readonly<Record<string, unknown>>;
  readonly rules: readonly Rule<S, E>[];
  /** Rules whose decisions count (a rebuild of the counters replays only these). @default [] */
  readonly countingRules?: readonly Rule<S, E>[];
  readonly writes: { readonly [T in W['type']]: WriteHandler<Extract<W, { type: T }>> };
  readonly calls: { readonly [T in C['type']]: CallHandler<Extract<C, { type: T }>, P> };
}

/** Any capability, as a list of them holds it. */
export type AnyCapability = Capability<object, Decision, Decision, Decision, never>;

/** The decisions a capability owns (writes and calls) and the ones its rules make. */
export type OwnedBy<M> = M extends Capability<infer _S, infer _E, infer W, infer C, infer _P> ? W | C : never;
export type WritesOf<M> = M extends Capability<infer _S, infer _E, infer W, infer _C, infer _P> ? W : never;
export type MadeBy<M> = M extends Capability<infer _S, infer E, infer _W, infer _C, infer _P> ? E : never;
export type StateOf<M> = M extends Capability<infer S, infer _E, infer _W, infer _C, infer _P> ? S : never;
export type PortsOf<M> = M extends Capability<infer _S, infer _E, infer _W, infer _C, infer P> ? P : never;
export type Intersection<U> = (U extends unknown ? (value: U) => void : never) extends (value: infer I) => void ? I : never;

/** Two capabilities claim the same decision type: the composition is refused at load, before any event. */
export class DecisionClaimedTwice extends Error {
  override name = 'DecisionClaimedTwice';
}

/** A decision no registered capability owns (a rule outside the registered list made it). */
export class UnownedDecision extends Error {
  override name = 'UnownedDecision';
}

/** Who owns each decision type, and as which kind: what the reactor looks up to apply a decision. */
export interface Composition {
  readonly capabilities: readonly AnyCapability[];
  readonly owners: ReadonlyMap<string, { readonly capability: string; readonly kind: 'write' | 'call' }>;
  isWrite(decision: Decision): boolean;
  write(decision: Decision, context: WriteContext): readonly TransactEntry[];
  call(decision: Decision, ports: object): Promise<unknown>;
}

/** Composes a list of capabilities; refuses one where two claim the same decision type. */
export function compose(capabilities: readonly AnyCapability[]): Composition {
  const owners = new Map<string, { capability: string; kind: 'write' | 'call' }>();
  const claim = (type: string, capability: string, kind: 'write' | 'call') => {
    const owner = owners.get(type);
    if (owner) throw new DecisionClaimedTwice(`decision ${type} is claimed by both ${owner.capability} and ${capability}`);
    owners.set(type, { capability, kind });
  };
  const handlers = new Map<string, AnyCapability>();
  for (const capability of capabilities) {
    for (const type of Object.keys(capability.writes)) claim(type, capability.name, 'write');
    for (const type of Object.keys(capability.calls)) claim(type, capability.name, 'call');
    for (const type of [...Object.keys(capability.writes), ...Object.keys(capability.calls)]) handlers.set(type, capability);
  }
  const ownerOf = (decision: Decision) => {
    const owner = owners.get(decision.type);
    if (!owner) throw new UnownedDecision(`no registered capability owns decision ${decision.type}`);
    return { ...owner, capability: handlers.get(decision.type)! };
  };
  return {
    capabilities,
    owners,
    isWrite: (decision) => ownerOf(decision).kind === 'write',
    write: (decision, context) => ownerOf(decision).capability.writes[decision.type]!(decision, context),
    call: (decision, ports) => ownerOf(decision).capability.calls[decision.type]!(decision, ports as never),
  };
}
