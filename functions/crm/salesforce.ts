import type { Lead } from './lead';
import { CrmRejected } from './errors';
import { send, type OutboundOptions } from './outbound';
import type { CrmAdapter } from './ports';

export interface SalesforceConfig {
  /** e.g. `https://acme.my.salesforce.com` */
  readonly instanceUrl: string;
  /** A static OAuth access token; it expires with the org's session timeout, so prefer the client credentials. */
  readonly accessToken?: string;
  /** The connected app's consumer key, for the OAuth 2.0 client-credentials flow. */
  readonly clientId?: string;
  /** The connected app's consumer secret. */
  readonly clientSecret?: string;
  /** @default `<instanceUrl>/services/oauth2/token` */
  readonly tokenUrl?: string;
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

/** How long a token without `expires_in` is reused (Salesforce's answer has none; a 401 refreshes it earlier). */
const DEFAULT_TOKEN_TTL_MS = 30 * 60_000;
/** A token is refreshed this long before it expires, so a call never starts with one about to lapse. */
const TOKEN_MARGIN_MS = 60_000;

/**
 * Access tokens from the OAuth 2.0 client-credentials flow (`POST <tokenUrl>`, form-encoded `grant_type=
 * client_credentials`, client id and secret), cached until shortly before they expire. One per token endpoint and
 * client, kept for the life of the Lambda container (adapters are rebuilt per invocation, tokens are not).
 */
export class ClientCredentialsTokens {
  private cached: { token: string; expiresAt: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(
    private readonly client: { readonly tokenUrl: string; readonly clientId: string; readonly clientSecret: string },
    private readonly outbound: OutboundOptions,
    private readonly now: () => number = Date.now,
  ) {}

  async token(): Promise<string> {
    if (this.cached && this.now() < this.cached.expiresAt - TOKEN_MARGIN_MS) return this.cached.token;
    this.pending ??= this.fetchToken().finally(() => (this.pending = undefined));
    return this.pending;
  }

  /** Forgets the cached token (the API answered 401: revoked or expired early). */
  invalidate(): void {
    this.cached = undefined;
  }

  private async fetchToken(): Promise<string> {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: this.client.clientId, client_secret: this.client.clientSecret });
    const { body } = await send(
      this.client.tokenUrl,
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: form.toString() },
      this.outbound,
    );
    const answer = body as { access_token?: unknown; expires_in?: unknown } | undefined;
    if (typeof answer?.access_token !== 'string' || !answer.access_token) throw new CrmRejected('Token endpoint answered without an access_token', 200);
    const ttl = typeof answer.expires_in === 'number' && answer.expires_in > 0 ? answer.expires_in * 1_000 : DEFAULT_TOKEN_TTL_MS;
    this.cached = { token: answer.access_token, expiresAt: this.now() + ttl };
    return answer.access_token;
  }
}

const tokenSources = new Map<string, ClientCredentialsTokens>();

/** The container-wide token source for this connected app. */
function tokensFor(config: SalesforceConfig, outbound: OutboundOptions): ClientCredentialsTokens | undefined {
  if (!config.clientId || !config.clientSecret) return undefined;
  const tokenUrl = config.tokenUrl ?? `${config.instanceUrl.replace(/\/$/, '')}/services/oauth2/token`;
  const key = `${tokenUrl}|${config.clientId}`;
  let source = tokenSources.get(key);
  if (!source) {
    source = new ClientCredentialsTokens({ tokenUrl, clientId: config.clientId, clientSecret: config.clientSecret }, outbound);
    tokenSources.set(key, source);
  }
  return source;
}

/**
 * Salesforce REST API: Lead upsert by an external id field (`PATCH /sobjects/Lead/<field>/<contactId>`), which
 * creates the lead the first time and updates the same one after; the explanation goes in `Description`. With a
 * client id and secret it authenticates with the client-credentials flow (token cached until it expires; on a 401
 * it fetches a new one and retries once); otherwise with the static `accessToken`.
 */
export class SalesforceCrm implements CrmAdapter {
  readonly provider = 'salesforce';
  private readonly tokens: ClientCredentialsTokens | undefined;

  constructor(
    private readonly config: SalesforceConfig,
    private readonly outbound: OutboundOptions,
    tokens?: ClientCredentialsTokens,
  ) {
    this.tokens = tokens ?? tokensFor(config, outbound);
    if (!this.tokens && !config.accessToken) throw new Error('Salesforce needs an accessToken, or a clientId and clientSecret');
  }

  async upsert(lead: Lead): Promise<{ crmId: string }> {
    if (!this.tokens) return this.upsertWith(lead, this.config.accessToken!);
    try {
      return await this.upsertWith(lead, await this.tokens.token());
    } catch (error) {
      if (!(error instanceof CrmRejected) || error.status !== 401) throw error;
      this.tokens.invalidate();
      return this.upsertWith(lead, await this.tokens.token());
    }
  }

  private async upsertWith(lead: Lead, accessToken: string): Promise<{ crmId: string }> {
    const base = `${this.config.instanceUrl.replace(/\/$/, '')}/services/data/${this.config.apiVersion ?? 'v60.0'}/sobjects/Lead`;
    const url = `${base}/${encodeURIComponent(this.config.externalIdField ?? 'Nurture_Contact_Id__c')}/${encodeURIComponent(lead.contactId)}`;
    const headers = { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json', accept: 'application/json' };
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
