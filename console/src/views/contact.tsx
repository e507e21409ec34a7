import type { ViewProps } from '../app';
import { Page } from '../components/page';

export function ContactView(_props: ViewProps) {
  return <Page title="Contact">{null}</Page>;
}
