import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { functions } from '../functions';
import { NurtureFunction } from '../shared/nurture-function';

export interface ScoringProps {
  readonly table: ITableV2;
}

/**
 * Lead scoring's own function: `GET /contacts/{contactId}/score`, the explanation of a score. The scoring itself
 * runs in the reactor (functions/scoring/domain/lifecycle-rule.ts), with the rules bundled from content/.
 */
export class Scoring extends Construct {
  public readonly readScore: NurtureFunction;

  constructor(scope: Construct, id: string, props: ScoringProps) {
    super(scope, id);
    this.readScore = new NurtureFunction(this, 'ReadScore', {
      definition: functions.readScore,
      resources: { table: props.table },
    });
  }
}
