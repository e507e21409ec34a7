import { GetCommand, paginateQuery, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { requireAccess } from '../access/authorizer-context';
import { EventName } from '../shared/events';
import { NotFound, httpHandler, json, type HttpEvent, type HttpResult } from '../shared/http';
import type { Clock } from '../shared/ids';
import { EVENT_PREFIX, keys } from '../shared/keys';
import type { Logger } from '../shared/logger';
import type { Contact } from '../shared/contact';
import { parseContact, parseEvent } from '../contacts/dynamo-contacts';
import { stageLabel, type Lifecycle } from '../shared/lifecycle';
import { explain, initialScore } from './domain/score';
import type { ScoringRules } from './domain/scoring-rules';

/** The last score changes kept in the answer (the timeline keeps them all). */
const HISTORY = 50;

/** Reads a contact's profile and its recent `score.changed` events. */
export interface ScoreReader {
  contact(contactId: string): Promise<Contact | undefined>;
  history(contactId: string, limit: number): Promise<{ at: string; total: number; fit: number; behaviour: number; ruleIds: string[]; cause?: string }[]>;
}

export class DynamoScoreReader implements ScoreReader {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async contact(contactId: string) {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.profile(contactId) }));
    return Item ? parseContact(Item) : undefined;
  }

  async history(contactId: string, limit: number) {
    const { PK } = keys.profile(contactId);
    const changes: Awaited<ReturnType<ScoreReader['history']>> = [];
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        FilterExpression: '#type = :type',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: { ':pk': PK, ':prefix': EVENT_PREFIX, ':type': EventName.ScoreChanged },
        ScanIndexForward: false,
        Limit: 500,
      },
    );
    // Newest first, score changes only; a few pages at most for an admin read.
    let pagesRead = 0;
    for await (const result of pages) {
      for (const item of result.Items ?? []) {
        const event = parseEvent(item);
        if (event.type !== EventName.ScoreChanged) continue;
        const { total, fit, behaviour, ruleIds, cause } = event.data;
        changes.push({ at: event.occurredAt, total, fit, behaviour, ruleIds, ...(cause ? { cause } : {}) });
      }
      if (++pagesRead === 5 || changes.length >= limit) break;
    }
    return changes.slice(0, limit);
  }
}

export interface ReadScoreDeps {
  readonly reader: ScoreReader;
  readonly rules: ScoringRules;
  readonly lifecycle: Lifecycle;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * `GET /contacts/{contactId}/score`: "why is this lead 72?". The score now (behaviour decayed to this moment),
 * every contributing rule with its points and when, the stage, and the recent score history.
 */
export const makeReadScore =
  (deps: ReadScoreDeps) =>
  async (event: HttpEvent): Promise<HttpResult> => {
    const contactId = event.pathParameters?.contactId ?? '';
    const contact = contactId ? await deps.reader.contact(contactId) : undefined;
    if (!contact) throw new NotFound('No such contact');
    const now = deps.clock.now();
    const score = contact.score ?? initialScore(deps.rules, contact, now.toISOString());
    const explanation = explain(deps.rules, score, now);
    const stage = contact.stage ?? deps.lifecycle.initial;
    return json(200, {
      contactId,
      stage: { id: stage, label: stageLabel(deps.lifecycle, stage), ...(contact.stageChangedAt ? { since: contact.stageChangedAt } : {}) },
      score: { total: explanation.total, fit: explanation.fit, behaviour: explanation.behaviour, version: explanation.version, asOf: explanation.asOf },
      rulesVersion: deps.rules.version,
      contributions: explanation.lines,
      history: await deps.reader.history(contactId, HISTORY),
      ...(contact.crm ? { crm: contact.crm } : {}),
    });
  };

export function makeReadScoreHandler(deps: ReadScoreDeps) {
  return httpHandler(makeReadScore(deps), {
    logger: deps.logger,
    responseHeaders: () => ({ 'cache-control': 'no-store' }),
    middlewares: [requireAccess()],
  });
}
