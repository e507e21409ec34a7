import { documentClient } from '../shared/aws';
import { environmentFor } from '../shared/environment';
import { createLogger } from '../shared/logger';
import { journeys } from '../journeys/journeys';
import { lifecycle } from '../scoring/domain/content';
import type { HttpEvent } from '../shared/http';
import { DynamoMetrics } from './dynamo-metrics';
import { DynamoPrograms } from './dynamo-programs';
import { makeGetReportHandler } from './get-report';
import { filePrograms } from './program-content';
import { makePutProgramCostsHandler } from './programs';

const env = environmentFor('reports');

const logger = createLogger('reports');
const programs = new DynamoPrograms(documentClient, env.TABLE_NAME);

const getReport = makeGetReportHandler({
  metrics: new DynamoMetrics(documentClient, env.TABLE_NAME),
  programs,
  filePrograms,
  funnel: { stages: lifecycle.stages.map((stage) => stage.id), sideStages: lifecycle.sideStages.map((stage) => stage.id) },
  journeys,
  logger,
});
const putCosts = makePutProgramCostsHandler({ programs, logger });

/** `GET /reports/{name}` and `PUT /programs/{id}/costs`. */
export const handler = (event: HttpEvent, context: Parameters<typeof getReport>[1]) =>
  event.routeKey === 'PUT /programs/{id}/costs' ? putCosts(event, context) : getReport(event, context);
