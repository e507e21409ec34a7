import { pathToFileURL } from 'node:url';
import { signedHeaders } from '../functions/crm/signatures';

/**
 * `npm run seed -- [--contacts 200] [--days 30] [--concurrency 8] [--url http://127.0.0.1:3000]`: a synthetic
 * history of `--days` days up to today, posted through the real ingestion path of a running local runtime
 * (`npm start`). The seed moves the runtime's virtual clock (`POST /dev/clock`) to each day in turn and posts
 * that day's form posts (a mix of campaigns), tracking events (pricing page views, demo bookings, orders, stamped
 * with that day's time), sales' answers from the CRM (accepted, rejected, opportunity, signed as a CRM posts them),
 * a few leads whose address is SES's bounce or complaint simulator, and engagement with the emails the journeys
 * sent the day before (the tracking pixel and tracked links found in the local SES inbox). It waits for the reactor
 * to settle (`GET /dev/idle`) before the next day, and puts the clock back to real time at the end.
 * The reactor turns everything into scores, stages and report counters, dated by the events' own times.
 */
export interface SeedOptions {
  readonly url: string;
  readonly sesUrl?: string;
  readonly contacts: number;
  /** How many days of history, ending today. @default 30 */
  readonly days?: number;
  /** Requests in flight at once. @default 8 */
  readonly concurrency?: number;
  readonly writeKey?: string;
  /** The secret `POST /webhooks/crm/generic` checks (`CRM_FEEDBACK_SECRET`). @default 'local-crm-feedback-secret' */
  readonly crmFeedbackSecret?: string;
  readonly log?: (line: string) => void;
}

export interface SeedResult {
  readonly contacts: number;
  readonly days: number;
  readonly tracked: number;
  readonly feedback: number;
  readonly opened: number;
  readonly clicked: number;
  /** Leads at the SES mailbox simulator's bounce and complaint addresses. */
  readonly bounced: number;
  readonly complained: number;
}

const CAMPAIGNS = [
  { utm_source: 'google', utm_medium: 'cpc', utm_campaign: 'q4-search' },
  { utm_source: 'linkedin', utm_medium: 'social', utm_campaign: 'webinar' },
  { utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'black-friday' },
  {},
] as const;
const SIZES = ['1-10', '11-50', '51-200', '201-1000', '1000+'] as const;
const DAY_MS = 86_400_000;
const HUMAN = { 'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15' };

/** A deterministic pseudo-random sequence, so two seeds of the same size tell the same story. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => ((state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32);
}

/**
 * fetch, tried once more when the connection drops (a keep-alive socket the gateway closed as it was reused).
 * Tracking calls carry a messageId, so a retried one is deduplicated rather than counted twice.
 */
async function send(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch {
    await new Promise((resolve) => setTimeout(resolve, 100));
    return fetch(url, init);
  }
}

/** Runs `work` over `items`, at most `limit` at a time. */
async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

/** How many of `total` contacts arrive on each of `days` days: a growing trend, quieter weekends, some noise. */
export function contactsPerDay(total: number, days: number, firstDay: Date, next: () => number): number[] {
  const weights = Array.from({ length: days }, (_, d) => {
    const weekday = new Date(firstDay.getTime() + d * DAY_MS).getUTCDay();
    return (1 + (0.6 * d) / days) * (weekday === 0 || weekday === 6 ? 0.4 : 1) * (0.7 + 0.6 * next());
  });
  const sum = weights.reduce((a, b) => a + b, 0);
  let assigned = 0;
  let cumulative = 0;
  return weights.map((weight) => {
    cumulative += weight;
    const upTo = Math.round((cumulative / sum) * total);
    const today = upTo - assigned;
    assigned = upTo;
    return today;
  });
}

interface Lead {
  readonly email: string;
  readonly formId: 'demo-request' | 'newsletter';
  readonly fields: Record<string, string>;
  /** Below 0.5 the lead views pricing, below 0.25 books a demo and hears from sales, below 0.08 buys. */
  readonly engagement: number;
  readonly simulator?: 'bounce' | 'complaint';
}

