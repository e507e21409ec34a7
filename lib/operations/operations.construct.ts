import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard as CloudWatchDashboard,
  GraphWidget,
  type HorizontalAnnotation,
  Metric,
  TextWidget,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { CfnEventSourceMapping } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type CfnLogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, type IConstruct } from 'constructs';
import { BusinessMetric, MetricService } from '../../functions/shared/metrics';
import { NurtureFunction } from '../shared/nurture-function';

/**
 * SES puts an account under review at a 5% bounce rate and a 0.1% complaint rate; alarming below them leaves time
 * to act. Gmail and Yahoo refuse bulk senders whose complaint rate reaches 0.3%, far above these.
 */
export const SES_BOUNCE_RATE_ALARM = 0.04;
export const SES_COMPLAINT_RATE_ALARM = 0.0008;
/** The reactor normally reads a new event within a couple of seconds; five minutes behind is a backlog. */
export const STREAM_ITERATOR_AGE_ALARM_MS = 5 * 60_000;

export interface OperationsProps {
  /** Receives every alarm (an SNS e-mail subscription the recipient confirms once). */
  readonly alarmEmail: string;
  /** The namespace of the functions' EMF business metrics (the `metrics` binding's value). */
  readonly metricsNamespace: string;
  /**
   * Retention of every log group in the stack (functions, state machines, API access logs).
   *
   * @default - each log group keeps the retention its construct gave it
   */
  readonly logRetention?: RetentionDays;
}

/** One alarm, as the dashboard and the tests see it: what it watches. */
export interface WatchedAlarm {
  readonly alarm: Alarm;
  readonly metric: IMetric;
}

/**
 * Alarms, their SNS topic and a CloudWatch dashboard for everything the stack holds, found by walking it rather than
 * listed by hand: every Nurture function (errors, throttles), every dead-letter queue (depth), every stream event
 * source (iterator age), every state machine (failed and timed-out executions), every HTTP API (5xx), plus the SES
 * account's reputation and the CRM hand-off failures the functions count. Build it last in the stack; a function,
 * queue or state machine added after it fails the synth instead of going unwatched.
 */
export class Operations extends Construct {
  /** Every alarm notifies this topic, encrypted with {@link key}. */
  public readonly topic: Topic;
  /** The topic's key: CloudWatch may use it to publish (an AWS-managed SNS key would refuse CloudWatch). */
  public readonly key: Key;
  public readonly dashboard: CloudWatchDashboard;
  /** Every alarm, by a readable name (`<construct path>: errors`). */
  public readonly alarms = new Map<string, WatchedAlarm>();

