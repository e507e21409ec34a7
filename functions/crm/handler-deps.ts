import { documentClient } from '../shared/aws';
import { clock } from '../shared/clock';
import type { EnvironmentOf } from '../shared/environment';
import { createLogger } from '../shared/logger';
import { lifecycle, scoringRules } from '../scoring/domain/content';
import { adapterFor, crmSettingsSource, outboundOptions } from './config';
import { DynamoCrmStore } from './dynamo-crm-store';
import type { CrmHandOffDeps } from './hand-off-task';
import { countingHandOffs } from './hand-off-metrics';
import type { BusinessMetrics } from '../shared/metrics';

/**
 * What the hand-off task and the queue worker are built from, once per cold start, from their environment; their
 * hand-offs are counted in `metrics`.
 */
export function handOffDeps(env: EnvironmentOf<'handOff'> | EnvironmentOf<'crmHandOffWorker'>, service: string, metrics: BusinessMetrics): CrmHandOffDeps {
  const settings = crmSettingsSource(env);
  const outbound = outboundOptions(env);
  return {
    store: countingHandOffs(new DynamoCrmStore(documentClient, env.TABLE_NAME), metrics),
    crm: async () => adapterFor(await settings(), outbound),
    rules: scoringRules,
    lifecycle,
    clock,
    logger: createLogger(service),
  };
}
