import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { attributeFields, emailTopics } from '../../functions/contacts/attribute-fields';
import type { DynamoContacts } from '../../functions/contacts/dynamo-contacts';
import type { DynamoContactUpserts } from '../../functions/contacts/dynamo-upsert';
import { columnTarget, rowContact } from '../../functions/contacts/domain/import';
import { directWriter, runImport } from '../../functions/contacts/import';
import { openImportSource } from '../../functions/contacts/import-source';
import { disposableDomains } from '../../functions/forms/disposable-domains';
import { EndpointResponse, INACTIVE_SOURCE, OPT_OUT_SOURCE, endpointRows, type ReadEndpoint } from '../../scripts/pinpoint/endpoints';
import { ENDPOINT_IMPORT_SETTINGS, endpointNdjson } from '../../scripts/pinpoint/run';
import { contactsOnTestTable } from '../support/contacts';

/**
 * Pinpoint endpoints as contacts: the pure grouping (by user, email → email, SMS → phone, opt-outs), then the rows
 * through the real contacts import into DynamoDB Local, where an opted-out address must stay unsubscribed.
 */

const rules = { fields: attributeFields(), topics: emailTopics, isDisposable: disposableDomains() };
let contacts: DynamoContacts;
let upserts: DynamoContactUpserts;

beforeAll(async () => ({ contacts, upserts } = await contactsOnTestTable()));

/** The endpoints of a small export, on a domain of this run only. */
function exportOf(domain: string): ReadEndpoint[] {
  const endpoint = (value: Record<string, unknown>, tags: string[] = []): ReadEndpoint => ({ endpoint: EndpointResponse.parse(value), tags });
  return [
    endpoint({
      Id: 'ada-mail',
      ChannelType: 'EMAIL',
      Address: `ada@${domain}`,
      EndpointStatus: 'ACTIVE',
      OptOut: 'NONE',
      Attributes: { Interests: ['hiking', 'chess'] },
      Metrics: { purchases: 3 },
      Demographic: { Timezone: 'Europe/Paris', Platform: 'iOS' },
      Location: { City: 'Paris', Country: 'FR' },
      User: { UserId: `ada-${domain}`, UserAttributes: { FirstName: ['Ada'] } },
    }),
    endpoint({ Id: 'ada-sms', ChannelType: 'SMS', Address: '+14155550101', EndpointStatus: 'ACTIVE', OptOut: 'NONE', User: { UserId: `ada-${domain}` } }),
    endpoint({ Id: 'grace-mail', ChannelType: 'EMAIL', Address: `grace@${domain}`, EndpointStatus: 'ACTIVE', OptOut: 'ALL', User: { UserId: `grace-${domain}` } }, ['pinpoint-vip-list']),
    endpoint({ Id: 'grace-sms', ChannelType: 'SMS', Address: '+14155550102', EndpointStatus: 'ACTIVE', OptOut: 'ALL', User: { UserId: `grace-${domain}` } }),
    endpoint({ Id: 'linus-mail', ChannelType: 'EMAIL', Address: `linus@${domain}`, EndpointStatus: 'INACTIVE', OptOut: 'NONE' }),
    endpoint({ Id: 'sms-only', ChannelType: 'SMS', Address: '+14155550104', EndpointStatus: 'ACTIVE', OptOut: 'NONE', User: { UserId: `nomail-${domain}` } }),
    endpoint({ Id: 'ada-push', ChannelType: 'APNS', Address: 'token', User: { UserId: `ada-${domain}` } }),
  ];
}

describe('endpoints as contact rows (pure)', () => {
  const { rows, counts, report } = endpointRows(exportOf('rows.example.com'), { source: 'all', topic: 'newsletter' });
  const rowOf = (email: string) => rows.find((row) => row.email === email);

  it('groups endpoints by user: the email endpoint gives the email, the SMS endpoint the phone, attributes flattened', () => {
    expect(rowOf('ada@rows.example.com')).toEqual({
      email: 'ada@rows.example.com',
      externalId: 'ada-rows.example.com',
      phone: '+14155550101',
      consents: [{ topic: 'newsletter', status: 'subscribed', basis: 'import', source: 'pinpoint' }],
      city: 'Paris',
      country: 'FR',
      first_name: 'Ada',
      interests: 'hiking; chess',
      purchases: 3,
      time_zone: 'Europe/Paris',
    });
  });

  it('an opted-out address is unsubscribed from all on its channel, saying it came from Pinpoint; the file tag is kept', () => {
    expect(rowOf('grace@rows.example.com')).toMatchObject({
      email: 'grace@rows.example.com',
      tags: ['pinpoint-vip-list'],
      consents: [
        { topic: 'all', status: 'unsubscribed', basis: 'import', source: OPT_OUT_SOURCE },
        { topic: 'all', status: 'unsubscribed', basis: 'import', source: OPT_OUT_SOURCE, channel: 'sms' },
      ],
    });
  });

  it('an inactive endpoint is not messageable either', () => {
    expect(rowOf('linus@rows.example.com')).toMatchObject({ consents: [{ topic: 'all', status: 'unsubscribed', source: INACTIVE_SOURCE }] });
  });

  it('a user without an email address is not imported, and counted', () => {
    expect(rows).toHaveLength(3);
    expect(counts).toMatchObject({ people: 4, contacts: 3, withoutEmail: 1, emailOptedOut: 1, emailInactive: 1, smsOptedOut: 1, otherChannels: 1, joinedValues: 1 });
    expect(report.entries.find((e) => e.construct === 'people without an EMAIL endpoint')).toMatchObject({ status: 'not_translated', detail: expect.stringContaining('1 not imported') });
  });
});

