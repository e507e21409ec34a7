import * as z from 'zod';
import type { Lead } from './lead';
import { CrmRejected } from './errors';
import { send, type OutboundOptions } from './outbound';
import type { CrmAdapter, DealContacts } from './ports';

export interface HubSpotConfig {
  /** A private app's access token (Bearer). */
  readonly accessToken: string;
  /** @default 'https://api.hubapi.com' (locally: the local receiver) */
  readonly baseUrl?: string;
  /** What the rep gets besides the record: a note on it, or a task for its owner. @default 'note' */
  readonly followUp?: 'note' | 'task' | 'none';
  /** Erasing a contact (GDPR art. 17) also GDPR-deletes its HubSpot record. @default false */
  readonly gdprDelete?: boolean;
}

/** HubSpot's default association type ids: note → contact and task → contact. */
export const NOTE_TO_CONTACT = 202;
export const TASK_TO_CONTACT = 204;

/**
 * One page of `GET /crm/v4/objects/deals/{dealId}/associations/contacts`: `toObjectId` is the contact's record id
 * (a number), `paging.next.after` the cursor of the next page, absent on the last. Every association counts,
 * whatever its label (`associationTypes`): a deal's decision maker and its champion both hear the outcome.
 */
const AssociationsPage = z.looseObject({
  results: z.array(z.looseObject({ toObjectId: z.union([z.number(), z.string()]).transform(String) })),
  paging: z.looseObject({ next: z.looseObject({ after: z.string() }).optional() }).optional(),
});
/** The most association pages (of 500) read for one deal: a deal with more contacts than that is not a lead's. */
const MAX_ASSOCIATION_PAGES = 10;

/** The HubSpot contact properties we write: standard ones and our `nurture_*` score properties. */
export function hubSpotProperties(lead: Lead): Record<string, string> {
  const properties: Record<string, string | undefined> = {
    email: lead.email,
    firstname: lead.firstName,
    lastname: lead.lastName,
    company: lead.company,
    jobtitle: lead.jobTitle,
    phone: lead.phone,
    lifecyclestage: lead.hubspotLifecycleStage,
    nurture_contact_id: lead.contactId,
    nurture_stage: lead.stage,
    nurture_score: String(lead.score.total),
    nurture_fit_score: String(lead.score.fit),
    nurture_behaviour_score: String(lead.score.behaviour),
    nurture_handoff_reason: lead.reason || undefined,
  };
  return Object.fromEntries(Object.entries(properties).filter((e): e is [string, string] => e[1] !== undefined));
}

/**
 * HubSpot CRM v3: contacts batch upsert by email (`idProperty: email`), so a contact has one record however often it
 * is handed off, then a note (or task) on it with the score explanation. For deal feedback it reads a deal's
 * contacts through the v4 associations API.
 */
export class HubSpotCrm implements CrmAdapter, DealContacts {
  readonly provider = 'hubspot';
  private readonly baseUrl: string;

  constructor(
    private readonly config: HubSpotConfig,
    private readonly outbound: OutboundOptions,
  ) {
    this.baseUrl = (config.baseUrl ?? 'https://api.hubapi.com').replace(/\/$/, '');
  }

  private get(path: string) {
    return send(
      `${this.baseUrl}${path}`,
      { method: 'GET', headers: { authorization: `Bearer ${this.config.accessToken}`, accept: 'application/json' } },
      this.outbound,
    );
  }

  private post(path: string, body: unknown) {
    return send(
      `${this.baseUrl}${path}`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${this.config.accessToken}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
      },
      this.outbound,
    );
  }

  async upsert(lead: Lead): Promise<{ crmId: string }> {
    const { body } = await this.post('/crm/v3/objects/contacts/batch/upsert', {
      inputs: [{ idProperty: 'email', id: lead.email, properties: hubSpotProperties(lead) }],
    });
    const id = (body as { results?: { id?: unknown }[] } | undefined)?.results?.[0]?.id;
    if (typeof id !== 'string' && typeof id !== 'number') throw new CrmRejected('batch upsert answered without a record id', 200);
    return { crmId: String(id) };
  }

  async followUp(crmId: string, lead: Lead): Promise<void> {
    const kind = this.config.followUp ?? 'note';
    const at = new Date().toISOString();
    if (kind === 'note') {
      await this.post('/crm/v3/objects/notes', {
        properties: { hs_timestamp: at, hs_note_body: lead.summary },
        associations: [{ to: { id: crmId }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: NOTE_TO_CONTACT }] }],
      });
    } else if (kind === 'task') {
      await this.post('/crm/v3/objects/tasks', {
        properties: {
          hs_timestamp: at,
          hs_task_subject: `Follow up: ${[lead.firstName, lead.lastName].filter(Boolean).join(' ') || lead.email} (score ${lead.score.total})`,
          hs_task_body: lead.summary,
          hs_task_status: 'NOT_STARTED',
          hs_task_priority: 'HIGH',
        },
        associations: [{ to: { id: crmId }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: TASK_TO_CONTACT }] }],
      });
    }
  }

  /**
   * Permanently deletes the record and its activity (`POST /crm/v3/objects/contacts/gdpr-delete`, GDPR art. 17; the
   * token needs `crm.objects.contacts.write`). A record HubSpot no longer has (404) is already deleted.
   */
  async gdprDelete(crmId: string): Promise<void> {
    try {
      await this.post('/crm/v3/objects/contacts/gdpr-delete', { objectId: crmId });
    } catch (error) {
      if (error instanceof CrmRejected && error.status === 404) return;
      throw error;
    }
  }

  /** The deal's associated contacts (record ids), every page; a deal HubSpot does not know (404) is `undefined`. */
  async contactsOfDeal(dealId: string): Promise<string[] | undefined> {
    const ids = new Set<string>();
    let after: string | undefined;
    for (let page = 0; page < MAX_ASSOCIATION_PAGES; page++) {
      const query = new URLSearchParams({ limit: '500', ...(after ? { after } : {}) });
      let body: unknown;
      try {
        ({ body } = await this.get(`/crm/v4/objects/deals/${encodeURIComponent(dealId)}/associations/contacts?${query.toString()}`));
      } catch (error) {
        if (error instanceof CrmRejected && error.status === 404) return undefined;
        throw error;
      }
      const parsed = AssociationsPage.safeParse(body);
      if (!parsed.success) throw new CrmRejected('deal associations answered in an unknown shape', 200);
      for (const association of parsed.data.results) ids.add(association.toObjectId);
      after = parsed.data.paging?.next?.after;
      if (!after) break;
    }
    return [...ids];
  }
}
