import {
  DescribeExecutionCommand,
  DescribeStateMachineAliasCommand,
  DescribeStateMachineCommand,
  DescribeStateMachineForExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  paginateListExecutions,
  StartExecutionCommand,
  StopExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import * as z from 'zod';
import type { Clock } from '../shared/ids';
import { EventName } from '../shared/events';
import type { Logger } from '../shared/logger';
import { migratedExecutionName, migrationTarget, readVersionFacts, resumeAt, waitPosition, type VersionFacts } from './domain/versions';
import type { JourneyVersionStore } from './ports';
import { executionArn, JOURNEY_ALIAS } from './sfn-journeys';

export interface JourneyMigrateDeps {
  readonly sfn: SFNClient;
  /** e.g. `arn:aws:states:eu-west-1:123456789012:stateMachine:Nurture-journey-` */
  readonly stateMachineArnPrefix: string;
  readonly journeyIds: readonly string[];
  readonly store: JourneyVersionStore;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** What one run did to one journey's executions on older versions. */
export interface JourneyMigration {
  readonly journeyId: string;
  readonly version: string;
  readonly policy: VersionFacts['policy'];
  /** Moved to the live version. */
  migrated: number;
  /** Stopped with the reason `drained`. */
  drained: number;
  /** Between two waits (a task under way, or a wait about to end): the next run looks again. */
  busy: number;
  /** Waiting at a step the live version neither has nor maps (a map removed since the build): left on their version. */
  unmapped: number;
  /** The run's time was up before every execution was looked at: the next run goes on. */
  unfinished?: boolean;
}

/** A wait this close to its end is left alone: it may end while the migrator works, and the contact would move twice. */
const SETTLING_MS = 60_000;

const ExecutionInput = z.looseObject({ contactId: z.string().min(1), journeyId: z.string().min(1), executionName: z.string().min(1) });

/**
 * Applies each journey's `on_change` policy to the contacts still running on one of its older versions, as the live
 * version (the `live` alias's) declares it: `keep` leaves them; `drain` stops them, recorded as exits with the reason
 * `drained`; `migrate` moves every waiting one to the same (or mapped) step of the live version with what is left of
 * its wait. Runs after every deploy and on a schedule (and at every `npm start`); each run is idempotent: a migrated
 * execution's name is derived from the old one and the version, the membership moves only from the old execution.
 *
 * The order keeps every contact and every send: the membership points at the new execution first (the old one's waits
 * go with that write, so no event resumes it), then the new execution starts, then the old one is stopped. Only
 * waiting executions move, so no step ever runs in both.
 */
export const makeJourneyMigrate =
  (deps: JourneyMigrateDeps) =>
  async (options: MigrateOptions = {}): Promise<JourneyMigration[]> => {
    const results: JourneyMigration[] = [];
    for (const journeyId of deps.journeyIds) {
      if (options.until && deps.clock.now() >= options.until) break;
      const result = await migrateJourney(deps, journeyId, options.until);
      if (result) results.push(result);
    }
    return results;
  };

export interface MigrateOptions {
  /**
   * Take no further execution after this moment: the rest is the next run's (each run is idempotent). A deploy waits
   * for its answer, and a Lambda stopped by its timeout would leave one contact half moved until the next run.
   */
  readonly until?: Date;
}

async function migrateJourney(deps: JourneyMigrateDeps, journeyId: string, until: Date | undefined): Promise<JourneyMigration | undefined> {
  const { sfn } = deps;
  const machineArn = `${deps.stateMachineArnPrefix}${journeyId}`;
  const alias = await sfn.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn: `${machineArn}:${JOURNEY_ALIAS}` }));
  const liveVersionArn = [...(alias.routingConfiguration ?? [])].sort((a, b) => (b.weight ?? 0) - (a.weight ?? 0))[0]?.stateMachineVersionArn;
  if (!liveVersionArn) return undefined;
  const live = definitionOf((await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: liveVersionArn }))).definition);
  const facts = readVersionFacts(live.Comment);
  if (!facts || facts.policy === 'keep') return undefined;
  const result: JourneyMigration = { journeyId, version: facts.version, policy: facts.policy, migrated: 0, drained: 0, busy: 0, unmapped: 0 };
  const liveSteps = Object.keys(live.States).filter((name) => !name.includes('.')).map((id) => ({ id }));
  /** Definitions of older versions, by version ARN: one DescribeStateMachineForExecution per version, not per contact. */
  const definitions = new Map<string, Definition>();
  const definitionFor = async (arn: string, versionArn: string | undefined) => {
    const known = versionArn ? definitions.get(versionArn) : undefined;
    if (known) return known;
    const definition = definitionOf((await sfn.send(new DescribeStateMachineForExecutionCommand({ executionArn: arn }))).definition);
    if (versionArn) definitions.set(versionArn, definition);
    return definition;
  };

  pages: for await (const page of paginateListExecutions({ client: sfn }, { stateMachineArn: machineArn, statusFilter: 'RUNNING' })) {
    for (const listed of page.executions ?? []) {
      if (until && deps.clock.now() >= until) {
        result.unfinished = true;
        break pages;
      }
      if (listed.stateMachineVersionArn === liveVersionArn || !listed.executionArn) continue;
      const executionArnOld = listed.executionArn;
      const old = await definitionFor(executionArnOld, listed.stateMachineVersionArn);
      const fromVersion = readVersionFacts(old.Comment)?.version;
      // Published again with the same states (only the name or the policy changed): nothing to move.
      if (fromVersion === facts.version) continue;
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn: executionArnOld }));
      const input = ExecutionInput.safeParse(JSON.parse(described.input ?? '{}'));
      if (!input.success) continue;
      const { contactId, executionName } = input.data;
      const now = deps.clock.now();

      if (facts.policy === 'drain') {
        const detail = `version ${fromVersion ?? 'unknown'} drained when version ${facts.version} went live`;
        // The exit first, then the stop: a run that fails between the two finds the execution still running and stops
        // it (the exit is written once); stopped first, it would no longer be listed, and the exit never written.
        await deps.store.finish(contactId, journeyId, executionName, 'exited', {
          eventId: `${executionName}.drained`,
          contactId,
          occurredAt: now.toISOString(),
          type: EventName.JourneyExited,
          data: { journeyId, executionName, reason: 'drained', detail },
        });
        await stop(sfn, executionArnOld, 'JourneyExited', detail);
        result.drained += 1;
        continue;
      }

      const entered = await lastStateEntered(sfn, executionArnOld);
      const position = entered ? waitPosition(old.States, entered) : undefined;
      if (!position || position.type === 'Busy' || (position.until && position.until.getTime() - now.getTime() < SETTLING_MS)) {
        result.busy += 1;
        continue;
      }
      const target = migrationTarget({ steps: liveSteps, map: facts.map }, position.stepId);
      if (!target) {
        deps.logger.warn('a waiting contact\'s step is neither in the live version nor mapped: left on its version', { journeyId, executionName, stepId: position.stepId });
        result.unmapped += 1;
        continue;
      }
      const resume = resumeAt(live.States, target, position, now);
      const name = migratedExecutionName(executionName, facts.version);
      const moved = await deps.store.migrate(contactId, journeyId, executionName, { executionName: name, version: facts.version }, {
        eventId: `${name}.migrated`,
        contactId,
        occurredAt: now.toISOString(),
        type: EventName.JourneyMigrated,
        data: {
          journeyId,
          executionName: name,
          fromExecutionName: executionName,
          ...(fromVersion ? { fromVersion } : {}),
          toVersion: facts.version,
          fromStepId: position.stepId,
          stepId: target,
          ...(resume.remainingSeconds !== undefined ? { remainingSeconds: resume.remainingSeconds } : {}),
        },
      });
      if (moved === 'NotRunning') continue;
      await sfn
        .send(new StartExecutionCommand({ stateMachineArn: `${machineArn}:${JOURNEY_ALIAS}`, name, input: JSON.stringify({ ...input.data, executionName: name, resume }) }))
        .catch((error: unknown) => {
          // Started by an earlier run that stopped before it stopped the old one.
          if (!(error instanceof ExecutionAlreadyExists)) throw error;
        });
      await stop(sfn, executionArn(deps.stateMachineArnPrefix, journeyId, executionName), 'JourneyMigrated', `moved to version ${facts.version} at ${target}`);
      result.migrated += 1;
    }
  }
  deps.logger.info('journey versions applied', { ...result });
  return result;
}

