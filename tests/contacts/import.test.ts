import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { attributeFields, emailTopics } from '../../functions/contacts/attribute-fields';
import type { ImportSettings } from '../../functions/contacts/domain/import';
import type { ImportReport } from '../../functions/contacts/domain/import-report';
import type { DynamoContacts } from '../../functions/contacts/dynamo-contacts';
import type { DynamoContactUpserts } from '../../functions/contacts/dynamo-upsert';
import { InvalidImportSettings, directWriter, runImport } from '../../functions/contacts/import';
import { makeImportContactsHandler } from '../../functions/contacts/import-contacts';
import { InvalidImportFile, openImportSource, type ImportFormat } from '../../functions/contacts/import-source';
import { disposableDomains } from '../../functions/forms/disposable-domains';
import { EventName } from '../../functions/shared/events';
import type { HttpResult } from '../../functions/shared/http';
import { bodyOf, httpEvent, lambdaContext, memoryLogger } from '../support/http';
import { contactsOnTestTable } from '../support/contacts';
import type { TestTable } from '../support/table';

const TOKEN = 'test-admin-token-0123456789';
const rules = { fields: attributeFields(), topics: emailTopics, isDisposable: disposableDomains() };
let table: TestTable;
let contacts: DynamoContacts;
let upserts: DynamoContactUpserts;

beforeAll(async () => ({ table, contacts, upserts } = await contactsOnTestTable()));

const settings = (overrides: Partial<ImportSettings> = {}): ImportSettings => ({ map: {}, basis: 'import', source: 'list.csv', confirmEmails: false, ...overrides });

/** Imports `text` straight into the test table, fed to the reader in small chunks as a file stream would be. */
async function importText(text: string, format: ImportFormat, overrides: Partial<ImportSettings> = {}): Promise<ImportReport> {
  const bytes = Buffer.from(text, 'utf8');
  async function* chunks() {
    for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7);
  }
  return runImport({
    source: await openImportSource(chunks(), format),
    settings: settings(overrides),
    rules,
    writer: directWriter({ upserts, clock: { now: () => new Date() } }, 4),
    batchSize: 3,
    inFlight: 2,
  });
}

/** A domain no other test uses, so each test's contacts are its own. */
const domain = () => `${randomUUID().slice(0, 8)}.example.com`;
const contactOf = async (email: string) => {
  const id = await contacts.findIdByEmail(email);
  return id ? contacts.get(id) : undefined;
};

