import type { ViewProps } from '../app';
import { Page } from '../components/page';

export function JourneysView(_props: ViewProps) {
  return <Page title="Journeys">{null}</Page>;
}

export function JourneyView(_props: ViewProps) {
  return <Page title="Journey">{null}</Page>;
}
