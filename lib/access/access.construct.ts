import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { functions } from '../functions';
import { NurtureFunction } from '../shared/nurture-function';

export interface AccessProps {
  /** The single table: API keys are items in it (functions/shared/keys.ts). */
  readonly table: ITableV2;
  /** The bootstrap admin token: accepted on the keys routes only, to create the first key. */
  readonly adminToken: ISecret;
}

/**
 * Scoped API keys: the Lambda authorizer the API runs before every private route (lib/api/api.construct.ts wires
 * it), and the keys API (`POST /keys`, `GET /keys`, `DELETE /keys/{keyId}`).
 */
export class Access extends Construct {
  /** Checks the API key and the route's scope; the API's authorizer. */
  public readonly authorizer: NurtureFunction;
  /** Creates, lists and revokes keys; the api construct integrates it. */
  public readonly keysApi: NurtureFunction;

  constructor(scope: Construct, id: string, props: AccessProps) {
    super(scope, id);
    this.authorizer = new NurtureFunction(this, 'Authorizer', {
      definition: functions.authorizer,
      resources: { table: props.table, adminToken: props.adminToken },
    });
    this.keysApi = new NurtureFunction(this, 'KeysApi', { definition: functions.keysApi, resources: { table: props.table } });
  }
}
