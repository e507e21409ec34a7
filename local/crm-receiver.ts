import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { htmlSecurityHeaders } from '../functions/shared/security-headers';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A local, HubSpot-compatible CRM: the subset of the CRM API the HubSpot adapter calls (v3 contacts batch upsert by
 * email, notes, tasks; v4 associations of a deal's contacts), checking the request shapes HubSpot documents, plus
 * the "sales inbox" of the demo at `GET /dev/crm` (HTML, or JSON with `Accept: application/json`). Deals are made as
 * in HubSpot (`POST /crm/v3/objects/deals` with associations to contacts), or without the token through
 * `POST /dev/crm/deals`, the same body. Tests inject faults (a status, or a delay) through `POST /dev/crm/faults`.
 */
export interface CrmReceiverOptions {
  /** @default 0 (a free port) */
  readonly port?: number;
  /** The bearer token requests must carry. @default 'local-hubspot-token' */
  readonly accessToken?: string;
}

export interface ReceivedRecord {
  readonly id: string;
  readonly email: string;
  properties: Record<string, string>;
  readonly createdAt: string;
  updatedAt: string;
  readonly notes: { readonly id: string; readonly body: string; readonly at: string }[];
  readonly tasks: { readonly id: string; readonly subject: string; readonly body: string; readonly at: string }[];
}

export interface ReceivedDeal {
  readonly id: string;
  readonly properties: Record<string, string>;
  /** Record ids of the associated contacts. */
  readonly contactIds: readonly string[];
  readonly createdAt: string;
}

export interface ReceivedHandOff {
  readonly at: string;
  readonly crmId: string;
  readonly email: string;
  /** True when this upsert created the record. */
  readonly created: boolean;
  readonly properties: Record<string, string>;
}

/** What `GET /dev/crm` answers with `Accept: application/json` (newest first). */
export interface CrmInbox {
  readonly provider: 'hubspot-local';
  readonly contacts: readonly ReceivedRecord[];
  readonly handOffs: readonly ReceivedHandOff[];
  readonly deals: readonly ReceivedDeal[];
  /** Hand-offs parked in the local dead-letter queue (filled by the local hand-off queue). */
  readonly deadLetters: readonly unknown[];
  /** Records removed by HubSpot's GDPR delete (ids only). */
  readonly gdprDeleted: readonly { readonly at: string; readonly crmId: string }[];
}

export interface CrmReceiver {
  readonly url: string;
  /** Serves `/dev/crm` (and `/dev/crm/...`) on another server, e.g. the gateway. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  inbox(): CrmInbox;
  /** Where the local hand-off queue parks what it gave up on. */
  addDeadLetter(entry: unknown): void;
  close(): Promise<void>;
}

interface Fault {
  /** Answer with this status instead of doing the call. */
  status?: number;
  /** Wait this long before answering (a CRM too slow for the caller's timeout). */
  delayMs?: number;
  times: number;
  retryAfter?: string;
}

/** HubSpot's default association type id deal → contact. */
const DEAL_TO_CONTACT = 3;

const PROPERTY_NAME = /^[a-z][a-z0-9_]*$/;

export async function startCrmReceiver(options: CrmReceiverOptions = {}): Promise<CrmReceiver> {
  const token = options.accessToken ?? 'local-hubspot-token';
  const records = new Map<string, ReceivedRecord>();
  const byEmail = new Map<string, string>();
  const handOffs: ReceivedHandOff[] = [];
  const deals = new Map<string, ReceivedDeal>();
  const deadLetters: unknown[] = [];
  const gdprDeleted: { at: string; crmId: string }[] = [];
  let fault: Fault | undefined;
  let nextId = 1001;

  const inbox = (): CrmInbox => ({
    provider: 'hubspot-local',
    contacts: [...records.values()].reverse(),
    handOffs: [...handOffs].reverse(),
    deals: [...deals.values()].reverse(),
    deadLetters: [...deadLetters].reverse(),
    gdprDeleted: [...gdprDeleted].reverse(),
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://crm.local');
    const method = req.method ?? 'GET';
    const body = await readBody(req);

    if (url.pathname === '/dev/crm') {
      if (method === 'DELETE') {
        records.clear();
        byEmail.clear();
        handOffs.length = 0;
        deals.clear();
        deadLetters.length = 0;
        gdprDeleted.length = 0;
        fault = undefined;
        return send(res, 204);
      }
      if (method !== 'GET' && method !== 'HEAD') return send(res, 405, { message: 'Method Not Allowed' });
      if ((req.headers.accept ?? '').includes('application/json')) return send(res, 200, inbox());
      return sendHtml(res, page(inbox()));
    }
    if (url.pathname === '/dev/crm/faults' && method === 'POST') {
      const parsed = parseJson(body) as Partial<Fault> | undefined;
      if (!parsed || (typeof parsed.status !== 'number' && typeof parsed.delayMs !== 'number')) return send(res, 400, { message: 'status or delayMs is required' });
      fault = {
        times: parsed.times ?? 1,
        ...(typeof parsed.status === 'number' ? { status: parsed.status } : {}),
        ...(typeof parsed.delayMs === 'number' ? { delayMs: parsed.delayMs } : {}),
        ...(parsed.retryAfter ? { retryAfter: parsed.retryAfter } : {}),
      };
      return send(res, 204);
    }
    if (url.pathname === '/dev/crm/deals' && method === 'POST') return createDeal(res, parseJson(body), new Date().toISOString());

    if (!/^\/crm\/v[34]\//.test(url.pathname)) return send(res, 404, { status: 'error', message: 'Not Found' });
    if (req.headers.authorization !== `Bearer ${token}`) {
      return send(res, 401, { status: 'error', category: 'INVALID_AUTHENTICATION', message: 'Authentication credentials not found.' });
    }
    if (fault && fault.times > 0) {
      fault.times--;
      const current = fault;
      if (fault.times === 0) fault = undefined;
      if (current.delayMs) await sleep(current.delayMs);
      if (current.status !== undefined) {
        return send(res, current.status, { status: 'error', category: current.status === 429 ? 'RATE_LIMITS' : 'INTERNAL_ERROR', message: 'injected fault' }, current.retryAfter ? { 'retry-after': current.retryAfter } : {});
      }
    }
    const associations = /^\/crm\/v4\/objects\/deals\/([^/]+)\/associations\/contacts$/.exec(url.pathname);
    if (method === 'GET' && associations) return dealContacts(res, decodeURIComponent(associations[1]!), url.searchParams);
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      return validationError(res, 'Content-Type must be application/json');
    }
    const json = parseJson(body);
    const now = new Date().toISOString();

    if (method === 'POST' && url.pathname === '/crm/v3/objects/contacts/batch/upsert') {
      const inputs = (json as { inputs?: unknown } | undefined)?.inputs;
      if (!Array.isArray(inputs) || inputs.length === 0 || inputs.length > 100) return validationError(res, 'inputs must hold 1 to 100 records');
      const results = [];
      for (const input of inputs as Record<string, unknown>[]) {
        if (input.idProperty !== 'email') return validationError(res, 'idProperty must be email');
        if (typeof input.id !== 'string' || !input.id.includes('@')) return validationError(res, 'id must be the email address');
        const properties = input.properties as Record<string, unknown> | undefined;
        if (!properties || typeof properties !== 'object') return validationError(res, 'properties is required');
        for (const [name, value] of Object.entries(properties)) {
          if (!PROPERTY_NAME.test(name) || typeof value !== 'string') return validationError(res, `property ${name} must be a string`);
        }
        const email = input.id.toLowerCase();
        const existing = byEmail.get(email);
        const record: ReceivedRecord = existing
          ? records.get(existing)!
          : { id: String(nextId++), email, properties: {}, createdAt: now, updatedAt: now, notes: [], tasks: [] };
        record.properties = { ...record.properties, ...(properties as Record<string, string>) };
        record.updatedAt = now;
        records.set(record.id, record);
        byEmail.set(email, record.id);
        handOffs.push({ at: now, crmId: record.id, email, created: !existing, properties: { ...(properties as Record<string, string>) } });
        results.push({ id: record.id, properties: record.properties, createdAt: record.createdAt, updatedAt: now, archived: false, new: !existing });
      }
      return send(res, 200, { status: 'COMPLETE', results, startedAt: now, completedAt: now });
    }

    const association = (typeId: number) => {
      const first = ((json as { associations?: unknown } | undefined)?.associations as Record<string, unknown>[] | undefined)?.[0];
      const to = (first?.to as { id?: unknown } | undefined)?.id;
      const types = first?.types as { associationCategory?: unknown; associationTypeId?: unknown }[] | undefined;
      const ok = types?.some((t) => t.associationCategory === 'HUBSPOT_DEFINED' && t.associationTypeId === typeId);
      return ok && typeof to === 'string' ? records.get(to) : undefined;
    };
    const properties = ((json as { properties?: unknown } | undefined)?.properties ?? {}) as Record<string, unknown>;
    if (method === 'POST' && url.pathname === '/crm/v3/objects/contacts/gdpr-delete') {
      // HubSpot's GDPR delete by record id: the record and its notes and tasks go; an unknown id is 404.
      const objectId = (json as { objectId?: unknown } | undefined)?.objectId;
      if (typeof objectId !== 'string' || (json as { idProperty?: unknown }).idProperty !== undefined) return validationError(res, 'objectId (a record id) is required');
      const record = records.get(objectId);
      if (!record) return send(res, 404, { status: 'error', category: 'OBJECT_NOT_FOUND', message: 'resource not found' });
      records.delete(objectId);
      byEmail.delete(record.email);
      // Its activity goes with it: the hand-offs of the record leave the log.
      for (let i = handOffs.length - 1; i >= 0; i--) if (handOffs[i]!.crmId === objectId) handOffs.splice(i, 1);
      gdprDeleted.push({ at: now, crmId: objectId });
      return send(res, 204);
    }
    if (method === 'POST' && url.pathname === '/crm/v3/objects/deals') return createDeal(res, json, now);
    if (method === 'POST' && url.pathname === '/crm/v3/objects/notes') {
      const record = association(202);
      if (!record) return validationError(res, 'a note needs one HUBSPOT_DEFINED association (type 202) to an existing contact');
      if (typeof properties.hs_note_body !== 'string' || typeof properties.hs_timestamp !== 'string') {
        return validationError(res, 'hs_note_body and hs_timestamp are required');
      }
      const note = { id: String(nextId++), body: properties.hs_note_body, at: properties.hs_timestamp };
      record.notes.push(note);
      return send(res, 201, { id: note.id, properties, createdAt: now, updatedAt: now, archived: false });
    }
    if (method === 'POST' && url.pathname === '/crm/v3/objects/tasks') {
      const record = association(204);
      if (!record) return validationError(res, 'a task needs one HUBSPOT_DEFINED association (type 204) to an existing contact');
      if (typeof properties.hs_task_subject !== 'string' || typeof properties.hs_timestamp !== 'string') {
        return validationError(res, 'hs_task_subject and hs_timestamp are required');
      }
      const task = { id: String(nextId++), subject: properties.hs_task_subject, body: String(properties.hs_task_body ?? ''), at: properties.hs_timestamp };
      record.tasks.push(task);
      return send(res, 201, { id: task.id, properties, createdAt: now, updatedAt: now, archived: false });
    }
    return send(res, 404, { status: 'error', message: 'Not Found' });
  }

  /** `POST /crm/v3/objects/deals`: `dealname` and `dealstage` required, associations (type 3) to existing contacts. */
  function createDeal(res: ServerResponse, json: unknown, now: string) {
    const input = json as { properties?: unknown; associations?: unknown } | undefined;
    const properties = input?.properties as Record<string, unknown> | undefined;
    if (!properties || typeof properties !== 'object') return validationError(res, 'properties is required');
    for (const [name, value] of Object.entries(properties)) {
      if (!PROPERTY_NAME.test(name) || typeof value !== 'string') return validationError(res, `property ${name} must be a string`);
    }
    if (!properties.dealname || !properties.dealstage) return validationError(res, 'dealname and dealstage are required');
    const contactIds: string[] = [];
    for (const association of (Array.isArray(input?.associations) ? input.associations : []) as Record<string, unknown>[]) {
      const to = String((association.to as { id?: unknown } | undefined)?.id ?? '');
      const types = association.types as { associationCategory?: unknown; associationTypeId?: unknown }[] | undefined;
      if (!types?.some((t) => t.associationCategory === 'HUBSPOT_DEFINED' && t.associationTypeId === DEAL_TO_CONTACT)) {
        return validationError(res, `a deal's association to a contact is HUBSPOT_DEFINED type ${DEAL_TO_CONTACT}`);
      }
      if (!records.has(to)) return validationError(res, `no contact with id ${to}`);
      contactIds.push(to);
    }
    const deal: ReceivedDeal = { id: String(nextId++), properties: { pipeline: 'default', ...(properties as Record<string, string>) }, contactIds, createdAt: now };
    deals.set(deal.id, deal);
    return send(res, 201, { id: deal.id, properties: deal.properties, createdAt: now, updatedAt: now, archived: false });
  }

  /** `GET /crm/v4/objects/deals/{dealId}/associations/contacts`: pages of `limit` (at most 500) from `after`. */
  function dealContacts(res: ServerResponse, dealId: string, query: URLSearchParams) {
    const deal = deals.get(dealId);
    if (!deal) return send(res, 404, { status: 'error', category: 'OBJECT_NOT_FOUND', message: `deal ${dealId} not found` });
    const limit = Math.min(500, Math.max(1, Number(query.get('limit') ?? 500) || 500));
    const start = Number(query.get('after') ?? 0) || 0;
    const page = deal.contactIds.slice(start, start + limit);
    const next = start + limit < deal.contactIds.length ? String(start + limit) : undefined;
    return send(res, 200, {
      results: page.map((id) => ({ toObjectId: Number(id), associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: DEAL_TO_CONTACT, label: null }] })),
      ...(next ? { paging: { next: { after: next, link: `?after=${next}` } } } : {}),
    });
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { status: 'error', message: 'receiver failure' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    handle,
    inbox,
    addDeadLetter: (entry) => deadLetters.push(entry),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { ...(text ? { 'content-type': 'application/json' } : {}), 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

function validationError(res: ServerResponse, message: string) {
  send(res, 400, { status: 'error', category: 'VALIDATION_ERROR', message });
}

function sendHtml(res: ServerResponse, html: string) {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': String(Buffer.byteLength(html)), ...htmlSecurityHeaders() });
  res.end(html);
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(inbox: CrmInbox): string {
  const rows = inbox.contacts
    .map((r) => {
      const p = r.properties;
      const name = [p.firstname, p.lastname].filter(Boolean).join(' ') || '—';
      const notes = [...r.notes.map((n) => n.body), ...r.tasks.map((t) => `${t.subject}\n${t.body}`)]
        .map((text) => `<pre>${escape(text)}</pre>`)
        .join('');
      return `<tr><td>${escape(r.id)}</td><td>${escape(name)}<br><small>${escape(r.email)}</small></td><td>${escape(p.company ?? '')}</td>
<td>${escape(p.lifecyclestage ?? '')}</td><td><strong>${escape(p.nurture_score ?? '')}</strong> <small>fit ${escape(p.nurture_fit_score ?? '')}</small></td>
<td>${escape(r.updatedAt)}</td><td>${notes}</td></tr>`;
    })
    .join('\n');
  const deals = inbox.deals.length
    ? `<h2>Deals</h2><table><thead><tr><th>Deal id</th><th>Name</th><th>Stage</th><th>Contacts</th></tr></thead><tbody>${inbox.deals
        .map((d) => `<tr><td>${escape(d.id)}</td><td>${escape(d.properties.dealname ?? '')}</td><td>${escape(d.properties.dealstage ?? '')}</td><td>${escape(d.contactIds.join(', '))}</td></tr>`)
        .join('\n')}</tbody></table>`
    : '';
  const dead = inbox.deadLetters.length
    ? `<h2>Dead-letter queue</h2><pre>${escape(inbox.deadLetters.map((d) => JSON.stringify(d)).join('\n'))}</pre>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="refresh" content="5"><title>Local CRM — sales inbox</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}pre{white-space:pre-wrap;margin:0 0 .5rem;font-size:.85rem}</style></head>
<body><h1>Sales inbox <small>(local HubSpot-compatible CRM)</small></h1>
<p>${inbox.contacts.length} record(s), ${inbox.handOffs.length} hand-off(s). JSON: <code>curl -H 'accept: application/json' …/dev/crm</code></p>
<table><thead><tr><th>CRM id</th><th>Contact</th><th>Company</th><th>Lifecycle stage</th><th>Score</th><th>Updated</th><th>Notes</th></tr></thead>
<tbody>${rows || '<tr><td colspan="7">No hand-offs yet.</td></tr>'}</tbody></table>${deals}${dead}</body></html>`;
}
