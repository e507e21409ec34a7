/**
 * Every HTTP route, declared once. The CDK api construct turns these into HTTP API routes and Lambda
 * integrations; the local gateway matches requests against the same list and calls the same handler module.
 */
export interface RouteDefinition {
  /** `METHOD /path/{param}`, exactly as API Gateway HTTP API route keys are written. */
  readonly routeKey: string;
  /** The Lambda function serving the route, by its key in {@link functionEntries}. */
  readonly function: FunctionKey;
}

/** Handler modules, relative to the repository root; each becomes one Lambda function. */
export const functionEntries = {
  submitForm: 'functions/forms/submit-form.handler.ts',
  readContacts: 'functions/contacts/read-contacts.handler.ts',
  reactor: 'functions/reactor/reactor.handler.ts',
} as const;

export type FunctionKey = keyof typeof functionEntries;

export const routes: readonly RouteDefinition[] = [
  { routeKey: 'POST /forms/{formId}', function: 'submitForm' },
  { routeKey: 'OPTIONS /forms/{formId}', function: 'submitForm' },
  { routeKey: 'GET /contacts', function: 'readContacts' },
  { routeKey: 'GET /contacts/{contactId}', function: 'readContacts' },
];
