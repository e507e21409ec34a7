import * as z from 'zod';
import { documentClient } from '../shared/aws';
import { parseEnv } from '../shared/env';
import { systemClock } from '../shared/ids';
import { createLogger } from '../shared/logger';
import { lifecycle } from '../scoring/domain/content';
import { crmSettingsSource, hubSpotDealContacts, outboundOptions } from './config';
import { makeCrmWebhookHandler } from './crm-inbound-webhook';
import { DynamoCrmStore } from './dynamo-crm-store';

const env = parseEnv({ TABLE_NAME: z.string().min(1) });
const settings = crmSettingsSource();
// Short: HubSpot waits about 5 seconds for the answer to a delivery, and redelivers it after a 5xx.
const outbound = { ...outboundOptions(), timeoutMs: 2_000 };

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
  dealContacts: async () => hubSpotDealContacts(await settings(), outbound),
  clock: systemClock,
  logger: createLogger('crm-webhook'),
});
