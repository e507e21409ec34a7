import { beforeAll, describe, expect, it } from 'vitest';
import { GAUGE_DAY, ReportMetric, attr, leadsByMetric, monthlyMetric, shardsOf } from '../../functions/reports/domain/counters';
import { journeys } from '../../functions/journeys/journeys';
import { countUpdate } from '../../functions/reports/dynamo-report-state';
import { DynamoMetrics } from '../../functions/reports/dynamo-metrics';
import { DynamoPrograms } from '../../functions/reports/dynamo-programs';
import { makeGetReportHandler } from '../../functions/reports/get-report';
import { makePutProgramCostsHandler } from '../../functions/reports/programs';
import { ReportQuery, runReport } from '../../functions/reports/reports';
import { metricValueSk } from '../../functions/shared/keys';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { bodyOf, httpEvent, lambdaContext, memoryLogger } from '../support/http';
import { createTestTable, type TestTable } from '../support/table';

const TOKEN = 'reports-test-token-0123456789';
let table: TestTable;
let getReport: ReturnType<typeof makeGetReportHandler>;
let putCosts: ReturnType<typeof makePutProgramCostsHandler>;

async function count(metric: string, day: string, counts: Record<string, number>, shard = 0) {
  await table.documentClient.send(new UpdateCommand({ TableName: table.tableName, ...countUpdate({ type: 'CountMetric', metric, day, shard, counts }) }));
}

const get = (name: string, query: Record<string, string>, token = TOKEN) =>
  getReport(
    httpEvent({ routeKey: 'GET /reports/{name}', path: `/reports/${name}`, pathParameters: { name }, query, headers: token ? { authorization: `Bearer ${token}` } : {} }),
    lambdaContext(),
  );

beforeAll(async () => {
  table = await createTestTable();
  const programs = new DynamoPrograms(table.documentClient, table.tableName);
  const logger = memoryLogger();
  getReport = makeGetReportHandler({
    metrics: new DynamoMetrics(table.documentClient, table.tableName),
    programs,
    funnel: { stages: ['subscriber', 'lead', 'mql'], sideStages: ['recycled'] },
    logger,
  });
  putCosts = makePutProgramCostsHandler({ programs, logger });
  await count(ReportMetric.leads, '2026-10-01', { new: 3, 'stage/mql': 1, 'stage/mql/journey/budget-router': 1 });
  await count(ReportMetric.leads, '2026-10-09', { new: 2 });
  await count(ReportMetric.email, '2026-10-01', { 'budget-router/nurture-1/nurture-1/sent': 4, 'budget-router/nurture-1/nurture-1/delivered': 4 }, 0);
  await count(ReportMetric.email, '2026-10-01', { 'budget-router/nurture-1/nurture-1/sent': 6, 'budget-router/nurture-1/nurture-1/uniqueOpens': 2 }, 3);
});

