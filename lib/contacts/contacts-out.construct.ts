import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { functions } from '../functions';
import { NurtureFunction } from '../shared/nurture-function';

export interface ContactsOutProps {
  /** The single table: everything held about a contact is read and deleted there. */
  readonly table: ITableV2;
  /** The suppression list's HMAC key (the contacts construct's). */
  readonly suppressionKey: ISecret;
  /** The CRM settings (the CRM construct's): an erase GDPR-deletes the HubSpot record when they ask for it. */
  readonly crmSettings: ISecret;
  /** ARN prefix of the journey state machines, and of their executions: an erase stops the contact's. */
  readonly journeyStateMachineArnPrefix: string;
  readonly journeyExecutionArnPrefix: string;
}

/**
 * A contact's data out of Nurture: `GET /contacts/{contactId}/export` and `DELETE /contacts/{contactId}` (GDPR
 * art. 15 and 17). Apart from the contacts construct because an erase stops journeys, which exist only after it.
 */
export class ContactsOut extends Construct {
  /** Serves both routes; the api construct integrates it. */
  public readonly contactsOut: NurtureFunction;

  constructor(scope: Construct, id: string, props: ContactsOutProps) {
    super(scope, id);
    this.contactsOut = new NurtureFunction(this, 'ContactsOut', {
      definition: functions.contactsOut,
      resources: {
        table: props.table,
        suppressionKey: props.suppressionKey,
        crmSecret: props.crmSettings,
        journeyStateMachineArnPrefix: props.journeyStateMachineArnPrefix,
        journeyExecutionArnPrefix: props.journeyExecutionArnPrefix,
      },
    });
  }
}
