import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Contact } from '../../functions/shared/contact';
import { ReactorEmails } from '../../functions/email/confirmations';
import { doubleOptInRule, UnknownFormTopic } from '../../functions/email/domain/double-opt-in';
import { DynamoEmailStore } from '../../functions/email/dynamo-email-store';
import { emailSettings } from '../../functions/email/email-settings';
import { makePreferences } from '../../functions/email/preferences';
import { makeRemind } from '../../functions/email/remind';
import { makeSendEmailTask } from '../../functions/email/send-email-task';
import { TokenSigner } from '../../functions/email/tokens';
import { FormDefinition } from '../../functions/forms/domain/form-definition';
import type { TimelineEvent } from '../../functions/shared/timeline';
import { compileEmails, contentDir } from '../../lib/email/compile-templates';
import { httpEvent, lambdaContext, memoryLogger } from '../support/http';
import type { TestTable } from '../support/table';
import { PUBLIC_URL, createContact, createEnrolledContact, eventsOf, fixedClock, sendDeps, signingKey, type LocalSes, useTableAndSes } from './support';

const forms = new Map([
  ['newsletter-signup', { subscribe: { topic: 'newsletter', doubleOptIn: true } }],
  ['demo-request', { subscribe: { topic: 'nurture', doubleOptIn: false } }],
  ['contact-us', {}],
]);

const contact = (overrides: Partial<Contact> = {}): Contact => ({
  contactId: '01HCONTACT0000000000000000',
  email: 'ada@example.com',
  attributes: {},
  createdAt: '2026-03-01T00:00:00Z',
  updatedAt: '2026-03-01T00:00:00Z',
  ...overrides,
});
const submitted = (formId: string): TimelineEvent => ({
  eventId: '01HEVENT000000000000000000',
  contactId: '01HCONTACT0000000000000000',
  type: 'form.submitted',
  occurredAt: '2026-03-10T14:00:00Z',
  data: { formId, fields: { email: 'ada@example.com' }, utm: {}, ip: '203.0.113.9' },
});

describe('the double opt-in rule', () => {
  it('asks for a confirmation email when a double opt-in form is submitted, keyed by the submission', () => {
    expect(doubleOptInRule(forms, emailSettings.topics)({ event: submitted('newsletter-signup'), contact: contact() })).toEqual([
      {
        type: 'SendEmail',
        contactId: '01HCONTACT0000000000000000',
        templateId: 'confirm-subscription',
        idempotencyKey: '01HEVENT000000000000000000',
        confirm: { topic: 'newsletter', formId: 'newsletter-signup', ip: '203.0.113.9' },
      },
    ]);
  });

  it('asks nothing of single opt-in forms, forms without a topic, subscribed or suppressed contacts', () => {
    const rule = doubleOptInRule(forms, emailSettings.topics);
    const subscribed = contact({ subscriptions: { newsletter: { status: 'subscribed', at: '2026-03-02T00:00:00Z', source: 'double-opt-in' } } });
    expect(rule({ event: submitted('demo-request'), contact: contact() })).toEqual([]);
    expect(rule({ event: submitted('contact-us'), contact: contact() })).toEqual([]);
    expect(rule({ event: submitted('newsletter-signup'), contact: subscribed })).toEqual([]);
    expect(rule({ event: submitted('newsletter-signup'), contact: contact({ suppressed: { reason: 'bounce', at: '2026-03-02T00:00:00Z' } }) })).toEqual([]);
  });

  it('refuses, when the rules are built (cold start, npm start), a form subscribing to a topic content/email.yaml lacks', () => {
    const typo = new Map([['newsletter-signup', { subscribe: { topic: 'newsleter', doubleOptIn: true } }]]);
    expect(() => doubleOptInRule(typo, emailSettings.topics)).toThrow(UnknownFormTopic);
    expect(() => doubleOptInRule(typo, emailSettings.topics)).toThrow(
      'form "newsletter-signup": subscribe.topic "newsleter" is not one of content/email.yaml\'s topics (newsletter, product, nurture)',
    );
  });

  it('refuses, at build time, a form file subscribing to a topic content/email.yaml lacks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'email-content-'));
    cpSync(contentDir, dir, { recursive: true });
    const file = join(dir, 'forms', 'newsletter.json');
    const form = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...form, subscribe: { topic: 'newsleter', doubleOptIn: true } }));

    await expect(compileEmails(dir)).rejects.toThrow(/subscribe\.topic "newsleter" is not one of content\/email\.yaml's topics/);
  }, 60_000);

  it('is declared on a form file as subscribe: { topic, doubleOptIn }', () => {
    const form = FormDefinition.parse({
      id: 'newsletter-signup',
      name: 'Newsletter',
      fields: [{ name: 'email', type: 'email', label: 'Email', required: true }],
      redirectUrl: '/thanks',
      subscribe: { topic: 'newsletter', doubleOptIn: true },
    });
    expect(form.subscribe).toEqual({ topic: 'newsletter', doubleOptIn: true });
  });
});

