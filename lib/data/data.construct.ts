import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  Billing,
  ProjectionType,
  StreamViewType,
  TableEncryptionV2,
  TableV2,
} from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { tableDefinition } from './table-definition';

export interface DataProps {
  /**
   * Whether DynamoDB refuses to delete the table. Only worth turning off for a throwaway stack.
   *
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * Point-in-time recovery (any second of the last 35 days can be restored to a new table). Costs about a fifth of
   * the table's storage price; a dev stack can do without.
   *
   * @default true
   */
  readonly pointInTimeRecovery?: boolean;
}

/**
 * The single table holding contacts, timelines and counters, built from the same {@link tableDefinition} the
 * local runtime uses. Its stream (new images only) is what drives the reactor.
 */
export class Data extends Construct {
  public readonly table: TableV2;

  constructor(scope: Construct, id: string, props: DataProps = {}) {
    super(scope, id);

    // TableV2 rather than Table: its stream grant names the stream ARN, where Table grants dynamodb:ListStreams
    // on "*" to every stream consumer.
    this.table = new TableV2(this, 'Table', {
      // Both keys are strings, as createTableInput declares them for DynamoDB Local; tests/infra checks they match.
      partitionKey: { name: tableDefinition.partitionKey, type: AttributeType.STRING },
      sortKey: { name: tableDefinition.sortKey, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      dynamoStream: StreamViewType[tableDefinition.streamViewType],
      globalSecondaryIndexes: tableDefinition.globalSecondaryIndexes.map((index) => ({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        projectionType: ProjectionType.ALL,
      })),
      timeToLiveAttribute: tableDefinition.timeToLiveAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: props.pointInTimeRecovery ?? true },
      encryption: TableEncryptionV2.awsManagedKey(),
      deletionProtection: props.deletionProtection ?? true,
      // Contacts and their history outlive any one stack: deleting the stack must not delete the data.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
