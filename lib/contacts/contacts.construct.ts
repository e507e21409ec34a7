import { CfnOutput, Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type CfnBucket } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { IMPORTS_PREFIX, REPORTS_PREFIX } from '../../functions/contacts/import-bucket';
import { functions } from '../functions';
import { NurtureFunction } from '../shared/nurture-function';

/** How long dropped files and their reports are kept (they hold personal data). */
export const IMPORT_RETENTION_DAYS = 30;

export interface ContactsProps {
  /** The single table; contacts and their timelines are read from it. */
  readonly table: ITableV2;
}

/**
 * Contacts for operators and internal tools: `GET /contacts[/{contactId}]`, `PUT /contacts` and
 * `POST /contacts/import` (guarded by the API's key authorizer, lib/access), the admin-token secret that bootstraps
 * the first API key, and the import bucket, whose dropped files are imported where they land.
 */
export class Contacts extends Construct {
  /** Serves every contacts route; the api construct integrates it. */
  public readonly readContacts: NurtureFunction;
  /** `PUT /contacts`: the upsert (functions/contacts/upsert-contact.ts). */
  public readonly upsertContact: NurtureFunction;
  /** `POST /contacts/{contactId}/unsubscribe`: an operator's unsubscribe on a person's behalf (functions/contacts/unsubscribe-contact.ts). */
  public readonly unsubscribeContact: NurtureFunction;
  /** `POST /contacts/import`: batches of import rows, each upserted as `PUT /contacts` does (functions/contacts/import-contacts.ts). */
  public readonly importContacts: NurtureFunction;
  /** Holds the bootstrap admin token as its plain secret string: it may only manage API keys (`/keys`). */
  public readonly adminToken: Secret;
  /** Name of the admin-token secret, for `aws secretsmanager get-secret-value --secret-id`. */
  public readonly adminTokenSecretName: string;
  /** The HMAC key of the suppression list: erased people's addresses are kept only as its keyed hashes. */
  public readonly suppressionKey: Secret;
  /** Files dropped under `imports/` are imported; their reports are written under `reports/`. */
  public readonly importBucket: Bucket;
  /** Imports a file dropped in the import bucket (functions/contacts/import-file.ts). */
  public readonly importFile: NurtureFunction;

  constructor(scope: Construct, id: string, props: ContactsProps) {
    super(scope, id);

    this.adminToken = new Secret(this, 'AdminToken', {
      description: 'Bootstrap token of the Nurture API: it may only create, list and revoke API keys (/keys)',
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

    this.unsubscribeContact = new NurtureFunction(this, 'UnsubscribeContact', {
      definition: functions.unsubscribeContact,
      resources: { table: props.table },
    });

    this.importContacts = new NurtureFunction(this, 'ImportContacts', {
      definition: functions.importContacts,
      resources: { table: props.table, adminToken: this.adminToken, suppressionKey: this.suppressionKey },
    });

    this.importBucket = new Bucket(this, 'ImportBucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Lists and reports name people: neither is kept longer than it takes to read the report.
      lifecycleRules: [
        { id: 'ExpireImports', prefix: IMPORTS_PREFIX, expiration: Duration.days(IMPORT_RETENTION_DAYS) },
        { id: 'ExpireReports', prefix: REPORTS_PREFIX, expiration: Duration.days(IMPORT_RETENTION_DAYS) },
        { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      // As the table: what was imported outlives the stack; the lifecycle rules empty the bucket anyway.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // S3's own EventBridge switch, set on the bucket itself: the construct's `eventBridgeEnabled` would set it
    // through a custom resource (a Lambda function with a managed-policy role) for what CloudFormation does natively.
    (this.importBucket.node.defaultChild as CfnBucket).notificationConfiguration = {
      eventBridgeConfiguration: { eventBridgeEnabled: true },
    };
    NagSuppressions.addResourceSuppressions(this.importBucket, [
      {
        id: 'AwsSolutions-S1',
        reason:
          `Files are dropped by operators and expire after ${IMPORT_RETENTION_DAYS} days; each import is logged by the ` +
          'importFile function with its key and counts, and CloudTrail data events can be turned on for the bucket ' +
          'where an access log is required. Server access logs would keep the object keys longer than the objects.',
      },
    ]);

    this.importFile = new NurtureFunction(this, 'ImportFile', {
      definition: functions.importFile,
      resources: { table: props.table, suppressionKey: this.suppressionKey, importBucket: this.importBucket },
      eventDetail: { bucket: { name: [this.importBucket.bucketName] } },
    });

    this.adminTokenSecretName = this.adminToken.secretName;
    new CfnOutput(this, 'AdminTokenSecretNameOutput', {
      description: 'Secret holding the bootstrap admin token that creates the first API key (read it with get-secret-value)',
      value: this.adminTokenSecretName,
    });
    new CfnOutput(this, 'ImportBucketNameOutput', {
      description: 'Bucket to drop contact lists in: aws s3 cp list.csv s3://<name>/imports/ (reports under reports/)',
      value: this.importBucket.bucketName,
    });
  }
}
