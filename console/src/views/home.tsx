import type { ViewProps } from '../app';
import { Page } from '../components/page';

export function HomeView(_props: ViewProps) {
  return <Page title="Home">{null}</Page>;
}