describe('the contacts import maps phone and consents through --map only', () => {
  const settings = { ...ENDPOINT_IMPORT_SETTINGS, map: { ...ENDPOINT_IMPORT_SETTINGS.map } };
  const plain = { map: {}, basis: 'import' as const, source: 'list.csv', confirmEmails: false };

  it('mapped, they are the contact\'s phone and consent statements', () => {
    const target = (column: string) => columnTarget(column, settings, rules);
    expect(rowContact({ email: 'a@example.com', phone: ' +14155550101 ', consents: [{ topic: 'all', status: 'unsubscribed', basis: 'import', source: 'x' }] }, target, settings)).toEqual({
      type: 'Contact',
      body: { email: 'a@example.com', phone: '+14155550101', consents: [{ topic: 'all', status: 'unsubscribed', basis: 'import', source: 'x' }], emailConfirmed: true },
    });
    expect(rowContact({ email: 'a@example.com', consents: 'yes' }, target, settings)).toMatchObject({ type: 'Rejected', reasons: [expect.stringContaining('consents are a list')] });
  });

  it('unmapped, a "phone" column stays the attribute forms write', () => {
    expect(columnTarget('phone', plain, rules)).toEqual({ kind: 'attribute', name: 'phone' });
  });
});

describe('endpoints through the contacts import (DynamoDB Local)', () => {
  const domain = `${randomUUID().slice(0, 8)}.example.com`;
  const run = () =>
    openImportSource([endpointNdjson(endpointRows(exportOf(domain), { source: 'all', topic: 'newsletter' }).rows)], 'ndjson').then((source) =>
      runImport({
        source,
        settings: { ...ENDPOINT_IMPORT_SETTINGS, map: { ...ENDPOINT_IMPORT_SETTINGS.map } },
        rules,
        writer: directWriter({ upserts, clock: { now: () => new Date() } }, 2),
        batchSize: 2,
        inFlight: 1,
      }),
    );
  const contactOf = async (email: string) => {
    const id = await contacts.findIdByEmail(email);
    return id ? contacts.get(id) : undefined;
  };

  it('imports the contacts; an opted-out email contact is unsubscribed from all, and its phone from all SMS', async () => {
    const report = await run();
    expect(report).toMatchObject({ rows: 3, created: { count: 3 }, rejected: { count: 0 } });
    const grace = await contactOf(`grace@${domain}`);
    expect(grace?.subscriptions?.all).toMatchObject({ status: 'unsubscribed', basis: 'import', source: OPT_OUT_SOURCE });
    expect(grace?.smsSubscriptions?.all).toMatchObject({ status: 'unsubscribed', source: OPT_OUT_SOURCE });
    expect(grace?.tags).toEqual(['pinpoint-vip-list']);
    const ada = await contactOf(`ada@${domain}`);
    expect(ada).toMatchObject({ phone: '+14155550101', externalId: `ada-${domain}`, attributes: { first_name: 'Ada', time_zone: 'Europe/Paris', interests: 'hiking; chess' } });
    expect(ada?.subscriptions?.newsletter).toMatchObject({ status: 'subscribed', source: 'pinpoint' });
    expect((await contactOf(`linus@${domain}`))?.subscriptions?.all).toMatchObject({ status: 'unsubscribed', source: INACTIVE_SOURCE });
  });

  it('a second import of the same export changes no contact', async () => {
    const before = await contactOf(`grace@${domain}`);
    const report = await run();
    expect(report).toMatchObject({ rows: 3, unchanged: { count: 3 }, created: { count: 0 }, updated: { count: 0 } });
    expect(await contactOf(`grace@${domain}`)).toEqual(before);
  });
});
