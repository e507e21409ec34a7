import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { functions } from '../functions';
import { NurtureFunction } from '../shared/nurture-function';

export interface ReportsProps {
  readonly table: ITableV2;
}

/**
 * The reports' API: `GET /reports/{name}` and `PUT /programs/{id}/costs`. The counters they read are written by
 * the reactor (functions/reports/domain/counters.ts, in the processed marker's transaction).
 */
export class Reports extends Construct {
  public readonly reports: NurtureFunction;

  constructor(scope: Construct, id: string, props: ReportsProps) {
    super(scope, id);
    this.reports = new NurtureFunction(this, 'Reports', {
      definition: functions.reports,
      resources: { table: props.table },
    });
  }
}
