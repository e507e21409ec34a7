import * as z from 'zod';
import { documentClient } from '../shared/aws';
import { parseEnv } from '../shared/env';
import { systemClock } from '../shared/ids';
import { createLogger } from '../shared/logger';
import { lifecycle, scoringRules } from '../scoring/domain/content';
import { adapterFor, crmSettingsSource, outboundOptions } from './config';
import { DynamoCrmStore } from './dynamo-crm-store';
import type { CrmHandOffDeps } from './hand-off-task';

/** What the hand-off task and the queue worker are built from, once per cold start. */
export function handOffDeps(service: string): CrmHandOffDeps {
  const env = parseEnv({ TABLE_NAME: z.string().min(1) });
  const settings = crmSettingsSource();
  const outbound = outboundOptions();
  return {
    store: new DynamoCrmStore(documentClient, env.TABLE_NAME),
    crm: async () => adapterFor(await settings(), outbound),
    rules: scoringRules,
    lifecycle,
    clock: systemClock,
    logger: createLogger(service),
  };
}
