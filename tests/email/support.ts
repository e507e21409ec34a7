import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import sesModule from 'aws-ses-v2-local';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { DynamoContacts } from '../../functions/contacts/dynamo-contacts';
import { DynamoEmailStore } from '../../functions/email/dynamo-email-store';
import { SesMailer } from '../../functions/email/ses-mailer';
import type { SendDeps } from '../../functions/email/send-email';
import { emails, renderer } from '../../functions/email/templates';
import { TokenSigner } from '../../functions/email/tokens';
import type { Membership } from '../../functions/journeys/domain/membership';
import type { Clock } from '../../functions/shared/ids';
import { keys } from '../../functions/shared/keys';
import type { FormSubmittedData } from '../../functions/forms/events';
import { localCredentials, localRegion } from '../../local/dynamodb-local';
import { memoryLogger } from '../support/http';
import { createTestTable, type TestTable } from '../support/table';

const startSes = (sesModule as unknown as { default?: typeof sesModule }).default ?? sesModule;

/** One email as aws-ses-v2-local stores it (`GET /store`). */
export interface StoredEmail {
  readonly messageId: string;
  readonly from: string;
  readonly destination: { readonly to: readonly string[] };
  readonly subject: string;
  readonly body: { readonly html?: string; readonly text?: string };
  readonly headers?: readonly { readonly name: string; readonly value: string }[];
}

export interface LocalSes {
  readonly url: string;
  readonly client: SESv2Client;
  emails(): Promise<StoredEmail[]>;
  clear(): Promise<void>;
  stop(): Promise<void>;
}

/** The real aws-ses-v2-local, in this test process, on a free port. */
export async function startLocalSes(): Promise<LocalSes> {
  const server: Server = await startSes({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new SESv2Client({ endpoint: url, region: localRegion, credentials: localCredentials });
  return {
    url,
    client,
    emails: async () => ((await (await fetch(`${url}/store`)).json()) as { emails: StoredEmail[] }).emails,
    clear: async () => {
      await fetch(`${url}/clear-store`, { method: 'POST' });
    },
    stop: async () => {
      client.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

/**
 * The email tests' setup, for the calling file or describe block: a fresh table and a real aws-ses-v2-local,
 * started before its tests and stopped after them, with the inbox emptied before each test. `ready` receives both
 * once they run.
 */
export function useTableAndSes(ready: (table: TestTable, ses: LocalSes) => void): void {
  let ses: LocalSes | undefined;
  beforeAll(async () => {
    const table = await createTestTable();
    ses = await startLocalSes();
    ready(table, ses);
  });
  afterAll(async () => {
    await ses?.stop();
  });
  beforeEach(async () => {
    await ses!.clear();
  });
}

export const PUBLIC_URL = 'https://nurture.example.test';
export const signingKey = 'test-signing-key-0123456789';

/** 10:00 in New York (the default time zone): inside the default send window. */
export const insideWindow = new Date('2026-03-10T14:00:00Z');

export function fixedClock(at: Date = insideWindow): Clock & { set(at: Date): void } {
  let now = at;
  return { now: () => now, set: (next: Date) => (now = next) };
}

export function sendDeps(table: TestTable, ses: LocalSes, overrides: Partial<SendDeps> = {}): SendDeps {
  const signer = new TokenSigner([signingKey]);
  return {
    store: new DynamoEmailStore(table.documentClient, table.tableName),
    mailer: new SesMailer(ses.client, undefined),
    renderer,
    settings: emails.settings,
    signer: async () => signer,
    publicUrl: PUBLIC_URL,
    clock: fixedClock(),
    logger: memoryLogger(),
    ...overrides,
  };
}

let counter = 0;

/** A contact created the way form intake creates one. */
export async function createContact(
  table: TestTable,
  fields: Record<string, string | number | boolean> = {},
): Promise<{ contactId: string; email: string }> {
  const email = (fields.email as string | undefined) ?? `person${++counter}-${Date.now()}@example.com`;
  const data: FormSubmittedData = { formId: 'demo-request', fields: { email, first_name: 'Ada', ...fields }, utm: {} };
  const contacts = new DynamoContacts(table.documentClient, table.tableName);
  const { contactId } = await contacts.recordSubmission(email, data, new Date('2026-03-01T10:00:00Z'));
  return { contactId, email };
}

/**
 * Records the contact's running membership of a journey, as the reactor does when it starts an execution: the
 * journey send step sends only while it runs. The execution name is the one the email tests' steps use.
 */
export async function enrol(
  table: TestTable,
  contactId: string,
  journeyId = 'budget-router',
  executionName = `${journeyId}-${contactId}-1`,
  status: Membership['status'] = 'running',
): Promise<void> {
  const membership: Membership = { journeyId, executionName, status, entries: 1, enteredAt: '2026-03-01T10:00:00.000Z' };
  await table.documentClient.send(new PutCommand({ TableName: table.tableName, Item: { ...keys.membership(contactId, journeyId), ...membership } }));
}

/** A contact created the way form intake creates one, enrolled (running) in a journey. */
export async function createEnrolledContact(
  table: TestTable,
  fields: Record<string, string | number | boolean> = {},
  journeyId = 'budget-router',
): Promise<{ contactId: string; email: string }> {
  const contact = await createContact(table, fields);
  await enrol(table, contact.contactId, journeyId);
  return contact;
}

/** The contact's timeline events of one type, oldest first. */
export async function eventsOf(table: TestTable, contactId: string, type: string): Promise<Record<string, unknown>[]> {
  const items = await table.partition(`CONTACT#${contactId}`);
  return items.filter((item) => item.type === type);
}