describe('importing a file', () => {
  it('imports a CSV with a byte order mark, CRLF and quoted fields holding commas, quotes and line breaks', async () => {
    const d = domain();
    const csv = `\ufeffEmail,First Name,Company,Budget,Tags\r\nada@${d},Ada,"Analytical Engines, Ltd","$5,000",vip;beta\r\ngrace@${d},Grace,"The ""Navy""","12",\r\n`;

    const report = await importText(csv, 'csv');

    expect(report).toMatchObject({ rows: 2, created: { count: 2, rows: '2-3' }, rejected: { count: 0 } });
    expect(await contactOf(`ada@${d}`)).toMatchObject({ attributes: { first_name: 'Ada', company: 'Analytical Engines, Ltd', budget: 5000 }, tags: ['vip', 'beta'] });
    expect(await contactOf(`grace@${d}`)).toMatchObject({ attributes: { first_name: 'Grace', company: 'The "Navy"', budget: 12 } });
  });

  it('imports NDJSON, typed values included, numbering rows by line', async () => {
    const d = domain();
    const ndjson = `{"email":"ada@${d}","first_name":"Ada","budget":5000,"tags":["vip"]}\n\n{"email":"bob@${d}","budget":"lots"}\n`;

    const report = await importText(ndjson, 'ndjson');

    expect(report).toMatchObject({ created: { count: 1, rows: '1' }, rejected: { count: 1, reasons: [{ row: 3, reasons: ['budget: must be a number'] }] } });
    expect(await contactOf(`ada@${d}`)).toMatchObject({ attributes: { first_name: 'Ada', budget: 5000 }, tags: ['vip'] });
  });

  it('maps headers with --map and appends one contact.upserted event via import per contact', async () => {
    const d = domain();

    const report = await importText(`Courriel,Prénom,Remarque\nada@${d},Ada,ignore me\n`, 'csv', { map: { Courriel: 'email', 'Prénom': 'first_name', Remarque: '' } });

    const contact = await contactOf(`ada@${d}`);
    const events = (await table.partition(`CONTACT#${contact!.contactId}`)).filter((item) => item.type === EventName.ContactUpserted);
    expect(report.created.count).toBe(1);
    expect(contact!.attributes).toEqual({ first_name: 'Ada' });
    expect(events.map((event) => event.data)).toEqual([expect.objectContaining({ via: 'import', created: true, set: { first_name: 'Ada' } })]);
  });

  it('keeps the first row of an email and reports the later ones as duplicates, however the address is written', async () => {
    const d = domain();

    const report = await importText(`email,first_name\nada@${d},First\n ADA@${d.toUpperCase()} ,Second\nbob@${d},Bob\n`, 'csv');

    expect(report.created).toEqual({ count: 2, rows: '2,4' });
    expect(report.rejected).toMatchObject({ count: 1, duplicates: 1, reasons: [{ row: 3, reasons: ['duplicate of row 2 (the same email): the first row wins'] }] });
    expect((await contactOf(`ada@${d}`))!.attributes.first_name).toBe('First');
  });

  it('subscribes only rows whose consent column says yes, recording the basis and source, and rejects the others', async () => {
    const d = domain();
    const csv = `email,consent\nyes@${d},yes\nno@${d},no\nblank@${d},\n`;

    const report = await importText(csv, 'csv', { topic: 'newsletter', consentColumn: 'consent', source: 'fair-2026.csv' });

    expect(report.created).toEqual({ count: 1, rows: '2' });
    expect(report.rejected.reasons.map((r) => r.row)).toEqual([3, 4]);
    expect(report.rejected.reasons[0]!.reasons[0]).toMatch(/^no consent to "newsletter"/);
    expect((await contactOf(`yes@${d}`))!.subscriptions).toEqual({ newsletter: { status: 'subscribed', basis: 'import', source: 'fair-2026.csv', at: expect.any(String) } });
    expect(await contactOf(`no@${d}`)).toBeUndefined();
    expect(await contactOf(`blank@${d}`)).toBeUndefined();
  });

  it('rejects invalid rows with their reasons, without an address in them, and imports the valid ones', async () => {
    const d = domain();
    const csv = `email,budget,country\nnot-an-email,1,\nada@gmial.com,2,\nbob@${d},lots,Atlantis\ncarol@${d},3,a,b\ndan@${d},4,germany\n`;

    const report = await importText(csv, 'csv');

    expect(report.created).toEqual({ count: 1, rows: '6' });
    expect(report.rejected.reasons).toEqual([
      { row: 2, reasons: ['email: must be a valid email address'] },
      { row: 3, reasons: ['email: the domain looks mistyped (did you mean @gmail.com?); --confirm-emails imports addresses as written'] },
      { row: 4, reasons: ['budget: must be a number', 'country: must be a country'] },
      { row: 5, reasons: ['has 4 cells where the header has 3 columns'] },
    ]);
    expect(JSON.stringify(report)).not.toMatch(/[a-z0-9]@/);
  });

  it('changes nothing when the same file is imported again: every row unchanged, no new item', async () => {
    const d = domain();
    const csv = `email,first_name,tags,consent\nada@${d},Ada,vip,yes\nbob@${d},Bob,,yes\n`;
    const options = { topic: 'newsletter', consentColumn: 'consent' };
    await importText(csv, 'csv', options);
    const before = await table.scan();

    const again = await importText(csv, 'csv', options);

    expect(again).toMatchObject({ unchanged: { count: 2, rows: '2-3' }, created: { count: 0 }, updated: { count: 0 } });
    expect(await table.scan()).toEqual(before);
  });

  it('updates a contact the file changes, and only what it changes', async () => {
    const d = domain();
    await importText(`email,first_name,company\nada@${d},Ada,Acme\n`, 'csv');

    const report = await importText(`email,first_name,company\nada@${d},Ada,Initech\n`, 'csv');

    expect(report.updated).toEqual({ count: 1, rows: '2' });
    expect((await contactOf(`ada@${d}`))!.attributes).toEqual({ first_name: 'Ada', company: 'Initech' });
  });
});

describe('streaming', () => {
  it('reads no further ahead than the batches in flight, however long the file', async () => {
    let read = 0;
    let writing = 0;
    let mostWriting = 0;
    let mostAhead = 0;
    let written = 0;
    async function* rows() {
      for (let i = 0; i < 1_000; i++) {
        read++;
        mostAhead = Math.max(mostAhead, read - written);
        yield { row: i + 2, values: { email: `p${i}@example.com` } };
      }
    }
    const writer = {
      async write(batch: readonly { row: number }[]) {
        mostWriting = Math.max(mostWriting, ++writing);
        await new Promise((done) => setTimeout(done, 1));
        writing--;
        written += batch.length;
        return batch.map(({ row }) => ({ row, result: 'created' as const, contactId: `c${row}` }));
      },
    };

    const report = await runImport({ source: { format: 'csv', headers: ['email'], rows: rows() }, settings: settings(), rules, writer, batchSize: 10, inFlight: 3 });

    expect(report.created.count).toBe(1_000);
    expect(mostWriting).toBe(3);
    expect(mostAhead).toBeLessThanOrEqual(10 * 4);
  });
});

