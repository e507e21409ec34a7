import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { functions } from '../functions';
import { NurtureFunction } from '../shared/nurture-function';

export interface ExperimentsProps {
  readonly table: ITableV2;
}

/**
 * The experiments' API: `GET /experiments` and `GET /experiments/{id}`. The counters they read are written by the
 * reactor (functions/experiments/domain/counting.ts, in the processed marker's transaction).
 */
export class Experiments extends Construct {
  public readonly experiments: NurtureFunction;

  constructor(scope: Construct, id: string, props: ExperimentsProps) {
    super(scope, id);
    this.experiments = new NurtureFunction(this, 'Experiments', {
      definition: functions.experiments,
      resources: { table: props.table },
    });
  }
}
