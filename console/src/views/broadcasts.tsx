import type { ViewProps } from '../app';
import { Page } from '../components/page';

export function BroadcastsView(_props: ViewProps) {
  return <Page title="Broadcasts">{null}</Page>;
}

export function NewBroadcastView(_props: ViewProps) {
  return <Page title="NewBroadcast">{null}</Page>;
}

export function BroadcastView(_props: ViewProps) {
  return <Page title="Broadcast">{null}</Page>;
}

export function ExperimentView(_props: ViewProps) {
  return <Page title="Experiment">{null}</Page>;
}
