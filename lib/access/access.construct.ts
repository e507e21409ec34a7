import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { functions } from '../functions';
import { NurtureFunction } from '../shared/nurture-function';
import { ConsoleUsers } from './console-users.construct';

export interface AccessProps {
  /** The single table: API keys are items in it (functions/shared/keys.ts). */
  readonly table: ITableV2;
  /** The bootstrap admin token: accepted on the keys routes only, to create the first key. */
  readonly adminToken: ISecret;
  /** Second factor at console sign-in (nurture.config.yaml `console.mfa`). */
  readonly consoleMfa: 'off' | 'optional' | 'required';
  /** Keep the console users' pool when the stack is deleted (prod). @default false */
  readonly retainConsoleUsers?: boolean;
}

/**
 * Scoped API keys and people's console sign-in: the Lambda authorizer the API runs before every private route (lib/api/api.construct.ts wires
 * it), and the keys API (`POST /keys`, `GET /keys`, `DELETE /keys/{keyId}`).
 */
export class Access extends Construct {
  /** Checks the API key and the route's scope; the API's authorizer. */
  public readonly authorizer: NurtureFunction;
  /** Creates, lists and revokes keys; the api construct integrates it. */
  public readonly keysApi: NurtureFunction;
  /** `GET /me` and `GET /audit`. */
  public readonly consoleApi: NurtureFunction;
  /** The people who sign in to the console, and their roles. */
  public readonly consoleUsers: ConsoleUsers;

  constructor(scope: Construct, id: string, props: AccessProps) {
    super(scope, id);
    this.consoleUsers = new ConsoleUsers(this, 'ConsoleUsers', { mfa: props.consoleMfa, retain: props.retainConsoleUsers ?? false });
    const consoleSignIn = { issuer: this.consoleUsers.issuer, jwksUri: this.consoleUsers.jwksUri, clientId: this.consoleUsers.client.userPoolClientId };
    this.authorizer = new NurtureFunction(this, 'Authorizer', {
      definition: functions.authorizer,
      resources: { table: props.table, adminToken: props.adminToken, consoleSignIn },
    });
    this.keysApi = new NurtureFunction(this, 'KeysApi', { definition: functions.keysApi, resources: { table: props.table } });
    this.consoleApi = new NurtureFunction(this, 'ConsoleApi', { definition: functions.consoleApi, resources: { table: props.table } });
  }
}
