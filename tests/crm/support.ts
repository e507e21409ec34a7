import type { SQSEvent } from 'aws-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoContacts } from '../../functions/contacts/dynamo-contacts';
import { HubSpotCrm } from '../../functions/crm/hubspot';
import { DynamoCrmStore } from '../../functions/crm/dynamo-crm-store';
import type { HandOffDeps } from '../../functions/crm/hand-off';
import { lifecycle, scoringRules } from '../../functions/scoring/domain/content';
import { keys } from '../../functions/shared/keys';
import { startCrmReceiver, type CrmReceiver } from '../../local/crm-receiver';
import { memoryLogger } from '../support/http';
import type { TestTable } from '../support/table';

export const clock = { now: () => new Date('2026-11-24T12:00:00.000Z') };

/** A contact created by a real form post (the contacts adapter), with the given answers. */
export async function newContact(table: TestTable, email: string, fields: Record<string, string | number> = {}) {
  const contacts = new DynamoContacts(table.documentClient, table.tableName);
  const { contactId } = await contacts.recordSubmission(
    email,
    { formId: 'demo-request', fields: { email, first_name: 'Ada', last_name: 'Lovelace', company: 'Acme', ...fields }, utm: {} },
    new Date('2026-11-24T11:00:00.000Z'),
  );
  return contactId;
}

/** Puts the contact in a stage, as the reactor's lifecycle update would (e.g. `recycled` after sales rejected it). */
export async function setStage(table: TestTable, contactId: string, stage: string) {
  await table.documentClient.send(
    new UpdateCommand({ TableName: table.tableName, Key: keys.profile(contactId), UpdateExpression: 'SET stage = :stage', ExpressionAttributeValues: { ':stage': stage } }),
  );
}

/** An SQS client for a local queue (`local/crm-queue.ts`). */
export function localSqs(endpoint: string) {
  return new SQSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
}

export async function fetchInbox(receiver: CrmReceiver) {
  return receiver.inbox();
}

/** Sets the local receiver to answer the next `times` API calls with `status`, or only after `delayMs`. */
export async function injectFault(receiver: CrmReceiver, fault: { status?: number; delayMs?: number; times: number; retryAfter?: string }) {
  const response = await fetch(`${receiver.url}/dev/crm/faults`, { method: 'POST', body: JSON.stringify(fault) });
  if (response.status !== 204) throw new Error(`fault injection failed: ${response.status}`);
}

/**
 * A deal in the local HubSpot, associated with these contact records, made as in HubSpot: `POST
 * /crm/v3/objects/deals` with deal → contact associations (type 3). Returns the deal id.
 */
export async function createDeal(receiver: CrmReceiver, contactIds: readonly string[], dealstage = 'appointmentscheduled'): Promise<string> {
  const response = await fetch(`${receiver.url}/crm/v3/objects/deals`, {
    method: 'POST',
    headers: { authorization: 'Bearer local-hubspot-token', 'content-type': 'application/json' },
    body: JSON.stringify({
      properties: { dealname: 'Acme platform', dealstage, pipeline: 'default', amount: '12000' },
      associations: contactIds.map((id) => ({ to: { id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 3 }] })),
    }),
  });
  if (response.status !== 201) throw new Error(`deal creation failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

export function handOffDepsFor(table: TestTable, receiver: CrmReceiver, overrides: Partial<HandOffDeps> = {}): HandOffDeps & { logger: ReturnType<typeof memoryLogger> } {
  return {
    store: new DynamoCrmStore(table.documentClient, table.tableName),
    // In-process receiver: a generous timeout, so a busy machine never turns a hand-off into CrmUnavailable.
    crm: new HubSpotCrm({ accessToken: 'local-hubspot-token', baseUrl: receiver.url }, { allowLoopback: true, timeoutMs: 10_000 }),
    rules: scoringRules,
    lifecycle,
    clock,
    retry: { attempts: 3, baseDelayMs: 1, maxWaitMs: 1_000 },
    ...overrides,
    logger: memoryLogger(),
  };
}

/** One delivery of a hand-off message, as SQS hands it to the worker (`receives` = ApproximateReceiveCount). */
export function sqsDelivery(body: unknown, receives: number, messageId = 'm-1'): SQSEvent {
  return {
    Records: [
      {
        messageId,
        receiptHandle: `${messageId}:${receives}`,
        body: JSON.stringify(body),
        attributes: { ApproximateReceiveCount: String(receives), SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0' },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:crm-handoffs',
        awsRegion: 'us-east-1',
      },
    ],
  };
}

export { startCrmReceiver };
