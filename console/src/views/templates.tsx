import type { ViewProps } from '../app';
import { Page } from '../components/page';

export function TemplatesView(_props: ViewProps) {
  return <Page title="Templates">{null}</Page>;
}

export function TemplateView(_props: ViewProps) {
  return <Page title="Template">{null}</Page>;
}
