import { documentClient } from '../shared/aws';
import { clock } from '../shared/clock';
import { environmentFor } from '../shared/environment';
import { createLogger } from '../shared/logger';
import { lifecycle } from '../scoring/domain/content';
import { crmSettingsSource, hubSpotDealContacts, outboundOptions } from './config';
import { makeCrmWebhookHandler } from './crm-inbound-webhook';
import { DynamoCrmStore } from './dynamo-crm-store';

const env = environmentFor('crmWebhook');
const settings = crmSettingsSource(env);
// Short: HubSpot waits about 5 seconds for the answer to a delivery, and redelivers it after a 5xx.
const outbound = { ...outboundOptions(env), timeoutMs: 2_000 };

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
  clock,
  logger: createLogger('crm-webhook'),
  publicUrl: env.PUBLIC_BASE_URL,
});
