import { SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import type { CapabilityPorts } from './capabilities';
import { SqsHandOffQueue } from './crm/sqs-hand-off-queue';
import { reactorEmailsFrom } from './email/reactor-emails';
import { SfnJourneys } from './journeys/sfn-journeys';
import { stepFunctions } from './shared/sfn';

/** The variables the registered capabilities' reactor ports need, for the reactor's `parseEnv`. */
export const capabilityPortsEnv = {
  /** Journey state machines are named `<prefix><journeyId>`. */
  JOURNEY_STATE_MACHINE_ARN_PREFIX: z.string().startsWith('arn:'),
  /** The CRM hand-off queue (functions/crm); locally, the local queue's URL. */
  HANDOFF_QUEUE_URL: z.url(),
};

/**
 * The ports the registered capabilities apply their calls through, built once at the reactor's cold start: one
 * line per capability that makes calls (functions/capabilities.ts registers the capability itself).
 */
export function capabilityPorts(env: z.infer<z.ZodObject<typeof capabilityPortsEnv>>, source: NodeJS.ProcessEnv): CapabilityPorts {
  return {
    journeys: new SfnJourneys(stepFunctions, env.JOURNEY_STATE_MACHINE_ARN_PREFIX),
    handOffs: new SqsHandOffQueue(new SQSClient({}), env.HANDOFF_QUEUE_URL),
    // Double opt-in confirmations (functions/email); absent until the function has the email bindings.
    emails: reactorEmailsFrom(source),
  };
}
