import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { countParts } from '../functions/sms/domain/message-parts';
import { createLogger } from '../functions/shared/logger';
import { htmlSecurityHeaders } from '../functions/shared/security-headers';

/**
 * The local stand-in for AWS End User Messaging SMS: an HTTP server speaking the awsJson1_0 protocol the real SDK
 * client (`@aws-sdk/client-pinpoint-sms-voice-v2`) uses, reached through `AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2`.
 *
 * - `SendTextMessage` stores the message and, shortly after, publishes the delivery event End User Messaging sends
 *   to EventBridge (`aws.sms-voice`, `Text Message Delivery Status Updated`) to `deliver`;
 * - `PutOptedOutNumber`, `DeleteOptedOutNumber`, `DescribeOptedOutNumbers` keep the opt-out lists;
 * - `GET /store` lists every message (both ways) and opted-out number as JSON.
 *
 * Its phone page (`/dev/sms` on the gateway, {@link SmsSink.handle}) shows the messages grouped by number, as a phone
 * would, with a reply box per number: a reply reaches `inbound` as two-way SMS delivers it, an SNS notification
 * whose Message is End User Messaging's inbound JSON.
 */
export interface SmsSinkOptions {
  /** @default 8015; 0 picks a free port */
  readonly port?: number;
  readonly region: string;
  readonly account: string;
  /** The delivery events, in EventBridge's envelope (the runtime invokes the registry's handler of `aws.sms-voice`). */
  readonly deliver: (event: SmsEventBridgeEvent) => Promise<unknown>;
  /** An inbound message, as the SNS topic of two-way SMS invokes its subscriber (the runtime's inbound handler). */
  readonly inbound: (event: SnsEvent) => Promise<unknown>;
  /** The clock messages and events are stamped with. @default the system time */
  readonly now?: () => Date;
  /** Milliseconds between a send and its delivery event. @default 50 */
  readonly delayMs?: number;
}

/** One message through the sink: `outbound` from us to a phone, `inbound` from a phone to us. */
export interface SinkMessage {
  readonly direction: 'outbound' | 'inbound';
  readonly messageId: string;
  /** Our number (origination identity) for outbound, the phone's for inbound. */
  readonly from: string;
  readonly to: string;
  readonly body: string;
  readonly at: string;
  readonly messageType?: string;
  readonly configurationSet?: string;
  readonly context?: Readonly<Record<string, string>>;
  readonly parts: number;
  readonly encoding: string;
}

export interface SmsEventBridgeEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': 'Text Message Delivery Status Updated';
  readonly source: 'aws.sms-voice';
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Record<string, unknown>;
}

export interface SnsEvent {
  readonly Records: readonly {
    readonly EventSource: 'aws:sns';
    readonly EventVersion: '1.0';
    readonly EventSubscriptionArn: string;
    readonly Sns: { readonly Type: 'Notification'; readonly MessageId: string; readonly TopicArn: string; readonly Message: string; readonly Timestamp: string };
  }[];
}