/** The i-th lead, drawn in order before anything is posted, so concurrency does not change the story. */
function leadOf(i: number, run: string, next: () => number): Lead {
  // SES's mailbox simulator answers any label: every such lead is a contact of its own.
  const simulator = i % 50 === 17 ? 'bounce' : i % 97 === 41 ? 'complaint' : undefined;
  const email = simulator ? `${simulator}+seed-${run}-${i}@simulator.amazonses.com` : `seed-${run}-${i}@example.com`;
  const formId = simulator || next() < 0.6 ? 'demo-request' : 'newsletter';
  const campaign = CAMPAIGNS[Math.floor(next() * CAMPAIGNS.length)]!;
  const fields: Record<string, string> = {
    email,
    ...campaign,
    ...(formId === 'demo-request'
      ? { first_name: `Seed${i}`, company: `Company ${i % 37}`, company_size: SIZES[Math.floor(next() * SIZES.length)]!, budget: String(Math.floor(next() * 20) * 1_000) }
      : { newsletter_consent: 'true' }),
    ...(formId === 'demo-request' && (simulator || next() < 0.7) ? { marketing_consent: 'true' } : {}),
  };
  return { email, formId, fields, engagement: simulator ? 1 : next(), ...(simulator ? { simulator } : {}) };
}

