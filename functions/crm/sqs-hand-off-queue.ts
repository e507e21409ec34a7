import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DecisionOf } from '../reactor/domain/decisions';
import type { HandOffQueue } from '../reactor/ports';
import type { HandOffRequest } from './hand-off';

/**
 * The reactor's hand-off port: one SQS message per HandOff decision. A retried reaction may send it twice; the
 * worker dedupes by the idempotency key, so the CRM sees one hand-off.
 */
export class SqsHandOffQueue implements HandOffQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(decision: DecisionOf<'HandOff'>): Promise<void> {
    const message: HandOffRequest = {
      contactId: decision.contactId,
      idempotencyKey: decision.idempotencyKey,
      reason: decision.reason,
      source: decision.source,
    };
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message) }));
  }
}