describe('a file that cannot be imported', () => {
  it('fails with a clear error when the file has no email column, before writing anything', async () => {
    await expect(importText('name,phone\nAda,+14155550132\n', 'csv')).rejects.toThrow(
      new InvalidImportFile('no email column (the columns are "name", "phone"): name one "email" or map it with --map "<column>=email"'),
    );
  });

  it('fails when the file is not CSV: binary, not UTF-8, JSON given as CSV, a header of addresses, a quote never closed', async () => {
    await expect(importText('email\u0000\u0001\n', 'csv')).rejects.toThrow(/not text/);
    await expect(openImportSource([Buffer.from([0x65, 0x6d, 0xff, 0xfe, 0x0a])], 'csv')).rejects.toThrow(/not UTF-8/);
    await expect(importText('{"email":"ada@example.com"}\n', 'csv')).rejects.toThrow(/looks like JSON/);
    await expect(importText('[1,2]\n', 'csv')).rejects.toThrow(/looks like JSON/);
    await expect(importText('ada@example.com,Ada\n', 'csv')).rejects.toThrow(/first row holds an email address/);
    await expect(importText('email,name\n"ada@example.com,Ada\n', 'csv')).rejects.toThrow(/line 2: a quoted field is never closed/);
  });

  it('fails when an NDJSON file does not start with a JSON object, and rejects a later bad line as a row', async () => {
    await expect(importText('email,name\n', 'ndjson')).rejects.toThrow(new InvalidImportFile('line 1 is not a JSON object: an NDJSON import has one JSON object per line'));
    const report = await importText(`{"email":"ada@${domain()}"}\nnot json\n`, 'ndjson');
    expect(report.rejected.reasons).toEqual([{ row: 2, reasons: ['is not a JSON object'] }]);
  });

  it('refuses a topic without a consent column before reading the file', async () => {
    await expect(importText('email\nada@example.com\n', 'csv', { topic: 'newsletter' })).rejects.toThrow(InvalidImportSettings);
  });
});

describe('POST /contacts/import', () => {
  const logger = memoryLogger();
  const handler = () =>
    makeImportContactsHandler({ upserts, rules, clock: { now: () => new Date() }, logger });
  const post = (body: string, headers: Record<string, string> = {}) =>
    handler()(
      httpEvent({
        routeKey: 'POST /contacts/import',
        path: '/contacts/import',
        pathParameters: {},
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-ndjson', ...headers },
        body,
      }),
      lambdaContext(),
    ) as Promise<HttpResult>;

  it('upserts each row as PUT /contacts does and answers one result per row, in order', async () => {
    const d = domain();
    const lines = [
      { row: 2, contact: { email: `ada@${d}`, attributes: { budget: '$5,000' } } },
      { row: 3, contact: { email: 'nope' } },
      { row: 4, contact: { email: `bob@${d}`, consents: [{ topic: 'newsletter', status: 'subscribed', basis: 'import', source: 'x.csv' }] } },
    ];

    const result = await post(lines.map((line) => JSON.stringify(line)).join('\n'));

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({
      results: [
        { row: 2, result: 'created', contactId: expect.any(String) },
        { row: 3, result: 'rejected', reasons: ['email: must be a valid email address'] },
        { row: 4, result: 'created', contactId: expect.any(String) },
      ],
    });
    expect((await contactOf(`ada@${d}`))!.attributes.budget).toBe(5000);
  });

  it('answers 400 naming the lines that are not rows, 415 without NDJSON and 401 without a key, writing nothing', async () => {
    const bad = await post('{"row":1,"contact":{}}\n{"contact":{}}\nnot json');
    const notNdjson = await post('{}', { 'content-type': 'application/json' });
    const noToken = await post('{"row":1,"contact":{}}', { authorization: '' });

    expect(bad.statusCode).toBe(400);
    expect(bodyOf(bad)).toMatchObject({ error: 'invalid_lines', lines: [2, 3] });
    expect(notNdjson.statusCode).toBe(415);
    expect(noToken.statusCode).toBe(401);
  });

  it('logs the counts of a batch, never an address', async () => {
    const d = domain();
    await post(JSON.stringify({ row: 2, contact: { email: `logged@${d}` } }));

    expect(JSON.stringify(logger.lines)).not.toContain(`logged@${d}`);
    expect(logger.lines.at(-1)).toMatchObject({ message: 'request', fields: { routeKey: 'POST /contacts/import', rows: 1, created: 1 } });
  });
});
