import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../functions/shared/logger';

/**
 * The local stand-in for SES's configuration-set event destination and the mailbox simulator: a pass-through
 * proxy in front of aws-ses-v2-local. Every SES request goes through unchanged (the inbox still shows every
 * email); after each accepted `SendEmail` it publishes, per recipient, the event SES would publish to
 * EventBridge, in EventBridge's envelope, to `deliver` (the runtime invokes the registry's `sesEvents` handler):
 *
 * | recipient                                  | event                                   |
 * | ------------------------------------------ | --------------------------------------- |
 * | `bounce@simulator.amazonses.com`           | Bounce, Permanent / General             |
 * | `suppressionlist@simulator.amazonses.com`  | Bounce, Permanent / OnAccountSuppressionList |
 * | `complaint@simulator.amazonses.com`        | Delivery, then Complaint (abuse)        |
 * | anyone else (`success@…`, `ooto@…`, real)  | Delivery                                |
 *
 * Events go out shortly after the send returns, as SES's do, so the sender has recorded `email.sent` first.
 */
export interface SesEventsProxyOptions {
  /** aws-ses-v2-local's URL. */
  readonly sesUrl: string;
  readonly deliver: (event: SesEventBridgeEvent) => Promise<unknown>;
  readonly region: string;
  readonly account: string;
  /** @default 'nurture-local' */
  readonly configurationSet?: string;
  /** The clock events are stamped with (the local runtime's virtual clock). @default the system time */
  readonly now?: () => Date;
  /** Milliseconds between the send and its events. @default 50 */
  readonly delayMs?: number;
  readonly port?: number;
}

export interface SesEventsProxy {
  /** Point `AWS_ENDPOINT_URL_SESV2` here. */
  readonly url: string;
  /** Resolves when every event published so far has been delivered (tests). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export interface SesEventBridgeEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: 'aws.ses';
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Record<string, unknown>;
}

interface SendRequest {
  FromEmailAddress?: string;
  Destination?: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
  EmailTags?: { Name: string; Value: string }[];
  ConfigurationSetName?: string;
}

export async function startSesEventsProxy(options: SesEventsProxyOptions): Promise<SesEventsProxy> {
  const pending = new Set<Promise<unknown>>();
  const publish = (event: SesEventBridgeEvent) => {
    const delivery = new Promise<void>((resolve) => setTimeout(resolve, options.delayMs ?? 50))
      .then(() => options.deliver(event))
      .catch((error: unknown) =>
        createLogger('local-ses-events').error('SES event delivery failed', { eventType: event.detail.eventType, error }),
      )
      .finally(() => pending.delete(delivery));
    pending.add(delivery);
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([name, value]) => typeof value === 'string' && !['host', 'content-length', 'connection'].includes(name)),
      ) as Record<string, string>;
      const upstream = await fetch(`${options.sesUrl}${req.url ?? '/'}`, {
        method: req.method ?? 'GET',
        headers,
        ...(body.length > 0 && req.method !== 'GET' && req.method !== 'HEAD' ? { body } : {}),
      });
      const answer = Buffer.from(await upstream.arrayBuffer());
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      res.end(answer);
      if (req.method === 'POST' && req.url?.startsWith('/v2/email/outbound-emails') && upstream.ok) {
        const request = JSON.parse(body.toString('utf8')) as SendRequest;
        const { MessageId } = JSON.parse(answer.toString('utf8')) as { MessageId: string };
        for (const event of eventsFor(request, MessageId, options)) publish(event);
      }
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `local SES proxy: ${String(error)}` }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    idle: async () => {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    close: async () => {
      await new Promise<void>((done) => server.close(() => done()));
      server.closeAllConnections();
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}

/** The events SES (and its mailbox simulator) would publish for one accepted email, one or two per recipient. */
export function eventsFor(request: SendRequest, messageId: string, options: Pick<SesEventsProxyOptions, 'region' | 'account' | 'configurationSet' | 'now'>): SesEventBridgeEvent[] {
  const configurationSet = request.ConfigurationSetName ?? options.configurationSet ?? 'nurture-local';
  const recipients = [...(request.Destination?.ToAddresses ?? []), ...(request.Destination?.CcAddresses ?? []), ...(request.Destination?.BccAddresses ?? [])];
  const source = /<([^>]+)>/.exec(request.FromEmailAddress ?? '')?.[1] ?? request.FromEmailAddress ?? '';
  const at = options.now?.() ?? new Date();
  const now = at.toISOString();
  const tags: Record<string, string[]> = {
    'ses:configuration-set': [configurationSet],
    'ses:source-ip': ['127.0.0.1'],
    'ses:from-domain': [source.split('@')[1] ?? ''],
    'ses:caller-identity': ['local'],
  };
  for (const tag of request.EmailTags ?? []) tags[tag.Name] = [tag.Value];
  const mail = {
    timestamp: now,
    source,
    sendingAccountId: options.account,
    messageId,
    destination: recipients,
    headersTruncated: false,
    tags,
  };
  const envelope = (detailType: string, detail: Record<string, unknown>): SesEventBridgeEvent => ({
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source: 'aws.ses',
    account: options.account,
    time: now.replace(/\.\d{3}Z$/, 'Z'),
    region: options.region,
    resources: [`arn:aws:ses:${options.region}:${options.account}:configuration-set/${configurationSet}`],
    detail: { ...detail, mail },
  });
  const delivery = (recipient: string) =>
    envelope('Email Delivered', {
      eventType: 'Delivery',
      delivery: { timestamp: now, processingTimeMillis: 50, recipients: [recipient], smtpResponse: '250 2.6.0 Message received', reportingMTA: 'local' },
    });
  const bounce = (recipient: string, bounceSubType: string) =>
    envelope('Email Bounced', {
      eventType: 'Bounce',
      bounce: {
        bounceType: 'Permanent',
        bounceSubType,
        bouncedRecipients: [{ emailAddress: recipient, action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }],
        timestamp: now,
        feedbackId: randomUUID(),
        reportingMTA: 'dns; local',
      },
    });

  return recipients.flatMap((recipient) => {
    // Like SES's mailbox simulator, a label after '+' keeps the behaviour (bounce+anything@ bounces).
    switch (recipient.trim().toLowerCase().replace(/\+[^@]*@simulator\.amazonses\.com$/, '@simulator.amazonses.com')) {
      case 'bounce@simulator.amazonses.com':
        return [bounce(recipient, 'General')];
      case 'suppressionlist@simulator.amazonses.com':
        return [bounce(recipient, 'OnAccountSuppressionList')];
      case 'complaint@simulator.amazonses.com':
        return [
          delivery(recipient),
          envelope('Email Complaint Received', {
            eventType: 'Complaint',
            complaint: {
              complainedRecipients: [{ emailAddress: recipient }],
              timestamp: now,
              feedbackId: randomUUID(),
              userAgent: 'Amazon SES Mailbox Simulator',
              complaintFeedbackType: 'abuse',
              arrivalDate: now,
            },
          }),
        ];
      default:
        return [delivery(recipient)];
    }
  });
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
