import { SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { parseEnv } from '../shared/env';
import { handOffDeps } from './handler-deps';
import { makeHandOffTask } from './hand-off-task';
import { SqsHandOffQueue } from './sqs-hand-off-queue';

const env = parseEnv({ HANDOFF_QUEUE_URL: z.string().min(1) });

export const handler = makeHandOffTask({ ...handOffDeps('crm-hand-off'), parking: new SqsHandOffQueue(new SQSClient({}), env.HANDOFF_QUEUE_URL) });
