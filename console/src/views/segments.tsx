import type { ViewProps } from '../app';
import { Page } from '../components/page';

export function SegmentsView(_props: ViewProps) {
  return <Page title="Segments">{null}</Page>;
}

export function SegmentView(_props: ViewProps) {
  return <Page title="Segment">{null}</Page>;
}
