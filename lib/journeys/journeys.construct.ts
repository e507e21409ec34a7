import { ArnFormat, CfnDeletionPolicy, CustomResource, Duration, Stack } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { CfnStateMachineAlias, CfnStateMachineVersion, DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import type { Journey } from '../../functions/journeys/domain/journey-file';
import { JOURNEY_ALIAS } from '../../functions/journeys/sfn-journeys';
import { functions } from '../functions';
import { NurtureFunction } from '../shared/nurture-function';
import { compileJourney, functionsUsed, type JourneyTaskFunction } from './compiler';

export interface JourneysProps {
  /** The single table. */
  readonly table: ITableV2;
  /** The journeys to deploy, one state machine each (from statemachines/, validated). */
  readonly journeys: ReadonlyMap<string, Journey>;
  /** The suppression list's HMAC key (the contacts construct's): an enrolment does not recreate an erased person. */
  readonly suppressionKey: ISecret;
  /**
   * Step functions other capabilities own: `sendEmail` (email), `sendSms` (SMS), `handOff` (CRM). A journey that uses a step
   * whose function is missing fails the synth.
   */
  readonly taskFunctions: Readonly<Partial<Record<Exclude<JourneyTaskFunction, 'journeyStep'>, IFunction>>>;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
}

/**
 * Journeys: one Standard state machine per journey file, compiled from statemachines/ by the same compiler the
 * local runtime uses, plus the functions the journeys share (steps, status recording, the daily date sweep, the
 * journeys API). State machine names share a prefix (`<stack>-journey-<journeyId>`) so the reactor can start,
 * resume and stop any of them knowing only the journey id.
 */
export class Journeys extends Construct {
  /** `<stack>-journey-`: every journey state machine's name starts with it. */
  public readonly stateMachineNamePrefix: string;
  /** The ARN of a journey's state machine is this prefix followed by the journey id. */
  public readonly stateMachineArnPrefix: string;
  /** Executions' ARNs start with this prefix, then `<journeyId>:<executionName>`. */
  public readonly executionArnPrefix: string;
  public readonly stateMachines: ReadonlyMap<string, StateMachine>;
  /** Each journey's `live` alias: new entries start through it, on the version the latest deploy published. */
  public readonly aliases: ReadonlyMap<string, CfnStateMachineAlias>;
  /** Each journey's version this deploy published. */
  public readonly versions: ReadonlyMap<string, CfnStateMachineVersion>;
  public readonly journeyStep: NurtureFunction;
  public readonly journeyStatus: NurtureFunction;
  public readonly journeySweep: NurtureFunction;
  /** Applies each journey's `on_change` to contacts on older versions: after every deploy, and every 15 minutes. */
  public readonly journeyMigrate: NurtureFunction;
  public readonly journeysApi: NurtureFunction;
  /** Signs webhook steps and verifies signed enrolment requests. */
  public readonly signingSecret: Secret;

  constructor(scope: Construct, id: string, props: JourneysProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.stateMachineNamePrefix = `${stack.stackName}-journey-`;
    const arn = (resource: string) =>
      stack.formatArn({ service: 'states', resource, resourceName: this.stateMachineNamePrefix, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    this.stateMachineArnPrefix = arn('stateMachine');
    this.executionArnPrefix = arn('execution');

    this.signingSecret = new Secret(this, 'SigningSecret', {
      description: 'Nurture journeys: HMAC key of webhook steps (Nurture-Signature) and of signed enrolment requests',
      generateSecretString: { excludePunctuation: true, passwordLength: 48 },
    });
    NagSuppressions.addResourceSuppressions(this.signingSecret, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'Receivers of journey webhooks and callers of the enrolment API hold a copy of this key; rotating it ' +
          'automatically would break them. Operators rotate it by hand and update the receivers.',
      },
    ]);

    const { table } = props;
    this.journeyStep = new NurtureFunction(this, 'JourneyStep', {
      definition: functions.journeyStep,
      resources: { table, journeySigningSecret: this.signingSecret },
    });
    // How executions end (completed, failed, stopped outside Nurture) reaches memberships and timelines: only this
    // stack's journeys.
    this.journeyStatus = new NurtureFunction(this, 'JourneyStatus', {
      definition: functions.journeyStatus,
      resources: { table },
      eventDetail: { stateMachineArn: [{ prefix: this.stateMachineArnPrefix }] },
    });
    this.journeySweep = new NurtureFunction(this, 'JourneySweep', { definition: functions.journeySweep, resources: { table } });
    const executions = { journeyStateMachineArnPrefix: this.stateMachineArnPrefix, journeyExecutionArnPrefix: this.executionArnPrefix };
    this.journeysApi = new NurtureFunction(this, 'JourneysApi', {
      definition: functions.journeysApi,
      resources: { table, journeySigningSecret: this.signingSecret, suppressionKey: props.suppressionKey, ...executions },
    });

    const taskFunctions: Record<JourneyTaskFunction, IFunction | undefined> = {
      ...props.taskFunctions,
      sendEmail: props.taskFunctions.sendEmail,
      sendSms: props.taskFunctions.sendSms,
      handOff: props.taskFunctions.handOff,
      journeyStep: this.journeyStep.function,
    };
    const machines = new Map<string, StateMachine>();
    const aliases = new Map<string, CfnStateMachineAlias>();
    const versions = new Map<string, CfnStateMachineVersion>();
    for (const journey of props.journeys.values()) {
      const definition = compileJourney(journey);
      const used = functionsUsed(definition);
      const substitutions: Record<string, string> = {};
      for (const fn of used) {
        const target = taskFunctions[fn];
        if (!target) throw new Error(`Journey "${journey.id}" needs function "${fn}", which this stack does not provide`);
        substitutions[fn] = target.functionArn;
      }
      const logs = new LogGroup(this, `${journey.id}Logs`, { retention: props.logRetention ?? RetentionDays.ONE_MONTH });
      const machine = new StateMachine(this, `Journey-${journey.id}`, {
        stateMachineName: `${this.stateMachineNamePrefix}${journey.id}`,
        stateMachineType: StateMachineType.STANDARD,
        comment: journey.name,
        definitionBody: DefinitionBody.fromString(JSON.stringify(definition)),
        definitionSubstitutions: substitutions,
        // Every event, but never execution data: inputs and outputs carry contact ids and attributes.
        logs: { destination: logs, level: LogLevel.ALL, includeExecutionData: false },
        tracingEnabled: true,
        timeout: Duration.days(365),
      });
      for (const fn of used) taskFunctions[fn]!.grantInvoke(machine);
      NagSuppressions.addResourceSuppressions(
        machine,
        [
          {
            id: 'AwsSolutions-IAM5',
            reason:
              'Generated by CDK for the state machine role: X-Ray and CloudWatch Logs delivery actions do not support ' +
              'resource-level permissions, and lambda:InvokeFunction is granted on the step functions and their versions ' +
              '(":*"), which Step Functions needs to invoke a qualified function.',
            appliesTo: ['Resource::*', { regex: '/^Resource::<.*Function[0-9A-F]{8}\\.Arn>:\\*$/g' }],
          },
        ],
        true,
      );
      machines.set(journey.id, machine);
      const published = this.publish(journey, machine);
      versions.set(journey.id, published.version);
      aliases.set(journey.id, published.alias);
    }
    this.stateMachines = machines;
    this.aliases = aliases;
    this.versions = versions;

    this.journeyMigrate = new NurtureFunction(this, 'JourneyMigrate', {
      definition: functions.journeyMigrate,
      resources: { table, ...executions },
    });
    // A custom resource served by the migrator itself (no provider function, no extra role): its properties are the
    // published versions, so every deploy that publishes one runs the migration once the aliases point at them. The
    // contacts of a `migrate` or `drain` journey move at deploy, not up to 15 minutes later.
    const afterDeploy = new CustomResource(this, 'MigrateAfterDeploy', {
      serviceToken: this.journeyMigrate.function.functionArn,
      resourceType: 'Custom::NurtureJourneyVersions',
      properties: { versions: [...versions.values()].map((version) => version.attrArn) },
    });
    for (const alias of aliases.values()) afterDeploy.node.addDependency(alias);
  }

  /**
   * Publishes the journey's current definition as a version and points its `live` alias at it. A changed
   * definition changes the machine's revision id, which replaces the version resource: the new version is
   * published, and the old one is retained (UpdateReplacePolicy), so executions that entered on it run on there.
   */
  private publish(journey: Journey, machine: StateMachine): { version: CfnStateMachineVersion; alias: CfnStateMachineAlias } {
    const version = new CfnStateMachineVersion(this, `Journey-${journey.id}-Version`, {
      stateMachineArn: machine.stateMachineArn,
      stateMachineRevisionId: machine.stateMachineRevisionId,
      description: `${journey.name} (published by cdk deploy)`,
    });
    version.cfnOptions.updateReplacePolicy = CfnDeletionPolicy.RETAIN;
    const alias = new CfnStateMachineAlias(this, `Journey-${journey.id}-Alias`, {
      name: JOURNEY_ALIAS,
      description: 'New entries of the journey: the version the latest deploy published',
      routingConfiguration: [{ stateMachineVersionArn: version.attrArn, weight: 100 }],
    });
    return { version, alias };
  }
}