interface Definition {
  readonly Comment?: string;
  readonly States: Record<string, Record<string, unknown>>;
}

function definitionOf(text: string | undefined): Definition {
  const parsed = JSON.parse(text ?? '{}') as Partial<Definition>;
  return { ...(parsed.Comment ? { Comment: parsed.Comment } : {}), States: parsed.States ?? {} };
}

/** The state the execution entered last, when, and with what input: the newest StateEntered event of its history. */
async function lastStateEntered(sfn: SFNClient, arn: string): Promise<{ state: string; at: Date; input: unknown } | undefined> {
  const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn: arn, reverseOrder: true, maxResults: 20, includeExecutionData: true }));
  const event = history.events?.find((e) => e.type?.endsWith('StateEntered') && e.stateEnteredEventDetails?.name);
  if (!event?.timestamp) return undefined;
  let input: unknown = {};
  try {
    input = JSON.parse(event.stateEnteredEventDetails?.input ?? '{}');
  } catch {
    input = {};
  }
  return { state: event.stateEnteredEventDetails!.name!, at: event.timestamp, input };
}

async function stop(sfn: SFNClient, arn: string, error: string, cause: string): Promise<void> {
  try {
    await sfn.send(new StopExecutionCommand({ executionArn: arn, error, cause: cause.slice(0, 256) }));
  } catch (failure) {
    if (!(failure instanceof ExecutionDoesNotExist)) throw failure;
  }
}
