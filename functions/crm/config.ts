import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { parsedSecret } from '../shared/secrets';
import { HubSpotCrm } from './hubspot';
import type { OutboundOptions } from './outbound';
import type { CrmAdapter, DealContacts } from './ports';
import { SalesforceCrm } from './salesforce';
import { WebhookCrm } from './crm-outbound-webhook';

/**
 * CRM settings. In AWS they are one Secrets Manager secret (JSON, `CRM_SECRET_ARN`), re-read after the secrets TTL;
 * locally they come from the environment, and `npm start` points HubSpot at the local receiver unless real
 * credentials are set. Loopback URLs are allowed only locally (`NURTURE_LOCAL=1`).
 */
export const CrmSettings = z.object({
  provider: z.enum(['hubspot', 'salesforce', 'webhook', 'none']).default('hubspot'),
  hubspot: z
    .object({
      /** A private app's access token; without one HubSpot is not used for hand-offs. */
      accessToken: z.string().min(1).optional(),
      baseUrl: z.url().optional(),
      clientSecret: z.string().min(1).optional(),
      followUp: z.enum(['note', 'task', 'none']).optional(),
      /** Erasing a contact also GDPR-deletes its HubSpot record (the token needs `crm.objects.contacts.write`). */
      gdprDelete: z.boolean().optional(),
    })
    .optional(),
  salesforce: z
    .object({
      instanceUrl: z.url(),
      /** A static access token; it expires with the org's session timeout. */
      accessToken: z.string().min(1).optional(),
      /** A connected app's client credentials (OAuth 2.0 client-credentials flow): tokens are fetched and renewed. */
      clientId: z.string().min(1).optional(),
      clientSecret: z.string().min(1).optional(),
      /** The token endpoint. @default `<instanceUrl>/services/oauth2/token` */
      tokenUrl: z.url().optional(),
      externalIdField: z.string().min(1).optional(),
      apiVersion: z.string().optional(),
    })
    .refine((s) => s.accessToken || (s.clientId && s.clientSecret), { message: 'needs accessToken, or clientId and clientSecret' })
    .optional(),
  webhook: z.object({ url: z.url(), secret: z.string().min(16) }).optional(),
  /** Secret for inbound feedback signed with our scheme (`POST /webhooks/crm/generic`). */
  feedbackSecret: z.string().min(16).optional(),
});
export type CrmSettings = z.infer<typeof CrmSettings>;

/** Settings from the environment (local runs and tests). */
export function settingsFromEnv(source: Readonly<Record<string, string | undefined>>): CrmSettings {
  const e = source;
  const compact = <T extends Record<string, unknown>>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v));
  return CrmSettings.parse({
    provider: e.CRM_PROVIDER || undefined,
    hubspot: e.HUBSPOT_ACCESS_TOKEN || e.HUBSPOT_CLIENT_SECRET
      ? {
          ...compact({ accessToken: e.HUBSPOT_ACCESS_TOKEN, baseUrl: e.HUBSPOT_BASE_URL, clientSecret: e.HUBSPOT_CLIENT_SECRET, followUp: e.HUBSPOT_FOLLOW_UP }),
          ...(e.HUBSPOT_GDPR_DELETE ? { gdprDelete: ['1', 'true'].includes(e.HUBSPOT_GDPR_DELETE) } : {}),
        }
      : undefined,
    salesforce: e.SALESFORCE_INSTANCE_URL
      ? compact({
          instanceUrl: e.SALESFORCE_INSTANCE_URL,
          accessToken: e.SALESFORCE_ACCESS_TOKEN,
          clientId: e.SALESFORCE_CLIENT_ID,
          clientSecret: e.SALESFORCE_CLIENT_SECRET,
          tokenUrl: e.SALESFORCE_TOKEN_URL,
          externalIdField: e.SALESFORCE_EXTERNAL_ID_FIELD,
        })
      : undefined,
    webhook: e.CRM_WEBHOOK_URL ? { url: e.CRM_WEBHOOK_URL, secret: e.CRM_WEBHOOK_SECRET } : undefined,
    feedbackSecret: e.CRM_FEEDBACK_SECRET || undefined,
  });
}

/** The variables the CRM settings come from (`crmSecret` in lib/shared/bindings.ts). */
export type CrmEnvironment = Readonly<Record<string, string | undefined>> & { readonly CRM_SECRET_ARN?: string | undefined; readonly NURTURE_LOCAL?: string | undefined };

/**
 * The settings for this environment: the secret in AWS (re-read after the secrets TTL, so a rotated credential is
 * used without a redeploy), the environment locally.
 */
export function crmSettingsSource(env: CrmEnvironment, client?: SecretsManagerClient): () => Promise<CrmSettings> {
  if (!env.CRM_SECRET_ARN) {
    const settings = settingsFromEnv(env);
    return async () => settings;
  }
  return parsedSecret(env.CRM_SECRET_ARN, (value) => CrmSettings.parse(JSON.parse(value)), client ? { client } : {});
}

/** Loopback URLs are allowed only locally (`NURTURE_LOCAL=1`), for the local CRM receiver. */
export function outboundOptions(env: CrmEnvironment): OutboundOptions {
  return { allowLoopback: env.NURTURE_LOCAL === '1' };
}

/** No CRM configured: hand-offs are skipped (and said so), never silently dropped. */
export class CrmNotConfigured extends Error {
  override name = 'CrmNotConfigured';
}

/** The adapter the settings choose. */
export function adapterFor(settings: CrmSettings, outbound: OutboundOptions): CrmAdapter | undefined {
  switch (settings.provider) {
    case 'hubspot':
      return settings.hubspot?.accessToken
        ? new HubSpotCrm({ ...settings.hubspot, accessToken: settings.hubspot.accessToken }, outbound)
        : undefined;
    case 'salesforce':
      return settings.salesforce ? new SalesforceCrm(settings.salesforce, outbound) : undefined;
    case 'webhook':
      return settings.webhook ? new WebhookCrm(settings.webhook, outbound) : undefined;
    case 'none':
      return undefined;
  }
}

/**
 * Where HubSpot deal feedback finds its contacts: the deal's associations, read with the HubSpot access token
 * whichever provider takes hand-offs (the token needs the `crm.objects.deals.read` scope). Undefined without one.
 */
export function hubSpotDealContacts(settings: CrmSettings, outbound: OutboundOptions): DealContacts | undefined {
  return settings.hubspot?.accessToken ? new HubSpotCrm({ ...settings.hubspot, accessToken: settings.hubspot.accessToken }, outbound) : undefined;
}

/** Deletes a contact's record in the CRM it was handed to, when the settings ask for it (HubSpot's GDPR delete). */
export interface CrmEraser {
  readonly provider: string;
  erase(crmId: string): Promise<void>;
}

/** The eraser the settings configure: HubSpot with `gdprDelete` and a token; undefined otherwise. */
export function crmEraserFor(settings: CrmSettings, outbound: OutboundOptions): CrmEraser | undefined {
  const hubspot = settings.hubspot;
  if (!hubspot?.accessToken || !hubspot.gdprDelete) return undefined;
  const crm = new HubSpotCrm({ ...hubspot, accessToken: hubspot.accessToken }, outbound);
  return { provider: crm.provider, erase: (crmId) => crm.gdprDelete(crmId) };
}
