import type { ViewProps } from '../app';
import { Page } from '../components/page';

export function ContactsView(_props: ViewProps) {
  return <Page title="Contacts">{null}</Page>;
}
