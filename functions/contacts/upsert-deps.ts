import { documentClient } from '../shared/aws';
import { clock } from '../shared/clock';
import { createLogger } from '../shared/logger';
import { suppressionKeyFromEnv } from '../shared/suppression-key';
import { disposableDomains } from '../forms/disposable-domains';
import { lifecycle } from '../scoring/domain/content';
import { attributeFields, emailTopics } from './attribute-fields';
import { DynamoContactUpserts } from './dynamo-upsert';
import type { UpsertingDeps } from './upsert';

/**
 * The upsert's writer and checks, the clock and the contacts logger for a handler's environment, built once per cold start: `PUT /contacts`, imports and
 * enrolments that create contacts write through the same upsert, which refuses erased addresses (the suppression key).
 */
export function upsertingFrom(env: {
  readonly TABLE_NAME: string;
  readonly SUPPRESSION_KEY_SECRET_ARN?: string;
  readonly SUPPRESSION_KEY?: string;
  /** Set for functions that bind the environment's retention; others keep the upsert's default. */
  readonly IDEMPOTENCY_RETENTION_DAYS?: string;
}): UpsertingDeps {
  return {
    upserts: new DynamoContactUpserts(documentClient, env.TABLE_NAME, lifecycle.initial, suppressionKeyFromEnv(env), env.IDEMPOTENCY_RETENTION_DAYS ? Number(env.IDEMPOTENCY_RETENTION_DAYS) : undefined),
    rules: { fields: attributeFields(), topics: emailTopics, isDisposable: disposableDomains() },
    clock,
    logger: createLogger('contacts'),
  };
}
