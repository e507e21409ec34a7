import { ChangeMessageVisibilityCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { HandOff } from '../shared/decisions';
import type { HandOffQueue } from './ports';
import type { HandOffRequest } from './hand-off';
import type { HandOffParking, MessageVisibility } from './ports';

/**
 * The CRM hand-off queue, sending side: the reactor's port (one message per HandOff decision) and where journey
 * hand-off steps park what the CRM could not take. A retried reaction or step may send a request twice; the worker
 * dedupes by the idempotency key, so the CRM sees one hand-off.
 */
export class SqsHandOffQueue implements HandOffQueue, HandOffParking {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(decision: HandOff): Promise<void> {
    await this.park({ contactId: decision.contactId, idempotencyKey: decision.idempotencyKey, reason: decision.reason, source: decision.source });
  }

  async park(request: HandOffRequest): Promise<void> {
    const message: HandOffRequest = {
      contactId: request.contactId,
      idempotencyKey: request.idempotencyKey,
      ...(request.reason ? { reason: request.reason } : {}),
      source: request.source,
    };
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message) }));
  }
}

/** The worker's backoff: `ChangeMessageVisibility` on the message being processed (granted by its event source). */
export class SqsMessageVisibility implements MessageVisibility {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async postpone(message: { readonly receiptHandle: string }, seconds: number): Promise<void> {
    await this.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: this.queueUrl, ReceiptHandle: message.receiptHandle, VisibilityTimeout: Math.round(seconds) }));
  }
}
