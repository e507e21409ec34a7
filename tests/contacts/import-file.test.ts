import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { attributeFields, emailTopics } from '../../functions/contacts/attribute-fields';
import type { DynamoContacts } from '../../functions/contacts/dynamo-contacts';
import type { DynamoContactUpserts } from '../../functions/contacts/dynamo-upsert';
import { makeImportFile } from '../../functions/contacts/import-file';
import type { ImportFiles } from '../../functions/contacts/import-files';
import { disposableDomains } from '../../functions/forms/disposable-domains';
import { memoryLogger } from '../support/http';
import { contactsOnTestTable } from '../support/contacts';

const rules = { fields: attributeFields(), topics: emailTopics, isDisposable: disposableDomains() };
let contacts: DynamoContacts;
let upserts: DynamoContactUpserts;

beforeAll(async () => ({ contacts, upserts } = await contactsOnTestTable()));

/** The import bucket, in memory: the objects dropped and the reports written (tests/contacts/s3-import-files.test.ts runs the S3 adapter against s3rver). */
function bucket(objects: Record<string, { text: string; metadata?: Record<string, string> }>) {
  const reports = new Map<string, Record<string, unknown>>();
  const files: ImportFiles = {
    async open(key) {
      const object = objects[key];
      if (!object) return undefined;
      const bytes = Buffer.from(object.text);
      async function* body() {
        for (let i = 0; i < bytes.length; i += 5) yield bytes.subarray(i, i + 5);
      }
      return { body: body(), metadata: object.metadata ?? {} };
    },
    async putReport(key, json) {
      reports.set(key, JSON.parse(json) as Record<string, unknown>);
    },
  };
  return { files, reports };
}

const dropped = (key: string) => ({ source: 'aws.s3', 'detail-type': 'Object Created', detail: { bucket: { name: 'imports-bucket' }, object: { key } } });
const importer = (files: ImportFiles, logger = memoryLogger()) => makeImportFile({ files, upserts, rules, clock: { now: () => new Date() }, logger, concurrency: 4 });

describe('a file dropped in the import bucket', () => {
  it('is imported with the settings of its metadata, and its report is written under reports/', async () => {
    const d = `${randomUUID().slice(0, 8)}.example.com`;
    const { files, reports } = bucket({
      'imports/fair.csv': {
        text: `Mail,Name,Opt in\nada@${d},Ada,yes\nbob@${d},Bob,no\n`,
        metadata: { topic: 'newsletter', 'consent-column': 'Opt in', map: 'Mail=email,Name=first_name', basis: 'in_person', source: 'Trade fair' },
      },
    });

    await importer(files)(dropped('imports/fair.csv'));

    expect(reports.get('reports/fair.csv.report.json')).toMatchObject({
      file: 'fair.csv',
      format: 'csv',
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      created: { count: 1, rows: '2' },
      rejected: { count: 1, rows: '3' },
    });
    const id = await contacts.findIdByEmail(`ada@${d}`);
    expect(await contacts.get(id!)).toMatchObject({
      attributes: { first_name: 'Ada' },
      subscriptions: { newsletter: { status: 'subscribed', basis: 'in_person', source: 'Trade fair' } },
    });
  });

  it('changes nothing when the same file is dropped again', async () => {
    const d = `${randomUUID().slice(0, 8)}.example.com`;
    const { files, reports } = bucket({ 'imports/list.ndjson': { text: `{"email":"ada@${d}","first_name":"Ada"}\n` } });
    await importer(files)(dropped('imports/list.ndjson'));

    await importer(files)(dropped('imports/list.ndjson'));

    expect(reports.get('reports/list.ndjson.report.json')).toMatchObject({ created: { count: 0 }, unchanged: { count: 1, rows: '1' } });
  });

  it('writes a report with the error for a file that cannot be imported, without failing (no retry)', async () => {
    const { files, reports } = bucket({
      'imports/names.csv': { text: 'name\nAda\n' },
      'imports/consent.csv': { text: 'email,consent\nada@example.com,yes\n', metadata: { topic: 'newsletter' } },
    });

    await importer(files)(dropped('imports/names.csv'));
    await importer(files)(dropped('imports/consent.csv'));

    expect(reports.get('reports/names.csv.report.json')).toMatchObject({ file: 'names.csv', error: expect.stringMatching(/^no email column/) });
    expect(reports.get('reports/consent.csv.report.json')).toMatchObject({ error: expect.stringContaining('--topic needs --consent-column') });
  });

  it('ignores objects outside imports/ and objects gone before they are read', async () => {
    const logger = memoryLogger();
    const { files, reports } = bucket({ 'reports/x.csv.report.json': { text: '{}' } });

    await importer(files, logger)(dropped('reports/x.csv.report.json'));
    await importer(files, logger)(dropped('imports/deleted.csv'));

    expect(reports.size).toBe(0);
    expect(logger.lines).toEqual([{ level: 'warn', message: 'import file gone before it was read', fields: { key: 'imports/deleted.csv' } }]);
  });
});
