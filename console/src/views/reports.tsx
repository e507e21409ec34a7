import type { ViewProps } from '../app';
import { Page } from '../components/page';

export function ReportsView(_props: ViewProps) {
  return <Page title="Reports">{null}</Page>;
}
