import { SQSClient } from '@aws-sdk/client-sqs';
import type { CapabilityPorts } from './capabilities';
import { SqsHandOffQueue } from './crm/sqs-hand-off-queue';
import { reactorEmailsFrom } from './email/email-senders';
import { SfnJourneys } from './journeys/sfn-journeys';
import type { EnvironmentOf } from './shared/environment';
import { stepFunctions } from './shared/sfn';

/**
 * The ports the registered capabilities apply their calls through, built once at the reactor's cold start from
 * the reactor's registry environment (lib/functions.ts binds what each needs): one line per capability that
 * makes calls (functions/capabilities.ts registers the capability itself).
 */
export function capabilityPorts(env: EnvironmentOf<'reactor'>): CapabilityPorts {
  return {
    journeys: new SfnJourneys(stepFunctions, env.JOURNEY_STATE_MACHINE_ARN_PREFIX),
    handOffs: new SqsHandOffQueue(new SQSClient({}), env.HANDOFF_QUEUE_URL),
    // Double opt-in confirmations (functions/email).
    emails: reactorEmailsFrom(env),
  };
}
