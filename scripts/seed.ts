import { pathToFileURL } from 'node:url';
import { signedHeaders } from '../functions/crm/signatures';

/**
 * `npm run seed -- [--contacts 200] [--url http://127.0.0.1:3000] [--token <admin token>]`: a synthetic history
 * through the real ingestion path of a running local runtime (`npm start`): form posts with a mix of campaigns,
 * tracking events (pricing page views, demo bookings, orders), sales' answers from the CRM (accepted, rejected,
 * opportunity, signed as a CRM posts them), and engagement with the emails the journeys send
 * (opening the tracking pixel and following tracked links found in the local SES inbox, some as a link scanner).
 * The reactor turns them into scores, stages and report counters, so the reports and the dashboard show real data.
 *
 * Everything happens at the runtime's clock (now): the local runtime has no virtual clock yet, so there is no
 * `--days` history (see README "Reports").
 */
export interface SeedOptions {
  readonly url: string;
  readonly sesUrl?: string;
  readonly contacts: number;
  readonly writeKey?: string;
  /** The secret `POST /webhooks/crm/generic` checks (`CRM_FEEDBACK_SECRET`). @default 'local-crm-feedback-secret' */
  readonly crmFeedbackSecret?: string;
  readonly log?: (line: string) => void;
}

const CAMPAIGNS = [
  { utm_source: 'google', utm_medium: 'cpc', utm_campaign: 'q4-search' },
  { utm_source: 'linkedin', utm_medium: 'social', utm_campaign: 'webinar' },
  { utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'black-friday' },
  {},
] as const;
const SIZES = ['1-10', '11-50', '51-200', '201-1000', '1000+'] as const;

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

let messages = 0;
const messageId = () => `seed-${process.pid}-${Date.now()}-${messages++}`;

export async function seed(options: SeedOptions): Promise<{ contacts: number; tracked: number; feedback: number; opened: number; clicked: number }> {
  const log = options.log ?? (() => {});
  const next = random(42);
  const run = Date.now().toString(36);
  const writeKey = { authorization: `Basic ${Buffer.from(`${options.writeKey ?? 'local-write-key'}:`).toString('base64')}`, 'content-type': 'application/json' };
  let tracked = 0;
  let feedback = 0;
  const emails: string[] = [];
  /** Sales' answer, as a CRM would post it (signed, our generic format). */
  const answer = async (email: string, outcome: string) => {
    const body = JSON.stringify({ email, outcome, id: `seed-${email}-${outcome}` });
    const headers = { 'content-type': 'application/json', ...signedHeaders(options.crmFeedbackSecret ?? 'local-crm-feedback-secret', body, Date.now()) };
    const response = await send(`${options.url}/webhooks/crm/generic`, { method: 'POST', headers, body });
    if (response.ok) feedback++;
  };
  for (let i = 0; i < options.contacts; i++) {
    const email = `seed-${run}-${i}@example.com`;
    const formId = next() < 0.6 ? 'demo-request' : 'newsletter';
    const campaign = CAMPAIGNS[Math.floor(next() * CAMPAIGNS.length)]!;
    const fields: Record<string, string> = {
      email,
      ...campaign,
      ...(formId === 'demo-request'
        ? { first_name: `Seed${i}`, company: `Company ${i % 37}`, company_size: SIZES[Math.floor(next() * SIZES.length)]!, budget: String(Math.floor(next() * 20) * 1_000) }
        : { newsletter_consent: 'true' }),
      ...(formId === 'demo-request' && next() < 0.7 ? { marketing_consent: 'true' } : {}),
    };
    const posted = await send(`${options.url}/forms/${formId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', origin: options.url },
      body: JSON.stringify(fields),
    });
    if (!posted.ok) throw new Error(`form post ${formId} answered ${posted.status}: ${await posted.text()}`);
    emails.push(email);
    const { contactId } = (await posted.json().catch(() => ({}))) as { contactId?: string };
    if (!contactId) continue;
    const track = async (event: string, properties: Record<string, unknown> = {}) => {
      const response = await send(`${options.url}/v1/track`, { method: 'POST', headers: writeKey, body: JSON.stringify({ userId: contactId, event, properties, messageId: messageId() }) });
      if (response.ok) tracked++;
    };
    const engagement = next();
    if (engagement < 0.5) {
      await send(`${options.url}/v1/page`, { method: 'POST', headers: writeKey, body: JSON.stringify({ userId: contactId, messageId: messageId(), name: 'pricing', properties: { url: 'https://example.com/pricing', path: '/pricing' } }) });
      tracked++;
    }
    if (engagement < 0.25) await track('demo_booked');
    if (engagement < 0.25) await answer(email, engagement < 0.2 ? 'accepted' : 'rejected');
    if (engagement < 0.12) await answer(email, 'opportunity');
    if (engagement < 0.08) await track('order_completed', { value: 990 });
    if (i % 50 === 49) log(`  ${i + 1} contacts posted`);
  }
  const engaged = await engageWithEmails(options, emails, next);
  return { contacts: emails.length, tracked, feedback, ...engaged };
}

/** Opens (pixel) and clicks (tracked links) for some of the emails the journeys sent, as people and as scanners. */
async function engageWithEmails(options: SeedOptions, recipients: readonly string[], next: () => number): Promise<{ opened: number; clicked: number }> {
  if (!options.sesUrl) return { opened: 0, clicked: 0 };
  const wanted = new Set(recipients);
  let opened = 0;
  let clicked = 0;
  // Journeys send their first email within seconds; wait for the inbox to fill a little.
  let inbox: { html: string; to: string }[] = [];
  for (let attempt = 0; attempt < 30; attempt++) {
    const store = (await (await send(`${options.sesUrl}/store`)).json()) as { emails: { body: { html?: string }; destination: { to: string[] } }[] };
    inbox = store.emails.filter((m) => m.destination.to.some((to) => wanted.has(to))).map((m) => ({ html: m.body.html ?? '', to: m.destination.to[0]! }));
    if (inbox.length >= recipients.length / 2) break;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  const human = { 'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15' };
  for (const message of inbox) {
    const pixels = [...message.html.matchAll(/["'](https?:\/\/[^"']*\/t\/o\/[^"']+)["']/g)].map((m) => m[1]!);
    const links = [...message.html.matchAll(/["'](https?:\/\/[^"']*\/t\/c\/[^"']+)["']/g)].map((m) => m[1]!);
    const roll = next();
    if (roll < 0.45 && pixels[0]) {
      await send(pixels[0].replaceAll('&amp;', '&'), { headers: human, redirect: 'manual' });
      opened++;
      if (roll < 0.15 && links[0]) {
        await send(links[0].replaceAll('&amp;', '&'), { headers: human, redirect: 'manual' });
        clicked++;
      }
    }
  }
  return { opened, clicked };
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
  const started = Date.now();
  const result = await seed({ url, sesUrl, contacts, log: console.log });
  console.log(
    `Seeded ${result.contacts} contacts, ${result.tracked} tracking events, ${result.feedback} CRM answers, ${result.opened} opens and ${result.clicked} clicks in ${((Date.now() - started) / 1000).toFixed(1)} s through ${url}.\nThe reactor turns them into counters within seconds: npm run reports -- funnel, or open ${url}/dashboard`,
  );
}
