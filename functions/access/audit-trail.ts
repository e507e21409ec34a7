import { Buffer } from 'node:buffer';
import type { MiddlewareObj } from '@middy/core';
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { HttpEvent, HttpResult } from '../shared/http';
import { ulid } from '../shared/ids';
import { documentClient } from '../shared/aws';
import { createLogger } from '../shared/logger';
import type { Actor } from './domain/access';
import { auditPartition, isAudited, monthOf, monthsBetween, type AuditEntry } from './domain/audit';

/** A page of the audit trail, newest first. */
export interface AuditPage {
  readonly items: readonly AuditEntry[];
  readonly nextCursor?: string;
}

/** Where audit entries are kept. */
export interface AuditTrail {
  record(entry: AuditEntry): Promise<void>;
  /** Entries from `from` to `to` (days, inclusive), newest first, `limit` at most, after `cursor`. */
  list(range: { readonly from: string; readonly to: string; readonly limit: number; readonly cursor?: string }): Promise<AuditPage>;
}

/** A cursor this API did not issue, or issued for another range. */
export class InvalidAuditCursor extends Error {
  override name = 'InvalidAuditCursor';
}

const StoredActor = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('key'), id: z.string() }),
  z.object({ kind: z.literal('user'), id: z.string(), name: z.string() }),
  z.object({ kind: z.literal('bootstrap') }),
]);
/** An audit item, parsed back with the schema that wrote it. */
const StoredEntry = z.object({
  at: z.string(),
  actor: StoredActor,
  routeKey: z.string(),
  pathParameters: z.record(z.string(), z.string()),
  status: z.number().int(),
});
const Cursor = z.object({ month: z.string().regex(/^\d{4}-\d{2}$/), sk: z.string().min(1) });

/** Audit entries as items of the single table: `AUDIT#<yyyy-mm>` / `<at>#<ulid>`, so a month reads newest first. */
export class DynamoAuditTrail implements AuditTrail {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async record(entry: AuditEntry): Promise<void> {
    const item = { PK: auditPartition(monthOf(entry.at)), SK: `${entry.at}#${ulid(Date.parse(entry.at))}`, ...StoredEntry.parse(entry) };
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: item }));
  }

  async list(range: { readonly from: string; readonly to: string; readonly limit: number; readonly cursor?: string }): Promise<AuditPage> {
    const cursor = range.cursor === undefined ? undefined : decodeCursor(range.cursor);
    const months = monthsBetween(range.from, range.to).filter((month) => !cursor || month <= cursor.month);
    const items: AuditEntry[] = [];
    for (const month of months) {
      let startKey = cursor && month === cursor.month ? { PK: auditPartition(month), SK: cursor.sk } : undefined;
      do {
        const page = await this.db.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
            ExpressionAttributeValues: { ':pk': auditPartition(month), ':from': `${range.from}T`, ':to': `${range.to}T~` },
            ScanIndexForward: false,
            Limit: range.limit - items.length,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
        for (const item of page.Items ?? []) {
          items.push(StoredEntry.parse(item));
          if (items.length === range.limit) return { items, nextCursor: encodeCursor(month, String(item.SK)) };
        }
        startKey = page.LastEvaluatedKey as { PK: string; SK: string } | undefined;
      } while (startKey);
    }
    return { items };
  }
}

function encodeCursor(month: string, sk: string): string {
  return Buffer.from(JSON.stringify({ month, sk })).toString('base64url');
}

function decodeCursor(text: string): z.infer<typeof Cursor> {
  try {
    return Cursor.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
  } catch {
    throw new InvalidAuditCursor('cursor is not one this API issued');
  }
}

let processTrail: AuditTrail | undefined;
const auditLogger = createLogger('audit');

/**
 * Where the private routes of this process record their actions. The local runtime (every function in one process,
 * one table) sets it on start. In Lambda, one function per process, it is built on first use from the function's
 * `TABLE_NAME`: every private route's function binds the table (tests/infra checks it), so no handler module has to
 * remember to wire it.
 */
export function useAuditTrail(trail: AuditTrail): void {
  processTrail = trail;
}

function currentTrail(): AuditTrail {
  if (processTrail) return processTrail;
  // Read once per cold start, as environmentFor reads a function's own variables.
  const tableName = z.string().min(1).parse(process.env.TABLE_NAME);
  return (processTrail = new DynamoAuditTrail(documentClient, tableName));
}

/**
 * Records who did it after a private route's request that changed something succeeded (2xx, not a GET): the actor,
 * the route, its path parameters and the status, never the body. The action is done by then, so a failed write does
 * not change its answer: it is logged as an error (`audit not recorded`, with the route and the actor's id) for an
 * alarm to catch, and the caller gets the action's result.
 */
export function auditActions(actorOf: (event: HttpEvent) => Actor, now: () => Date): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    after: async (request) => {
      const status = request.response?.statusCode ?? 500;
      if (!isAudited(request.event.requestContext.http.method, status)) return;
      const actor = actorOf(request.event);
      const entry: AuditEntry = {
        at: now().toISOString(),
        actor,
        routeKey: request.event.routeKey,
        pathParameters: Object.fromEntries(Object.entries(request.event.pathParameters ?? {}).filter((pair): pair is [string, string] => pair[1] !== undefined)),
        status,
      };
      await Promise.resolve()
        .then(() => currentTrail().record(entry))
        .catch((error: unknown) => {
        auditLogger.error('audit not recorded', {
          routeKey: entry.routeKey,
          actor: actor.kind === 'bootstrap' ? 'bootstrap' : `${actor.kind}:${actor.id}`,
          error: error instanceof Error ? error.name : 'unknown',
        });
      });
    },
  };
}
