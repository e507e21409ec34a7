import { documentClient } from '../shared/aws';
import { clock } from '../shared/clock';
import { environmentFor } from '../shared/environment';
import { createLogger } from '../shared/logger';
import { SFNClient } from '@aws-sdk/client-sfn';
import { answerDeploy, CloudFormationRequest } from './deploy-hook';
import { DynamoJourneyStore } from './dynamo-journey-store';
import { makeJourneyMigrate } from './journey-migrate';
import { journeys } from './journeys';

const env = environmentFor('journeyMigrate');
const logger = createLogger('journey-migrate');

const migrate = makeJourneyMigrate({
  // Its own client: reading histories is throttled hard (GetExecutionHistory refills 5 a second after a burst of
  // 250), and adaptive retries slow this one caller down instead of failing the run.
  sfn: new SFNClient({ retryMode: 'adaptive', maxAttempts: 10 }),
  stateMachineArnPrefix: env.JOURNEY_STATE_MACHINE_ARN_PREFIX,
  journeyIds: [...journeys.keys()],
  store: new DynamoJourneyStore(documentClient, env.TABLE_NAME),
  clock,
  logger,
});

/**
 * Each journey's `on_change` applied to its older versions: at every deploy that publishes a version (the journeys
 * construct's custom resource, answered here) and on a schedule (EventBridge Scheduler's payload; locally at start).
 */
export const handler = async (event: unknown) => {
  const deploy = CloudFormationRequest.safeParse(event);
  // A deploy waits for the answer: 10 minutes of it at most; a scheduled run stops short of the 15-minute timeout.
  if (deploy.success) return answerDeploy(deploy.data, () => migrate({ until: minutesFromNow(10) }), logger);
  return migrate({ until: minutesFromNow(13) });
};

const minutesFromNow = (minutes: number) => new Date(clock.now().getTime() + minutes * 60_000);