describe('GET /reports/{name}', () => {
  it('answers a report as a table over the range, shards summed, not cached', async () => {
    const result = await get('leads', { from: '2026-10-01', to: '2026-10-14', granularity: 'week' });

    expect(result.statusCode).toBe(200);
    expect(result.headers['cache-control']).toBe('no-store');
    expect(bodyOf(result)).toEqual({
      report: 'leads',
      from: '2026-10-01',
      to: '2026-10-14',
      granularity: 'week',
      columns: ['period', 'new', 'reopened', 'mql', 'sql', 'opportunity', 'customer'],
      rows: [
        ['2026-09-28', 3, 0, 1, 0, 0, 0],
        ['2026-10-05', 2, 0, 0, 0, 0, 0],
        ['2026-10-12', 0, 0, 0, 0, 0, 0],
      ],
    });
    const email = bodyOf(await get('email', { from: '2026-10-01', to: '2026-10-01' }));
    expect((email.rows as unknown[][])[0]!.slice(0, 5)).toEqual(['budget-router', 'nurture-1', 'nurture-1', 10, 4]);
  });

  it('sums the shards of the month items every new lead writes (funnel, lead scores)', async () => {
    await count(monthlyMetric(ReportMetric.funnel), '2026-08-01', { 'entered/subscriber': 2 }, 0);
    await count(monthlyMetric(ReportMetric.funnel), '2026-08-01', { 'entered/subscriber': 3 }, shardsOf(ReportMetric.funnel) - 1);
    await count(ReportMetric.leadScores, '2026-08-01', { b0: 1 }, 0);
    await count(ReportMetric.leadScores, '2026-08-01', { b0: 1, b2: 3 }, shardsOf(ReportMetric.leadScores) - 1);

    const funnel = bodyOf(await get('funnel', { from: '2026-08-01', to: '2026-08-31' }));
    const scores = bodyOf(await get('lead-scores', { from: '2026-08-01', to: '2026-08-31' }));

    expect((funnel.rows as unknown[][])[0]!.slice(0, 2)).toEqual(['subscriber', 5]);
    expect((scores.rows as unknown[][])[0]!.slice(0, 2)).toEqual(['2026-08', 5]);
  });

  it('answers email per day when asked for a granularity, and refuses a cost report by week, naming it', async () => {
    const email = bodyOf(await get('email', { from: '2026-10-01', to: '2026-10-02', granularity: 'day' }));
    const refused = await get('cost', { from: '2026-10-01', to: '2026-10-31', granularity: 'week' });

    expect(email.columns).toEqual(expect.arrayContaining(['period', 'journey', 'sent']));
    expect((email.rows as unknown[][]).map((row) => row.slice(0, 5))).toEqual([['2026-10-01', 'budget-router', 'nurture-1', 'nurture-1', 10]]);
    expect(refused.statusCode).toBe(400);
    expect(bodyOf(refused).message).toMatch(/cost report/);
  });

  it('answers leads by source from the per-value items, a value with a slash or a hash as one row', async () => {
    await count(leadsByMetric('source'), metricValueSk('2026-10-01', 'google'), { new: 2, 'stage/mql/first': 1 });
    await count(leadsByMetric('source'), metricValueSk('2026-10-02', 'a/b#c'), { new: 1 });
    await count(monthlyMetric(leadsByMetric('source')), metricValueSk('2026-10-01', 'google'), { new: 2, 'stage/mql/first': 1 });
    await count(monthlyMetric(leadsByMetric('source')), metricValueSk('2026-10-01', 'a/b#c'), { new: 1 });

    const daily = bodyOf(await get('leads', { from: '2026-10-01', to: '2026-10-02', by: 'source' }));
    const monthly = bodyOf(await get('leads', { from: '2026-10-01', to: '2026-10-31', by: 'source', granularity: 'month' }));

    expect(daily.rows).toEqual([
      ['2026-10-01', 'google', 2, 1, 0, 0, 0],
      ['2026-10-02', 'a/b#c', 1, 0, 0, 0, 0],
    ]);
    expect(monthly.rows).toEqual([
      ['2026-10', 'a/b#c', 1, 0, 0, 0, 0],
      ['2026-10', 'google', 2, 1, 0, 0, 0],
    ]);
  });

  it('exports CSV', async () => {
    const result = await get('leads', { from: '2026-10-01', to: '2026-10-02', format: 'csv' });

    expect(result.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(result.body).toBe('period,new,reopened,mql,sql,opportunity,customer\r\n2026-10-01,3,0,1,0,0,0\r\n2026-10-02,0,0,0,0,0,0\r\n');
  });

  it('refuses without a key, an unknown report and a bad range', async () => {
    expect((await get('leads', { from: '2026-10-01', to: '2026-10-02' }, '')).statusCode).toBe(401);
    expect((await get('nope', { from: '2026-10-01', to: '2026-10-02' })).statusCode).toBe(404);
    const bad = await get('leads', { from: '2026-10-05', to: '2026-10-02' });
    expect(bad.statusCode).toBe(400);
    expect(bodyOf(bad).error).toBe('invalid_query');
  });

  it('divides program costs entered through PUT /programs/{id}/costs by the attributed MQLs', async () => {
    const put = await putCosts(
      httpEvent({
        routeKey: 'PUT /programs/{id}/costs',
        path: '/programs/nurture/costs',
        pathParameters: { id: 'nurture' },
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ label: 'Nurture program', journey: 'budget-router', costs: [{ month: '2026-10', kind: 'labour', amount: 800 }] }),
      }),
      lambdaContext(),
    );
    expect(put.statusCode).toBe(200);

    expect(bodyOf(await get('cost', { from: '2026-10-01', to: '2026-10-31' })).rows).toEqual([['nurture', 'Nurture program', 800, 1, 800, 0]]);
    expect(bodyOf(await get('cost', { from: '2026-09-15', to: '2026-10-31', granularity: 'month' })).rows).toEqual([
      ['2026-09', 'nurture', 'Nurture program', 0, 0, null, 0],
      ['2026-10', 'nurture', 'Nurture program', 800, 1, 800, 0],
    ]);
  });

  it('adds the programs of content/programs.yaml to the cost report, costs from the API winning for the same program and month', async () => {
    const report = await runReport('cost', ReportQuery.parse({ from: '2026-10-01', to: '2026-10-31' }), {
      metrics: new DynamoMetrics(table.documentClient, table.tableName),
      programs: new DynamoPrograms(table.documentClient, table.tableName),
      filePrograms: [
        { id: 'nurture', label: 'From file', journey: 'budget-router', costs: [{ month: '2026-10', kind: 'tools', amount: 999 }] },
        { id: 'webinar-ads', campaign: 'webinar', costs: [{ month: '2026-10', kind: 'ads', amount: 450 }] },
      ],
      funnel: { stages: [], sideStages: [] },
    });

    expect(report.rows).toEqual([
      ['nurture', 'Nurture program', 800, 1, 800, 0],
      ['webinar-ads', 'webinar-ads', 450, 0, null, 0],
    ]);
  });

  it('shows the contacts active in a journey at the wait they sit in, when the journeys are known', async () => {
    // Prepare: the step gauge as the reactor leaves it (marks at the emails), spread over the two shards
    await count(ReportMetric.journeySteps, GAUGE_DAY, { [attr('budget-router', 'nurture-1')]: 3, [attr('budget-router', 'start')]: 1 }, 0);
    await count(ReportMetric.journeySteps, GAUGE_DAY, { [attr('budget-router', 'nurture-1')]: 2, [attr('budget-router', 'nurture-2')]: 1 }, 1);
    const deps = {
      metrics: new DynamoMetrics(table.documentClient, table.tableName),
      programs: new DynamoPrograms(table.documentClient, table.tableName),
      funnel: { stages: [], sideStages: [] },
    };
    const query = ReportQuery.parse({ from: '2026-10-01', to: '2026-10-01' });

    // Act
    const placed = await runReport('journeys', query, { ...deps, journeys });
    const marked = await runReport('journeys', query, deps);

    // Assess: columns … active, activeBySteps
    const row = (table: { rows: readonly (readonly unknown[])[] }) => table.rows.find((r) => r[0] === 'budget-router')!.slice(-2);
    expect(row(placed)).toEqual([7, 'start:1, wait-click-1:5, wait-click-2:1']);
    expect(row(marked)).toEqual([7, 'nurture-1:5, nurture-2:1, start:1']);
  });

  it('answers the journeys report by version as CSV: a row per journey and version, whole months and the days around them summed', async () => {
    // Prepare: October read from its month item, 1 November from its day, the gauge over both shards
    await count(monthlyMetric(ReportMetric.journeyVersions), '2026-10-01', { [attr('welcome', 'a1b2c3d4', 'entered')]: 5, [attr('welcome', 'unversioned', 'exited', 'drained')]: 2 });
    await count(ReportMetric.journeyVersions, '2026-11-01', { [attr('welcome', 'a1b2c3d4', 'entered')]: 1, [attr('welcome', 'a1b2c3d4', 'migratedIn')]: 3 }, 1);
    await count(ReportMetric.journeyVersionGauge, GAUGE_DAY, { [attr('welcome', 'a1b2c3d4')]: 4 }, 0);
    await count(ReportMetric.journeyVersionGauge, GAUGE_DAY, { [attr('welcome', 'a1b2c3d4')]: -1 }, 1);

    // Act
    const result = await get('journeys', { from: '2026-10-01', to: '2026-11-01', by: 'version', format: 'csv' });

    // Assess
    expect(result.statusCode).toBe(200);
    const [head, ...lines] = String(result.body).trim().split('\r\n');
    const columns = head!.split(',');
    const rows = lines.map((line) => Object.fromEntries(line.split(',').map((cell, i) => [columns[i], cell])));
    expect(columns.slice(0, 3)).toEqual(['journey', 'version', 'entered']);
    expect(rows.map((r) => [r.journey, r.version, r.entered, r['exited:drained'], r.migratedIn, r.running])).toEqual([
      ['welcome', 'a1b2c3d4', '6', '0', '3', '3'],
      ['welcome', 'unversioned', '0', '2', '0', '0'],
    ]);
  });

  it('answers 400 to a journeys report by a lead dimension, and to leads by version', async () => {
    const journeysBySource = await get('journeys', { from: '2026-10-01', to: '2026-10-31', by: 'source' });
    const leadsByVersion = await get('leads', { from: '2026-10-01', to: '2026-10-31', by: 'version' });

    expect([journeysBySource.statusCode, bodyOf(journeysBySource).error]).toEqual([400, 'unsupported_by']);
    expect([leadsByVersion.statusCode, bodyOf(leadsByVersion).error]).toEqual([400, 'unsupported_by']);
  });
});