describe('double opt-in through the email capability', () => {
  let table: TestTable;
  let ses: LocalSes;
  useTableAndSes((t, s) => {
    table = t;
    ses = s;
  });

  const signer = new TokenSigner([signingKey]);
  const page = () =>
    makePreferences({
      store: new DynamoEmailStore(table.documentClient, table.tableName),
      settings: emailSettings,
      signer: async () => signer,
      clock: fixedClock(),
      logger: memoryLogger(),
    });
  const request = (method: 'GET' | 'POST', token: string, body?: string) =>
    httpEvent({ routeKey: `${method} /u/{token}`, path: `/u/${token}`, pathParameters: { token }, ...(body ? { body } : {}) });
  const welcome = (contactId: string, stepId: string) => ({
    contactId, journeyId: 'welcome', stepId, executionName: `welcome-${contactId}-1`, templateId: 'welcome',
  });
  const confirmation = (contactId: string, key = 'submission-1') => ({
    type: 'SendEmail' as const,
    contactId,
    templateId: 'confirm-subscription',
    idempotencyKey: key,
    confirm: { topic: 'newsletter', formId: 'newsletter-signup', ip: '203.0.113.9' },
  });

  it('keeps the topic pending with its consent record and sends one confirmation email per submission', async () => {
    // Prepare
    const { contactId, email } = await createContact(table);
    const emails = new ReactorEmails(sendDeps(table, ses));

    // Act
    await emails.send(confirmation(contactId));
    await emails.send(confirmation(contactId));

    // Assess
    const profile = await new DynamoEmailStore(table.documentClient, table.tableName).getContact(contactId);
    expect(profile?.subscriptions?.newsletter).toMatchObject({
      status: 'pending', source: 'form', formId: 'newsletter-signup', ip: '203.0.113.9', consentTextVersion: emailSettings.doubleOptIn.consentTextVersion,
    });
    expect(await eventsOf(table, contactId, 'consent.requested')).toHaveLength(1);
    const sent = await ses.emails();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.destination.to).toEqual([email]);
    expect(sent[0]?.subject).toBe('Please confirm your subscription');
    expect(sent[0]?.body.html).toMatch(new RegExp(`href="${PUBLIC_URL}/u/k\\.`));
  });

  it('records consent.requested once when the reactor retries the call minutes later', async () => {
    // Prepare: the first call's writes succeeded, but the reactor's batch failed after it and is redelivered.
    const { contactId } = await createContact(table);
    const clock = fixedClock();
    const emails = new ReactorEmails(sendDeps(table, ses, { clock }));
    await emails.send(confirmation(contactId, '01JSUBMISSION0000000000001'));
    clock.set(new Date(clock.now().getTime() + 5 * 60_000));

    // Act
    await emails.send(confirmation(contactId, '01JSUBMISSION0000000000001'));

    // Assess
    const requested = await eventsOf(table, contactId, 'consent.requested');
    expect(requested).toHaveLength(1);
    expect(requested[0]?.eventId).toBe('01JSUBMISSION0000000000001.consent');
    expect(await ses.emails()).toHaveLength(1);
  });

  it('sends no marketing of the topic until the link is confirmed, then does, with the consent recorded', async () => {
    // Prepare
    const { contactId } = await createEnrolledContact(table, {}, 'welcome');
    await new ReactorEmails(sendDeps(table, ses)).send(confirmation(contactId));
    const token = new RegExp(`${PUBLIC_URL}/u/(k\\.[^"]+)"`).exec((await ses.emails())[0]?.body.html ?? '')?.[1] ?? '';
    const task = makeSendEmailTask(sendDeps(table, ses));

    // Act
    const before = await task(welcome(contactId, 'w1'));
    const shown = await page()(request('GET', token), lambdaContext());
    const afterGet = await task(welcome(contactId, 'w2'));
    const confirmed = await page()(request('POST', token, 'action=confirm'), lambdaContext());
    const after = await task(welcome(contactId, 'w3'));

    // Assess
    expect(before).toEqual({ outcome: 'skipped', reason: 'unconfirmed' });
    expect(shown.body).toContain('Yes, subscribe me');
    expect(afterGet).toEqual({ outcome: 'skipped', reason: 'unconfirmed' });
    expect(confirmed.statusCode).toBe(200);
    expect(after).toMatchObject({ outcome: 'sent' });
    expect((await eventsOf(table, contactId, 'consent.confirmed'))[0]?.data).toMatchObject({ topic: 'newsletter', formId: 'newsletter-signup' });
    expect((await eventsOf(table, contactId, 'email.subscribed'))[0]?.data).toMatchObject({ topic: 'newsletter', source: 'double-opt-in' });
    const profile = await new DynamoEmailStore(table.documentClient, table.tableName).getContact(contactId);
    expect(profile?.subscriptions?.newsletter).toMatchObject({ status: 'subscribed', ip: '203.0.113.9', formId: 'newsletter-signup' });
  });

  describe('the reminder', () => {
    const later = new Date('2026-03-17T15:00:00Z');
    const remind = () => {
      const clock = fixedClock(later);
      return makeRemind({
        store: new DynamoEmailStore(table.documentClient, table.tableName),
        emails: new ReactorEmails(sendDeps(table, ses, { clock })),
        clock,
        logger: memoryLogger(),
      });
    };

    it('goes out once, 7 days after the confirmation email, while the topic is still unconfirmed', async () => {
      // Prepare
      const { contactId, email } = await createContact(table);
      await new ReactorEmails(sendDeps(table, ses)).send(confirmation(contactId, `remind-${contactId}`));
      await ses.clear();

      // Act
      await remind()();
      await remind()();

      // Assess
      const sent = (await ses.emails()).filter((e) => e.destination.to.includes(email));
      expect(sent[0]?.subject).toBe('Did you mean to subscribe?');
      expect(sent).toHaveLength(1);
      expect(sent[0]?.body.html).toMatch(new RegExp(`href="${PUBLIC_URL}/u/k\\.`));
    });

    it('is not sent once the subscription is confirmed', async () => {
      const { contactId, email } = await createContact(table);
      await new ReactorEmails(sendDeps(table, ses)).send(confirmation(contactId, `confirmed-${contactId}`));
      const token = new RegExp(`${PUBLIC_URL}/u/(k\\.[^"]+)"`).exec((await ses.emails())[0]?.body.html ?? '')?.[1] ?? '';
      await page()(request('POST', token, 'action=confirm'), lambdaContext());
      await ses.clear();

      await remind()();

      expect((await ses.emails()).filter((e) => e.destination.to.includes(email))).toHaveLength(0);
    });
  });
});
