import * as z from 'zod';
import { parseEnv } from '../shared/env';
import { handOffDeps } from './handler-deps';
import { makeHandOffWorker } from './hand-off-worker';

const env = parseEnv({
  /** The queue's maxReceiveCount (its redrive policy), so the last delivery records the failure. */
  HANDOFF_MAX_RECEIVES: z.coerce.number().int().min(1).default(5),
});

export const handler = makeHandOffWorker({ ...handOffDeps('crm-hand-off-worker'), maxReceives: env.HANDOFF_MAX_RECEIVES });
