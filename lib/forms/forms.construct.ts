import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { functions } from '../functions';
import { NurtureFunction } from '../shared/nurture-function';

export interface FormsProps {
  /** The single table; submissions become contacts and timeline events in it. */
  readonly table: ITableV2;
}

/** Public form submissions from landing pages: `POST /forms/{formId}` and its CORS preflight. */
export class Forms extends Construct {
  /** Serves every forms route; the api construct integrates it. */
  public readonly submitForm: NurtureFunction;

  constructor(scope: Construct, id: string, props: FormsProps) {
    super(scope, id);

    this.submitForm = new NurtureFunction(this, 'SubmitForm', {
      definition: functions.submitForm,
      resources: { table: props.table },
    });
  }
}
