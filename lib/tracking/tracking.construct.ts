import { CfnOutput } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { functions } from '../functions';
import { NurtureFunction } from '../shared/nurture-function';

export interface TrackingProps {
  /** The single table; tracked events land on contact timelines in it. */
  readonly table: ITableV2;
}

/** The Segment-compatible tracking API, `POST /v1/{track|identify|page|batch}`, authenticated by a write key. */
export class Tracking extends Construct {
  public readonly track: NurtureFunction;
  /** The write key sites send as the Basic-auth username. */
  public readonly writeKey: Secret;

  constructor(scope: Construct, id: string, props: TrackingProps) {
    super(scope, id);

    this.writeKey = new Secret(this, 'WriteKey', {
      description: 'Write key of the Nurture tracking API (the Basic-auth username a Segment SDK sends)',
      generateSecretString: { excludePunctuation: true, passwordLength: 32 },
    });
    NagSuppressions.addResourceSuppressions(this.writeKey, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'A write key is configured into every site and SDK that sends events; rotating it automatically would ' +
          'silently drop their events. Operators rotate it by hand, together with the sites.',
      },
    ]);

    this.track = new NurtureFunction(this, 'Track', {
      definition: functions.track,
      resources: { table: props.table, writeKey: this.writeKey },
    });

    new CfnOutput(this, 'WriteKeySecretNameOutput', {
      description: 'Secret holding the tracking API write key (read it with get-secret-value)',
      value: this.writeKey.secretName,
    });
  }
}