export async function seed(options: SeedOptions): Promise<SeedResult> {
  const log = options.log ?? (() => {});
  const next = random(42);
  const run = Date.now().toString(36);
  const days = Math.max(1, Math.floor(options.days ?? 30));
  const concurrency = options.concurrency ?? 8;
  const writeKey = { authorization: `Basic ${Buffer.from(`${options.writeKey ?? 'local-write-key'}:`).toString('base64')}`, 'content-type': 'application/json' };
  const secret = options.crmFeedbackSecret ?? 'local-crm-feedback-secret';
  const counts = { tracked: 0, feedback: 0, opened: 0, clicked: 0, bounced: 0, complained: 0 };
  const seeded = new Set<string>();
  let messages = 0;
  const messageId = () => `seed-${run}-${messages++}`;

  // The runtime's clock: `virtualNow()` is where it is now, as the handlers see it.
  let clockBase = Date.now();
  let clockSetAt = Date.now();
  const virtualNow = () => clockBase + (Date.now() - clockSetAt);
  const setClock = async (body: { at: string } | { reset: true }) => {
    const response = await send(`${options.url}/dev/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`POST /dev/clock answered ${response.status}: the seed needs the local runtime (npm start)`);
    clockSetAt = Date.now();
    clockBase = Date.parse(((await response.json()) as { now: string }).now);
  };
  const settle = async () => {
    const response = await send(`${options.url}/dev/idle`);
    if (!response.ok) throw new Error(`the reactor did not settle (GET /dev/idle answered ${response.status})`);
  };

  /** Sales' answer, as a CRM would post it: signed at the runtime's (virtual) time, or the signature is stale. */
  const answer = async (email: string, outcome: string) => {
    const body = JSON.stringify({ email, outcome, id: `seed-${email}-${outcome}` });
    const headers = { 'content-type': 'application/json', ...signedHeaders(secret, body, virtualNow()) };
    const response = await send(`${options.url}/webhooks/crm/generic`, { method: 'POST', headers, body });
    if (response.ok) counts.feedback++;
  };
  const track = async (path: 'track' | 'page', contactId: string, message: Record<string, unknown>) => {
    const at = new Date(virtualNow()).toISOString();
    const response = await send(`${options.url}/v1/${path}`, {
      method: 'POST',
      headers: writeKey,
      body: JSON.stringify({ userId: contactId, messageId: messageId(), timestamp: at, sentAt: at, ...message }),
    });
    if (response.ok) counts.tracked++;
  };

  const post = async (lead: Lead) => {
    const posted = await send(`${options.url}/forms/${lead.formId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', origin: options.url },
      body: JSON.stringify(lead.fields),
    });
    if (!posted.ok) throw new Error(`form post ${lead.formId} answered ${posted.status}: ${await posted.text()}`);
    seeded.add(lead.email);
    if (lead.simulator === 'bounce') counts.bounced++;
    if (lead.simulator === 'complaint') counts.complained++;
    const { contactId } = (await posted.json().catch(() => ({}))) as { contactId?: string };
    if (!contactId) return;
    const { engagement } = lead;
    if (engagement < 0.5) await track('page', contactId, { name: 'pricing', properties: { url: 'https://example.com/pricing', path: '/pricing' } });
    if (engagement < 0.25) await track('track', contactId, { event: 'demo_booked', properties: {} });
    if (engagement < 0.25) await answer(lead.email, engagement < 0.2 ? 'accepted' : 'rejected');
    if (engagement < 0.12) await answer(lead.email, 'opportunity');
    if (engagement < 0.08) await track('track', contactId, { event: 'order_completed', properties: { value: 990 } });
  };

  // Opens (pixel) and clicks (tracked links) for emails that reached the inbox since the last look.
  const engaged = new Set<string>();
  let inboxSince = Math.floor(Date.now() / 1_000) - 1;
  const engage = async () => {
    if (!options.sesUrl) return;
    const lookedAt = Math.floor(Date.now() / 1_000) - 1;
    const store = (await (await send(`${options.sesUrl}/store?since=${inboxSince}`)).json()) as {
      emails: { messageId: string; body: { html?: string }; destination: { to: string[] } }[];
    };
    inboxSince = lookedAt;
    const fresh = store.emails.filter((m) => !engaged.has(m.messageId) && m.destination.to.some((to) => seeded.has(to) && !to.endsWith('@simulator.amazonses.com')));
    const visits: string[] = [];
    for (const message of fresh) {
      engaged.add(message.messageId);
      const html = message.body.html ?? '';
      const pixel = /["'](https?:\/\/[^"']*\/t\/o\/[^"']+)["']/.exec(html)?.[1];
      const link = /["'](https?:\/\/[^"']*\/t\/c\/[^"']+)["']/.exec(html)?.[1];
      const roll = next();
      if (roll < 0.45 && pixel) {
        visits.push(pixel.replaceAll('&amp;', '&'));
        counts.opened++;
        if (roll < 0.15 && link) {
          visits.push(link.replaceAll('&amp;', '&'));
          counts.clicked++;
        }
      }
    }
    await inParallel(visits, concurrency, async (visit) => void (await send(visit, { headers: HUMAN, redirect: 'manual' })));
  };

  const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
  const firstDay = today - (days - 1) * DAY_MS;
  const perDay = contactsPerDay(options.contacts, days, new Date(firstDay), next);
  let posted = 0;
  try {
    for (let d = 0; d < days; d++) {
      // Mornings, UTC; today's never later than now.
      await setClock({ at: new Date(Math.min(firstDay + d * DAY_MS + 8 * 3_600_000, Date.now() - 60_000)).toISOString() });
      // Yesterday's emails are read today: a click seconds after the send would count as a link scanner's.
      await engage();
      const leads = Array.from({ length: perDay[d]! }, (_, k) => leadOf(posted + k, run, next));
      posted += leads.length;
      await inParallel(leads, concurrency, post);
      await settle();
      if (d % 10 === 9 || d === days - 1) log(`  ${new Date(firstDay + d * DAY_MS).toISOString().slice(0, 10)}: ${posted} contacts posted`);
    }
  } finally {
    await setClock({ reset: true }).catch(() => undefined);
  }
  // Today's emails, read later today (now).
  await engage();
  await settle();
  return { contacts: seeded.size, days, ...counts };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const at = args.indexOf(`--${name}`);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const url = flag('url') ?? `http://127.0.0.1:${process.env.PORT ?? '3000'}`;
  const sesUrl = flag('ses-url') ?? `http://127.0.0.1:${process.env.NURTURE_SES_PORT ?? '8005'}`;
  const contacts = Number(flag('contacts') ?? '200');
  const days = Number(flag('days') ?? '30');
  const concurrency = Number(flag('concurrency') ?? '8');
  const started = Date.now();
  const result = await seed({ url, sesUrl, contacts, days, concurrency, log: console.log });
  console.log(
    `Seeded ${result.contacts} contacts over ${result.days} days: ${result.tracked} tracking events, ${result.feedback} CRM answers, ${result.opened} opens, ${result.clicked} clicks, ${result.bounced} bounces and ${result.complained} complaints (SES simulator) in ${((Date.now() - started) / 1000).toFixed(1)} s through ${url}.\nSee them: npm run reports -- funnel, or open ${url}/console/reports`,
  );
}
