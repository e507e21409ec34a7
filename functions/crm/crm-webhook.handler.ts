import * as z from 'zod';
import { documentClient } from '../shared/aws';
import { parseEnv } from '../shared/env';
import { systemClock } from '../shared/ids';
import { createLogger } from '../shared/logger';
import { lifecycle } from '../scoring/domain/content';
import { crmSettingsSource } from './config';
import { makeCrmWebhookHandler } from './crm-webhook';
import { DynamoCrmStore } from './dynamo-crm-store';

const env = parseEnv({ TABLE_NAME: z.string().min(1) });
const settings = crmSettingsSource();

export const handler = makeCrmWebhookHandler({
  store: new DynamoCrmStore(documentClient, env.TABLE_NAME),
  lifecycle,
  secrets: async () => {
    const s = await settings();
    return {
      ...(s.hubspot?.clientSecret ? { hubspot: s.hubspot.clientSecret } : {}),
      ...(s.feedbackSecret ? { generic: s.feedbackSecret } : {}),
    };
  },
  clock: systemClock,
  logger: createLogger('crm-webhook'),
});
