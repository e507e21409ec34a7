import { setTimeout as sleep } from 'node:timers/promises';
import { TransactionCanceledException, type CancellationReason } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';

/** Why each item of a cancelled transaction refused, in the order of its items; empty for any other error. */
export function cancellationReasons(error: unknown): readonly CancellationReason[] {
  return error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : [];
}

/** Whether a cancelled transaction's item at `index` failed its condition. */
export function refusedBy(error: unknown, index: number): boolean {
  return cancellationReasons(error)[index]?.Code === 'ConditionalCheckFailed';
}

/**
 * Whether a transaction lost to a concurrent writer of the same contact: a condition failed (an email claim
 * appeared or moved) or DynamoDB saw a conflicting transaction. Read again and retry, after `backoff`.
 */
export function contended(error: unknown): boolean {
  return cancellationReasons(error).some((reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict');
}

/** Waits before retry `attempt` of a contended transaction: full jitter, up to 1 s. */
export async function backoff(attempt: number): Promise<void> {
  await sleep(Math.random() * Math.min(1_000, 10 * 2 ** attempt));
}

/** One `TransactWriteItems` of `items`: all of them happen, or none. */
export async function transactWrite(db: DynamoDBDocumentClient, items: NonNullable<TransactWriteCommandInput['TransactItems']>): Promise<void> {
  await db.send(new TransactWriteCommand({ TransactItems: items }));
}