export interface SmsSink {
  /** Point `AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2` here. */
  readonly url: string;
  /** The number local texts are sent from when the sender names an origination identity that is not a number. */
  readonly localNumber: string;
  messages(): readonly SinkMessage[];
  optedOut(list: string): readonly string[];
  /** The gateway's `/dev/sms` page and its reply form. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Delivers a reply from `from` to `to`, as two-way SMS would (what the page's form does). */
  reply(from: string, to: string, body: string): Promise<SinkMessage>;
  /** Resolves when every delivery event published so far has been delivered. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** The local origination number (a fictional NANP number: 555-01xx is reserved for fiction). */
export const LOCAL_SMS_NUMBER = '+12025550100';
const log = createLogger('local-sms');

export async function startSmsSink(options: SmsSinkOptions): Promise<SmsSink> {
  const now = options.now ?? (() => new Date());
  const stored: SinkMessage[] = [];
  const lists = new Map<string, Map<string, string>>();
  const pending = new Set<Promise<unknown>>();
  const topicArn = `arn:aws:sns:${options.region}:${options.account}:nurture-local-sms-inbound`;

  const publish = (event: SmsEventBridgeEvent) => {
    const delivery = new Promise<void>((resolve) => setTimeout(resolve, options.delayMs ?? 50))
      .then(() => options.deliver(event))
      .catch((error: unknown) => log.error('SMS delivery event failed', { error }))
      .finally(() => pending.delete(delivery));
    pending.add(delivery);
  };

  const listOf = (name: string) => {
    let list = lists.get(name);
    if (!list) lists.set(name, (list = new Map()));
    return list;
  };
  const listArn = (name: string) => `arn:aws:sms-voice:${options.region}:${options.account}:opt-out-list/${name}`;

  type Answer = { status: number; body: Record<string, unknown> };
  const notFound = (id: string): Answer => ({
    status: 400,
    body: { __type: 'ResourceNotFoundException', Message: 'Resource not found', ResourceType: 'opted-out-number', ResourceId: id },
  });
  const invalid = (message: string): Answer => ({ status: 400, body: { __type: 'ValidationException', Message: message, Reason: 'INVALID_PARAMETER' } });

  const operations: Record<string, (input: Record<string, unknown>) => Answer> = {
    SendTextMessage: (input) => {
      const to = String(input.DestinationPhoneNumber ?? '');
      const body = String(input.MessageBody ?? '');
      if (!/^\+[1-9]\d{6,14}$/.test(to)) return invalid('DestinationPhoneNumber must be E.164');
      if (body.length === 0) return invalid('MessageBody is required');
      const identity = String(input.OriginationIdentity ?? '');
      const from = /^\+\d+$/.test(identity) ? identity : LOCAL_SMS_NUMBER;
      const parts = countParts(body);
      const message: SinkMessage = {
        direction: 'outbound',
        messageId: randomUUID(),
        from,
        to,
        body,
        at: now().toISOString(),
        ...(typeof input.MessageType === 'string' ? { messageType: input.MessageType } : {}),
        ...(typeof input.ConfigurationSetName === 'string' ? { configurationSet: input.ConfigurationSetName } : {}),
        ...(input.Context && typeof input.Context === 'object' ? { context: input.Context as Record<string, string> } : {}),
        parts: parts.parts,
        encoding: parts.encoding,
      };
      stored.push(message);
      publish(deliveryEvent(message, options, now()));
      return { status: 200, body: { MessageId: message.messageId } };
    },
    PutOptedOutNumber: (input) => {
      const name = String(input.OptOutListName ?? '');
      const number = String(input.OptedOutNumber ?? '');
      if (!/^\+[1-9]\d{6,14}$/.test(number)) return invalid('OptedOutNumber must be E.164');
      const at = now().toISOString();
      listOf(name).set(number, at);
      return { status: 200, body: { OptOutListArn: listArn(name), OptOutListName: name, OptedOutNumber: number, OptedOutTimestamp: Date.parse(at) / 1000, EndUserOptedOut: false } };
    },
    DeleteOptedOutNumber: (input) => {
      const name = String(input.OptOutListName ?? '');
      const number = String(input.OptedOutNumber ?? '');
      const at = listOf(name).get(number);
      if (at === undefined) return notFound(number);
      listOf(name).delete(number);
      return { status: 200, body: { OptOutListArn: listArn(name), OptOutListName: name, OptedOutNumber: number, OptedOutTimestamp: Date.parse(at) / 1000, EndUserOptedOut: false } };
    },
    DescribeOptedOutNumbers: (input) => {
      const name = String(input.OptOutListName ?? '');
      const wanted = Array.isArray(input.OptedOutNumbers) ? input.OptedOutNumbers.map(String) : undefined;
      const entries = [...listOf(name).entries()].filter(([number]) => !wanted || wanted.includes(number));
      return {
        status: 200,
        body: {
          OptOutListArn: listArn(name),
          OptOutListName: name,
          OptedOutNumbers: entries.map(([number, at]) => ({ OptedOutNumber: number, OptedOutTimestamp: Date.parse(at) / 1000, EndUserOptedOut: false })),
        },
      };
    },
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://sms.local');
      const body = (await readBody(req)).toString('utf8');
      if (req.method === 'GET' && url.pathname === '/store') return json(res, 200, { messages: stored, optedOut: Object.fromEntries([...lists].map(([name, list]) => [name, [...list.keys()]])) });
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.startsWith('PinpointSMSVoiceV2.') ? operations[target.slice('PinpointSMSVoiceV2.'.length)] : undefined;
      if (req.method !== 'POST' || !operation) return json(res, 400, { __type: 'UnknownOperationException', Message: `unsupported operation ${target || '(none)'}` });
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(body || '{}') as Record<string, unknown>;
      } catch {
        return json(res, 400, { __type: 'SerializationException', Message: 'the body is not JSON' });
      }
      const answer = operation(input);
      const type: Record<string, string> = answer.status === 200 ? {} : { 'x-amzn-errortype': String(answer.body.__type) };
      return json(res, answer.status, answer.body, { 'content-type': 'application/x-amz-json-1.0', ...type });
    })().catch((error: unknown) => {
      log.error('SMS sink failure', { error });
      if (!res.headersSent) json(res, 500, { __type: 'InternalServerException', Message: 'sink failure' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8015, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const reply = async (from: string, to: string, body: string): Promise<SinkMessage> => {
    const message: SinkMessage = { direction: 'inbound', messageId: randomUUID(), from, to, body, at: now().toISOString(), ...partsOf(body) };
    stored.push(message);
    const previous = [...stored].reverse().find((m) => m.direction === 'outbound' && m.to === from && m.from === to);
    const notification = {
      originationNumber: from,
      destinationNumber: to,
      messageKeyword: keywordOf(body),
      messageBody: body,
      inboundMessageId: message.messageId,
      previousPublishedMessageId: previous?.messageId ?? '',
    };
    await options.inbound({
      Records: [
        {
          EventSource: 'aws:sns',
          EventVersion: '1.0',
          EventSubscriptionArn: `${topicArn}:${randomUUID()}`,
          Sns: { Type: 'Notification', MessageId: randomUUID(), TopicArn: topicArn, Message: JSON.stringify(notification), Timestamp: message.at },
        },
      ],
    });
    return message;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestUrl = new URL(req.url ?? '/', 'http://gateway.local');
    if (req.method === 'POST') {
      const form = new URLSearchParams((await readBody(req)).toString('utf8'));
      const from = form.get('from') ?? '';
      const to = form.get('to') ?? LOCAL_SMS_NUMBER;
      const text = (form.get('body') ?? '').trim();
      if (!/^\+[1-9]\d{6,14}$/.test(from) || !/^\+[1-9]\d{6,14}$/.test(to)) return html(res, 400, page(stored, 'Both numbers must be E.164 (+14155550123).'));
      if (text.length === 0 || text.length > 1_600) return html(res, 400, page(stored, 'A reply is 1 to 1,600 characters.'));
      await reply(from, to, text);
      res.writeHead(303, { location: `/dev/sms#${encodeURIComponent(from)}`, 'content-length': '0' });
      return void res.end();
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { message: 'Method Not Allowed' });
    if ((req.headers.accept ?? '').includes('application/json') || requestUrl.searchParams.has('json')) return json(res, 200, { messages: stored });
    return html(res, 200, page(stored));
  };

  return {
    url,
    localNumber: LOCAL_SMS_NUMBER,
    messages: () => [...stored],
    optedOut: (list) => [...listOf(list).keys()],
    handle,
    reply,
    idle: async () => {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The delivery event End User Messaging publishes to EventBridge for a delivered text (its shape, with our Context). */
function deliveryEvent(message: SinkMessage, options: SmsSinkOptions, at: Date): SmsEventBridgeEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Text Message Delivery Status Updated',
    source: 'aws.sms-voice',
    account: options.account,
    time: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: options.region,
    resources: [],
    detail: {
      eventType: 'TEXT_DELIVERED',
      eventVersion: '1.0',
      eventTimestamp: at.getTime(),
      isFinal: true,
      originationPhoneNumber: message.from,
      destinationPhoneNumber: message.to,
      isInternationalSend: false,
      messageId: message.messageId,
      messageRequestTimestamp: Date.parse(message.at),
      messageEncoding: message.encoding === 'GSM-7' ? 'GSM' : 'UCS2',
      messageType: message.messageType ?? 'PROMOTIONAL',
      messageStatus: 'DELIVERED',
      messageStatusDescription: 'Message has been delivered to the handset (local sink)',
      context: message.context ?? {},
      totalMessageParts: message.parts,
      totalMessagePrice: 0,
      totalCarrierFee: 0,
    },
  };
}

function partsOf(body: string): { parts: number; encoding: string } {
  const counted = countParts(body);
  return { parts: counted.parts, encoding: counted.encoding };
}

/** The keyword two-way SMS reports: the message's first word, upper-cased, as End User Messaging matches keywords. */
function keywordOf(body: string): string {
  return (body.trim().split(/\s+/)[0] ?? '').toUpperCase();
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

function html(res: ServerResponse, status: number, text: string) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), ...htmlSecurityHeaders() });
  res.end(text);
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The phone page: one conversation per number, oldest first, with a reply form each (no script at all). */
function page(messages: readonly SinkMessage[], problem?: string): string {
  const byPhone = new Map<string, SinkMessage[]>();
  for (const message of messages) {
    const phone = message.direction === 'outbound' ? message.to : message.from;
    byPhone.set(phone, [...(byPhone.get(phone) ?? []), message]);
  }
  const conversations = [...byPhone]
    .map(([phone, thread]) => {
      const ours = thread.find((m) => m.direction === 'outbound')?.from ?? thread[0]?.to ?? LOCAL_SMS_NUMBER;
      const bubbles = thread
        .map((m) => `<li class="${m.direction}"><p>${escape(m.body)}</p><small>${escape(m.at)}${m.direction === 'outbound' ? ` · ${m.parts} part(s), ${escape(m.encoding)}` : ''}</small></li>`)
        .join('');
      return `<section id="${escape(phone)}" aria-label="Conversation with ${escape(phone)}"><h2>${escape(phone)}</h2><ol>${bubbles}</ol>
<form method="post" action="/dev/sms"><input type="hidden" name="from" value="${escape(phone)}"><input type="hidden" name="to" value="${escape(ours)}">
<label>Reply as ${escape(phone)} <input name="body" required maxlength="1600" autocomplete="off"></label> <button type="submit">Send reply</button></form></section>`;
    })
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Local SMS</title>
<style>body{font-family:system-ui,sans-serif;max-width:42rem;margin:1rem auto;padding:0 1rem}section{border:1px solid #ccc;border-radius:1rem;padding:.5rem 1rem;margin:1rem 0}
ol{list-style:none;padding:0}li{max-width:80%;margin:.4rem 0;padding:.4rem .7rem;border-radius:1rem}li p{margin:0;white-space:pre-wrap}
li.outbound{background:#e9e9eb}li.inbound{background:#0b62d6;color:#fff;margin-left:auto}li small{opacity:.75}.problem{color:#a00}</style></head>
<body><h1>Local SMS</h1><p>Every text the system sends, by phone number, as the phone shows it. A reply is delivered as End User Messaging's two-way SMS delivers it (STOP, START, HELP…).</p>
${problem ? `<p class="problem" role="alert">${escape(problem)}</p>` : ''}${conversations || '<p>No texts yet.</p>'}</body></html>`;
}
