import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
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

    // The handler reads the email-uniqueness item, then writes contact, uniqueness item and form event in one
    // TransactWriteItems of Put/Update/ConditionCheck; a transaction is authorized per action it contains.
    this.submitForm = new NurtureFunction(this, 'SubmitForm', {
      functionKey: 'submitForm',
      description: 'Accepts a form submission and appends it to the contact timeline',
    }).bindTable(props.table, ['GetItem', 'PutItem', 'UpdateItem', 'ConditionCheckItem']);
  }
}
