import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { functions } from '../functions';
import { NurtureFunction } from '../shared/nurture-function';

export interface SegmentsProps {
  readonly table: ITableV2;
}

/**
 * Segments: membership itself is kept by the reactor (functions/segments/capability.ts, in the processed marker's
 * transaction); this construct deploys the segments API (`GET /segments`, `GET /segments/{segmentId}` and
 * `GET /segments/{segmentId}/members`), the preview of a segment file (`POST /segments/preview`) and the sweep that re-evaluates contacts whose time windows end.
 */
export class Segments extends Construct {
  public readonly segmentsApi: NurtureFunction;
  public readonly segmentSweep: NurtureFunction;
  /** `POST /segments/preview`: a segment file checked and evaluated before it is committed. */
  public readonly segmentPreview: NurtureFunction;

  constructor(scope: Construct, id: string, props: SegmentsProps) {
    super(scope, id);
    this.segmentsApi = new NurtureFunction(this, 'SegmentsApi', {
      definition: functions.segmentsApi,
      resources: { table: props.table },
    });
    this.segmentPreview = new NurtureFunction(this, 'SegmentPreview', { definition: functions.segmentPreview, resources: { table: props.table } });
    this.segmentSweep = new NurtureFunction(this, 'SegmentSweep', { definition: functions.segmentSweep, resources: { table: props.table } });
  }
}
