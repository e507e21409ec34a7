import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccountRecovery, CfnUserPoolGroup, Mfa, UserPool, type IUserPool, type UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { ROLES } from '../../functions/access/domain/roles';

export interface ConsoleUsersProps {
  /** Second factor at sign-in (nurture.config.yaml `console.mfa`): TOTP apps only, no SMS. */
  readonly mfa: 'off' | 'optional' | 'required';
  /** Keep the pool (and its users) when the stack is deleted, and refuse to delete it. @default false */
  readonly retain?: boolean;
}

/**
 * The people who sign in to the console: a Cognito user pool (sign-in by username, no self sign-up, a strong password
 * policy), one group per role (viewer, marketer, admin: functions/access/domain/roles.ts) and the console's public app
 * client (no secret: it runs in a browser). The API's Lambda authorizer verifies the client's access tokens.
 */
export class ConsoleUsers extends Construct {
  public readonly userPool: IUserPool;
  public readonly client: UserPoolClient;
  /** The `iss` of the pool's tokens, and the URL of their signing keys. */
  public readonly issuer: string;
  public readonly jwksUri: string;

  constructor(scope: Construct, id: string, props: ConsoleUsersProps) {
    super(scope, id);
    const pool = new UserPool(this, 'Pool', {
      // Users are created by an admin (`npm run users -- create`), never by themselves.
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      signInCaseSensitive: false,
      passwordPolicy: { minLength: 14, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true, tempPasswordValidity: Duration.days(3) },
      mfa: { off: Mfa.OFF, optional: Mfa.OPTIONAL, required: Mfa.REQUIRED }[props.mfa],
      ...(props.mfa === 'off' ? {} : { mfaSecondFactor: { otp: true, sms: false } }),
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      deletionProtection: props.retain ?? false,
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.userPool = pool;
    for (const role of ROLES) new CfnUserPoolGroup(this, `Group-${role}`, { userPoolId: pool.userPoolId, groupName: role, description: `Console role ${role}` });
    this.client = pool.addClient('ConsoleClient', {
      userPoolClientName: 'console',
      generateSecret: false,
      authFlows: { userPassword: true, userSrp: true },
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
    });
    this.issuer = `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${pool.userPoolId}`;
    this.jwksUri = `${this.issuer}/.well-known/jwks.json`;
    new CfnOutput(this, 'UserPoolId', { key: 'UserPoolId', value: pool.userPoolId, description: 'Console users: npm run users -- … --aws' });
    new CfnOutput(this, 'ConsoleClientId', { key: 'ConsoleClientId', value: this.client.userPoolClientId, description: "The console's app client" });
    NagSuppressions.addResourceSuppressions(pool, [
      {
        id: 'AwsSolutions-COG2',
        reason: 'MFA is set per environment in nurture.config.yaml (console.mfa; prod: required); dev may leave it optional.',
      },
      {
        id: 'AwsSolutions-COG3',
        reason: 'Advanced security (threat protection) is a paid Plus-tier feature; the pool has a few admin-created staff users and no self sign-up.',
      },
      {
        id: 'AwsSolutions-COG8',
        reason: 'The Plus feature plan (threat protection) costs per user; a few admin-created staff accounts with a strong password policy and TOTP (required in prod) do not need it.',
      },
    ]);
  }
}
