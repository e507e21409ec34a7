import { CfnOutput } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { ApiMapping, DomainName, type HttpApi, type HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { Construct } from 'constructs';

export interface CustomDomainProps {
  /** The API's public name, e.g. `go.example.com`. */
  readonly name: string;
  /** An ACM certificate for that name, in the stack's region (a regional endpoint). */
  readonly certificateArn: string;
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
}

/**
 * The HTTP API under the operator's own name: links in emails and form posts then carry the brand's domain, not
 * `execute-api`'s. The operator points a CNAME at {@link target} (docs/deploy.md).
 */
export class CustomDomain extends Construct {
  /** `https://<name>/`: the API's public base URL. */
  public readonly url: string;
  /** The regional API Gateway name the DNS record points at. */
  public readonly target: string;

  constructor(scope: Construct, id: string, props: CustomDomainProps) {
    super(scope, id);
    const domainName = new DomainName(this, 'DomainName', {
      domainName: props.name,
      certificate: Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn),
    });
    new ApiMapping(this, 'Mapping', { api: props.httpApi, domainName, stage: props.stage });
    this.url = `https://${props.name}/`;
    this.target = domainName.regionalDomainName;
    new CfnOutput(this, 'Target', { description: `CNAME ${props.name} to this name`, value: this.target });
  }
}
