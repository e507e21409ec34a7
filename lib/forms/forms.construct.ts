import { CfnOutput } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { functions } from '../functions';
import { NurtureFunction } from '../shared/nurture-function';

export interface FormsProps {
  /** The single table; submissions become contacts and timeline events in it. */
  readonly table: ITableV2;
  /** The suppression list's HMAC key (the contacts construct's): an erased address needs fresh consent. */
  readonly suppressionKey: ISecret;
}

/**
 * Public form submissions from landing pages: `POST /forms/{formId}` and its CORS preflight, the snippet's
 * `GET /forms/{formId}/config` and `GET /embed.js`.
 */
export class Forms extends Construct {
  /** Serves every forms route; the api construct integrates it. */
  public readonly submitForm: NurtureFunction;
  /**
   * `{ signingKey, turnstileSecret?, recaptchaSecret? }`: the HMAC key of render and visitor tokens (generated),
   * and the captcha providers' secret keys, which operators add when a form uses a captcha: only `signingKey` is
   * generated, and the forms function refuses to start while a form's captcha has no secret key here.
   */
  public readonly secrets: Secret;

  constructor(scope: Construct, id: string, props: FormsProps) {
    super(scope, id);

    this.secrets = new Secret(this, 'FormSecrets', {
      description: 'Nurture forms: HMAC signing key for render/visitor tokens, and captcha secret keys',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({}),
        generateStringKey: 'signingKey',
        excludePunctuation: true,
        passwordLength: 48,
      },
    });
    NagSuppressions.addResourceSuppressions(this.secrets, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'Render tokens live minutes and visitor tokens are re-issued on every post; rotating the signing key by ' +
          'hand (put-secret-value) only logs visitors out of progressive profiling. The captcha secrets are ' +
          "issued by the providers and can only be rotated in their consoles.",
      },
    ]);

    this.submitForm = new NurtureFunction(this, 'SubmitForm', {
      definition: functions.submitForm,
      resources: { table: props.table, formSecrets: this.secrets, suppressionKey: props.suppressionKey },
    });

    new CfnOutput(this, 'FormSecretsNameOutput', {
      description: 'Secret holding the forms signing key; add turnstileSecret / recaptchaSecret to it for captchas',
      value: this.secrets.secretName,
    });
  }
}
