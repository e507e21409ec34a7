import { CfnOutput } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { functions } from '../functions';
import { NurtureFunction } from '../shared/nurture-function';

export interface ContactsProps {
  /** The single table; contacts and their timelines are read from it. */
  readonly table: ITableV2;
}

/**
 * Read access to contacts for operators and internal tools, `GET /contacts[/{contactId}]`, guarded by a static
 * bearer token that the handler compares with the admin-token secret.
 */
export class Contacts extends Construct {
  /** Serves every contacts route; the api construct integrates it. */
  public readonly readContacts: NurtureFunction;
  /** `PUT /contacts`: the upsert (functions/contacts/upsert-contact.ts). */
  public readonly upsertContact: NurtureFunction;
  /** `POST /contacts/import`: batches of import rows, each upserted as `PUT /contacts` does (functions/contacts/import-contacts.ts). */
  public readonly importContacts: NurtureFunction;
  /** Holds the admin bearer token as its plain secret string. */
  public readonly adminToken: Secret;
  /** Name of the admin-token secret, for `aws secretsmanager get-secret-value --secret-id`. */
  public readonly adminTokenSecretName: string;
  /** The HMAC key of the suppression list: erased people's addresses are kept only as its keyed hashes. */
  public readonly suppressionKey: Secret;

  constructor(scope: Construct, id: string, props: ContactsProps) {
    super(scope, id);

    this.adminToken = new Secret(this, 'AdminToken', {
      description: 'Bearer token for the Nurture contacts API (Authorization: Bearer <value>)',
      // Letters and digits only, so the value can be pasted into a header or a shell without quoting.
      generateSecretString: { excludePunctuation: true, passwordLength: 40 },
    });
    NagSuppressions.addResourceSuppressions(this.adminToken, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'A static bearer token that operators hand to their tools; rotating it automatically would lock those ' +
          'tools out. Operators rotate it by hand (put-secret-value); the handler reads it once per cold start, so ' +
          'new instances use the new value (publish a new function version to switch every instance at once).',
      },
    ]);

    this.suppressionKey = new Secret(this, 'SuppressionKey', {
      description: 'Nurture: HMAC key of the suppression list of erased contacts (keyed hashes of their addresses)',
      generateSecretString: { excludePunctuation: true, passwordLength: 48 },
    });
    NagSuppressions.addResourceSuppressions(this.suppressionKey, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'Every suppressed address is stored as its HMAC under this key: a rotated key would no longer recognise ' +
          'any erased person, so it must not rotate on a schedule.',
      },
    ]);

    this.readContacts = new NurtureFunction(this, 'ReadContacts', {
      definition: functions.readContacts,
      resources: { table: props.table, adminToken: this.adminToken },
    });

    this.upsertContact = new NurtureFunction(this, 'UpsertContact', {
      definition: functions.upsertContact,
      resources: { table: props.table, adminToken: this.adminToken, suppressionKey: this.suppressionKey },
    });

    this.importContacts = new NurtureFunction(this, 'ImportContacts', {
      definition: functions.importContacts,
      resources: { table: props.table, adminToken: this.adminToken, suppressionKey: this.suppressionKey },
    });

    this.adminTokenSecretName = this.adminToken.secretName;
    new CfnOutput(this, 'AdminTokenSecretNameOutput', {
      description: 'Secret holding the contacts API bearer token (read it with get-secret-value)',
      value: this.adminTokenSecretName,
    });
  }
}
