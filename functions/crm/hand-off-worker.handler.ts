import { SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { parseEnv } from '../shared/env';
import { handOffDeps } from './handler-deps';
import { makeHandOffWorker } from './hand-off-worker';
import { SqsMessageVisibility } from './sqs-hand-off-queue';

const env = parseEnv({
  /** The queue's maxReceiveCount (its redrive policy), so the last delivery records the failure. */
  HANDOFF_MAX_RECEIVES: z.coerce.number().int().min(1).default(5),
  /** The queue itself, for ChangeMessageVisibility (the backoff between deliveries). */
  HANDOFF_QUEUE_URL: z.string().min(1),
});

export const handler = makeHandOffWorker({
  ...handOffDeps('crm-hand-off-worker'),
  maxReceives: env.HANDOFF_MAX_RECEIVES,
  visibility: new SqsMessageVisibility(new SQSClient({}), env.HANDOFF_QUEUE_URL),
});
