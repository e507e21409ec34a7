import type { ViewProps } from '../app';
import { Page } from '../components/page';

export function AuditView(_props: ViewProps) {
  return <Page title="Audit">{null}</Page>;
}
