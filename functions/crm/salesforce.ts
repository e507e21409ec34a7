import type { Lead } from './domain/lead';
import { CrmRejected } from './errors';
import { send, type OutboundOptions } from './outbound';
import type { CrmAdapter } from './ports';

export interface SalesforceConfig {
  /** e.g. `https://acme.my.salesforce.com` */
  readonly instanceUrl: string;
  /** An OAuth access token (from the connected app's flow, kept in the CRM secret). */
  readonly accessToken: string;
  /** The Lead's external id field holding our contact id. @default 'Nurture_Contact_Id__c' */
  readonly externalIdField?: string;
  /** @default 'v60.0' */
  readonly apiVersion?: string;
}

/** Lead fields we write; `Company` and `LastName` are required by Salesforce, so they get placeholders. */
export function salesforceLead(lead: Lead): Record<string, string | number> {
  const fields: Record<string, string | number | undefined> = {
    FirstName: lead.firstName,
    LastName: lead.lastName ?? '[not provided]',
    Email: lead.email,
    Company: lead.company ?? '[not provided]',
    Title: lead.jobTitle,
    Phone: lead.phone,
    LeadSource: 'Nurture',
    Description: lead.summary.slice(0, 32_000),
    Nurture_Score__c: lead.score.total,
    Nurture_Fit_Score__c: lead.score.fit,
    Nurture_Stage__c: lead.stage,
  };
  return Object.fromEntries(Object.entries(fields).filter((e): e is [string, string | number] => e[1] !== undefined));
}

/**
 * Salesforce REST API: Lead upsert by an external id field (`PATCH /sobjects/Lead/<field>/<contactId>`), which
 * creates the lead the first time and updates the same one after; the explanation goes in `Description`.
 */
export class SalesforceCrm implements CrmAdapter {
  readonly provider = 'salesforce';

  constructor(
    private readonly config: SalesforceConfig,
    private readonly outbound: OutboundOptions,
  ) {}

  async upsert(lead: Lead): Promise<{ crmId: string }> {
    const base = `${this.config.instanceUrl.replace(/\/$/, '')}/services/data/${this.config.apiVersion ?? 'v60.0'}/sobjects/Lead`;
    const url = `${base}/${encodeURIComponent(this.config.externalIdField ?? 'Nurture_Contact_Id__c')}/${encodeURIComponent(lead.contactId)}`;
    const headers = { authorization: `Bearer ${this.config.accessToken}`, 'content-type': 'application/json', accept: 'application/json' };
    const { status, body } = await send(url, { method: 'PATCH', headers, body: JSON.stringify(salesforceLead(lead)) }, this.outbound);
    const id = (body as { id?: unknown } | undefined)?.id;
    if (typeof id === 'string') return { crmId: id };
    // Older API versions answer an update with 204 and no body: read the id back by the external id.
    if (status === 204) {
      const read = await send(`${url}?fields=Id`, { method: 'GET', headers }, this.outbound);
      const readId = (read.body as { Id?: unknown } | undefined)?.Id;
      if (typeof readId === 'string') return { crmId: readId };
    }
    throw new CrmRejected('Lead upsert answered without an id', status);
  }
}
