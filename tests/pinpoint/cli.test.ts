import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoContacts } from '../../functions/contacts/dynamo-contacts';
import type { DynamoContactUpserts } from '../../functions/contacts/dynamo-upsert';
import { directWriter } from '../../functions/contacts/import';
import { mermaid } from '../../functions/journeys/domain/diagram';
import { loadJourneys } from '../../functions/journeys/domain/journey-file';
import { readJourneyFiles } from '../../lib/journeys/journey-files';
import { importCommand } from '../../scripts/import';
import { OPT_OUT_SOURCE } from '../../scripts/pinpoint/endpoints';
import { contactsOnTestTable } from '../support/contacts';

/**
 * `npm run import -- pinpoint`: the command end to end, the endpoints written through the real contacts import into
 * DynamoDB Local (the writer `npm start`'s API would use for `POST /contacts/import`, without the HTTP hop).
 */

const repo = join(import.meta.dirname, '../..');
const fixture = join(repo, 'tests/fixtures/pinpoint/export');
let root: string;
let contacts: DynamoContacts;
let upserts: DynamoContactUpserts;

beforeAll(async () => {
  ({ contacts, upserts } = await contactsOnTestTable());
  root = mkdtempSync(join(tmpdir(), 'pinpoint-cli-'));
  cpSync(join(repo, 'content'), join(root, 'content'), { recursive: true });
  cpSync(join(repo, 'statemachines'), join(root, 'statemachines'), { recursive: true });
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

const writer = () => directWriter({ upserts, clock: { now: () => new Date() } }, 2);

describe('npm run import -- pinpoint', () => {
  it('refuses a source it does not know, and an export it cannot read, writing nothing', async () => {
    expect(await importCommand(['mailchimp', fixture, '--out', root])).toBe(2);
    const broken = mkdtempSync(join(tmpdir(), 'pinpoint-broken-'));
    mkdirSync(join(broken, 'journeys'));
    writeFileSync(join(broken, 'journeys/bad.json'), '{ not json');
    expect(await importCommand(['pinpoint', broken, '--out', root])).toBe(2);
    writeFileSync(join(broken, 'journeys/bad.json'), JSON.stringify({ JourneyResponse: { Name: 'no id' } }));
    expect(await importCommand(['pinpoint', broken, '--out', root])).toBe(2);
    expect(existsSync(join(root, 'pinpoint-import-report.md'))).toBe(false);
    expect(await importCommand(['pinpoint', fixture, '--out', root, '--topic', 'no-such-topic'])).toBe(2);
    rmSync(broken, { recursive: true, force: true });
  });

  it('--dry-run writes nothing', async () => {
    expect(await importCommand(['pinpoint', fixture, '--out', root, '--dry-run'])).toBe(0);
    expect(existsSync(join(root, 'pinpoint-import-report.md'))).toBe(false);
    expect(existsSync(join(root, 'statemachines/win-back.yaml'))).toBe(false);
  });

  it('writes the files and the report, and imports the endpoints keeping opt-outs', async () => {
    expect(await importCommand(['pinpoint', fixture, '--out', root, '--topic', 'newsletter'], {}, writer())).toBe(0);
    expect(readFileSync(join(root, 'pinpoint-import-report.md'), 'utf8')).toContain('# Pinpoint import report');
    const grace = await contacts.get((await contacts.findIdByEmail('grace@pinpoint-fixture.example.com'))!);
    expect(grace?.subscriptions?.all).toMatchObject({ status: 'unsubscribed', source: OPT_OUT_SOURCE });
    const margaret = await contacts.get((await contacts.findIdByEmail('margaret@pinpoint-fixture.example.com'))!);
    expect(margaret?.tags).toEqual(['pinpoint-vip-list']);
    expect(await contacts.findIdByEmail('ken@pinpoint-fixture.example.com')).toBeDefined();
  });

  it('imported journeys diagram like any other', () => {
    const journeys = loadJourneys(readJourneyFiles(join(root, 'statemachines')));
    const diagram = mermaid(journeys.get('welcome-pinpoint')!);
    expect(diagram).toContain('did_they_click');
    expect(diagram).toContain('until 2027-01-15T09:00:00.000Z');
    expect(diagram).toContain('holdback_held_out');
  });

  it('a second run changes no file and no contact', async () => {
    const before = readFileSync(join(root, 'statemachines/welcome-pinpoint.yaml'), 'utf8');
    const grace = await contacts.get((await contacts.findIdByEmail('grace@pinpoint-fixture.example.com'))!);
    expect(await importCommand(['pinpoint', fixture, '--out', root, '--topic', 'newsletter'], {}, writer())).toBe(0);
    expect(readFileSync(join(root, 'statemachines/welcome-pinpoint.yaml'), 'utf8')).toBe(before);
    expect(await contacts.get(grace!.contactId)).toEqual(grace);
  });
});