  private readonly watched = new Set<IConstruct>();

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.key = new Key(this, 'AlarmsKey', {
      description: `${stack.stackName}: encrypts the alarm notifications topic`,
      enableKeyRotation: true,
      // It only encrypts notifications in flight to e-mail: nothing outlives the stack that needs it, and a retained
      // key would bill a dollar a month after teardown.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    const cloudWatch = new ServicePrincipal('cloudwatch.amazonaws.com');
    this.key.addToResourcePolicy(
      new PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        principals: [cloudWatch],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    this.topic = new Topic(this, 'Alarms', {
      displayName: `${stack.stackName} alarms`,
      masterKey: this.key,
      enforceSSL: true,
    });
    // The topic policy enforceSSL creates replaces SNS's default one, which let CloudWatch publish: say so again.
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        actions: ['sns:Publish'],
        principals: [cloudWatch],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    this.topic.addSubscription(new EmailSubscription(props.alarmEmail));

    const everything = stack.node.findAll();
    const functions = everything.filter((c): c is NurtureFunction => c instanceof NurtureFunction);
    const queues = everything.filter((c): c is Queue => c instanceof Queue);
    const machines = everything.filter((c): c is StateMachine => c instanceof StateMachine);
    const apis = everything.filter((c): c is HttpApi => c instanceof HttpApi);
    const mappings = everything.filter((c): c is CfnEventSourceMapping => c instanceof CfnEventSourceMapping);

    const fiveMinutes = Duration.minutes(5);
    const errors: IMetric[] = [];
    const throttles: IMetric[] = [];
    for (const fn of functions) {
      const name = fn.node.path;
      errors.push(this.watch(`${name}: errors`, fn.function.metricErrors({ period: fiveMinutes, statistic: 'Sum' }), 1, 'invocations failed'));
      throttles.push(this.watch(`${name}: throttles`, fn.function.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }), 1, 'invocations were throttled'));
      this.watched.add(fn);
    }

    const deadLetterQueues = this.deadLetterQueues(stack, queues, mappings);
    const depths: IMetric[] = [];
    for (const queue of deadLetterQueues) {
      depths.push(
        this.watch(
          `${queue.node.path}: messages`,
          queue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum' }),
          1,
          'messages wait in a dead-letter queue: each is work that failed for good (docs/operations.md says what to do)',
        ),
      );
      this.watched.add(queue);
    }
    // A queue with a dead-letter queue is watched through it.
    for (const queue of queues) if (queue.deadLetterQueue && deadLetterQueues.has(queue.deadLetterQueue.queue as Queue)) this.watched.add(queue);

    const iteratorAges: IMetric[] = [];
    for (const mapping of mappings) {
      // Only stream sources (DynamoDB, Kinesis) have a starting position; queues have none.
      if (!mapping.startingPosition) continue;
      const metric = new Metric({
        namespace: 'AWS/Lambda',
        metricName: 'IteratorAge',
        dimensionsMap: { FunctionName: mapping.functionName },
        period: fiveMinutes,
        statistic: 'Maximum',
      });
      iteratorAges.push(this.watch(`${mapping.node.path}: iterator age`, metric, STREAM_ITERATOR_AGE_ALARM_MS, 'the stream consumer is behind (milliseconds)'));
    }

    const executions: IMetric[] = [];
    for (const machine of machines) {
      const name = machine.node.path;
      executions.push(this.watch(`${name}: failed`, machine.metricFailed({ period: fiveMinutes, statistic: 'Sum' }), 1, 'executions failed'));
      executions.push(this.watch(`${name}: timed out`, machine.metricTimedOut({ period: fiveMinutes, statistic: 'Sum' }), 1, 'executions timed out'));
      this.watched.add(machine);
    }

    const serverErrors: IMetric[] = [];
    for (const api of apis) {
      // A client's mistake is a 4xx; any 5xx is a fault of ours (or of a stalled dependency) worth a look.
      serverErrors.push(this.watch(`${api.node.path}: 5xx`, api.metricServerError({ period: fiveMinutes, statistic: 'Sum' }), 1, 'requests answered 5xx'));
    }

    const hour = Duration.hours(1);
    const reputation = (metricName: string) => new Metric({ namespace: 'AWS/SES', metricName, period: hour, statistic: 'Maximum' });
    const bounceRate = this.watch('SES: bounce rate', reputation('Reputation.BounceRate'), SES_BOUNCE_RATE_ALARM, 'SES account bounce rate ≥ 4% (SES reviews at 5%)');
    const complaintRate = this.watch('SES: complaint rate', reputation('Reputation.ComplaintRate'), SES_COMPLAINT_RATE_ALARM, 'SES account complaint rate ≥ 0.08% (SES reviews at 0.1%)');

    const business = (metricName: string, service: string) =>
      new Metric({ namespace: props.metricsNamespace, metricName, dimensionsMap: { service }, period: fiveMinutes, statistic: 'Sum' });
    const handOffsFailed = this.watch('CRM: hand-offs failed', business(BusinessMetric.HandOffsFailed, MetricService.crm), 1, 'leads the CRM refused or could not take for good');

    if (props.logRetention !== undefined) {
      for (const group of everything.filter((c): c is LogGroup => c instanceof LogGroup)) {
        (group.node.defaultChild as CfnLogGroup).retentionInDays = props.logRetention;
      }
    }

    this.dashboard = new CloudWatchDashboard(this, 'Dashboard', { dashboardName: `${stack.stackName}-operations` });
    const graph = (title: string, left: IMetric[], annotations: HorizontalAnnotation[] = []) =>
      new GraphWidget({ title, left, width: 12, height: 6, leftAnnotations: annotations });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# ${stack.stackName}\nAlarms notify the SNS topic; what each means and what to do: docs/operations.md.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms: [...this.alarms.values()].map((a) => a.alarm), width: 24, height: 6 }));
    this.dashboard.addWidgets(
      graph('Leads, emails and hand-offs', [
        business(BusinessMetric.LeadsAccepted, MetricService.forms),
        business(BusinessMetric.EmailsSent, MetricService.email),
        business(BusinessMetric.HandOffsDelivered, MetricService.crm),
        handOffsFailed,
      ]),
      graph('SES reputation', [bounceRate, complaintRate], [
        { value: SES_BOUNCE_RATE_ALARM, label: 'bounce alarm' },
        { value: SES_COMPLAINT_RATE_ALARM, label: 'complaint alarm' },
      ]),
    );
    this.dashboard.addWidgets(graph('Function errors', errors), graph('Function throttles', throttles));
    this.dashboard.addWidgets(graph('Dead-letter queues (messages)', depths), graph('Stream iterator age (ms)', iteratorAges));
    this.dashboard.addWidgets(graph('State machines: failed and timed out', executions), graph('HTTP API 5xx', serverErrors));

    this.node.addValidation({
      validate: () => {
        const unwatched = Stack.of(this)
          .node.findAll()
          .filter((c) => (c instanceof NurtureFunction || c instanceof Queue || c instanceof StateMachine) && !this.watched.has(c));
        return unwatched.map((c) => `${c.node.path} has no alarm: build it before ${this.node.path}, or give it a dead-letter queue`);
      },
    });
  }

  /** An alarm at `threshold` or above on `metric`, notifying the topic; returns the metric for the dashboard. */
  private watch(name: string, metric: IMetric, threshold: number, what: string): IMetric {
    const alarm = new Alarm(this, `Alarm${this.alarms.size}`, {
      alarmDescription: `${name}: ${what}`,
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No data means nothing happened: no failures, no sends to rate.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(this.topic));
    this.alarms.set(name, { alarm, metric });
    return metric;
  }

  /**
   * The stack's dead-letter queues: those another queue redrives to, and those a stream event source mapping sends
   * the batches it gave up on to (its on-failure destination).
   */
  private deadLetterQueues(stack: Stack, queues: readonly Queue[], mappings: readonly CfnEventSourceMapping[]): Set<Queue> {
    const found = new Set<Queue>();
    for (const queue of queues) {
      const target = queue.deadLetterQueue?.queue;
      if (target instanceof Queue) found.add(target);
    }
    const arnOf = new Map(queues.map((queue) => [JSON.stringify(stack.resolve(queue.queueArn)), queue]));
    for (const mapping of mappings) {
      const config = stack.resolve(mapping.destinationConfig) as { onFailure?: { destination?: unknown } } | undefined;
      const destination = config?.onFailure?.destination;
      if (destination === undefined) continue;
      const queue = arnOf.get(JSON.stringify(destination));
      if (queue) found.add(queue);
    }
    return found;
  }
}
