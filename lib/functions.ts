import { timelineInsertFilter } from '../functions/reactor/stream-filter';
import type { FunctionDefinition, HttpRouteDefinition } from './shared/function-definition';

/**
 * Every function, declared once: its handler module, what triggers it and what it needs. The CDK constructs
 * deploy these, the local runtime loads and invokes them by key, the bench bundles them and the infra tests
 * check the deployed result against them. Adding a function is adding an entry here.
 */
export const functions = {
  submitForm: {
    entry: 'functions/forms/submit-form.handler.ts',
    description: 'Accepts a form submission and appends it to the contact timeline',
    trigger: {
      kind: 'http',
      routes: [
        { routeKey: 'POST /forms/{formId}', auth: 'public' },
        { routeKey: 'OPTIONS /forms/{formId}', auth: 'public' },
      ],
    },
    // A consistent read of the email claim, then one TransactWriteItems of Put/Update/ConditionCheck; a
    // transaction is authorized per action it contains.
    bindings: { table: { actions: ['GetItem', 'PutItem', 'UpdateItem', 'ConditionCheckItem'] } },
  },
  readContacts: {
    entry: 'functions/contacts/read-contacts.handler.ts',
    description: 'Reads one contact, by id or by email, with its timeline',
    trigger: {
      kind: 'http',
      routes: [
        { routeKey: 'GET /contacts', auth: 'admin' },
        { routeKey: 'GET /contacts/{contactId}', auth: 'admin' },
      ],
    },
    // GetItem for a profile or an email claim, Query for a contact's timeline.
    bindings: { table: { actions: ['GetItem', 'Query'] }, adminToken: true },
  },
  reactor: {
    entry: 'functions/reactor/reactor.handler.ts',
    description: 'Applies the rules to new timeline events: metric counters, journey enrolment',
    trigger: { kind: 'stream', filter: timelineInsertFilter },
    // One consistent BatchGetItem (marker + profile), then one TransactWriteItems of Updates.
    bindings: { table: { actions: ['BatchGetItem', 'UpdateItem'] }, startJourneys: true },
    // A batch of up to 100 events, each a read, maybe a Step Functions call and a small transaction.
    timeoutSeconds: 30,
  },
} as const satisfies Record<string, FunctionDefinition>;

export type FunctionKey = keyof typeof functions;

export const functionKeys = Object.keys(functions) as FunctionKey[];

/** A registry entry, widened to the general shape (optional limits and all trigger kinds). */
export function definitionOf(key: FunctionKey): FunctionDefinition {
  return functions[key];
}

export interface Route extends HttpRouteDefinition {
  readonly function: FunctionKey;
}

/** Every HTTP route with the function that serves it: the HTTP API and the local gateway are built from this. */
export const routes: readonly Route[] = functionKeys.flatMap((key) => {
  const { trigger } = definitionOf(key);
  return trigger.kind === 'http' ? trigger.routes.map((route) => ({ ...route, function: key })) : [];
});

/** Functions by trigger kind. */
export function functionsTriggeredBy(kind: FunctionDefinition['trigger']['kind']): FunctionKey[] {
  return functionKeys.filter((key) => definitionOf(key).trigger.kind === kind);
}
