import { IMPORTS_PREFIX, REPORTS_PREFIX } from '../functions/contacts/import-bucket';
import { timelineInsertFilter } from '../functions/reactor/stream-filter';
import type { BindingKind } from './shared/bindings';
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
        // Throttled per route (docs/forms.md, "Throttling"): a burst of bot posts cannot use up the whole API's rate.
        { routeKey: 'POST /forms/{formId}', auth: 'public', throttle: { rateLimit: 20, burstLimit: 40 } },
        { routeKey: 'OPTIONS /forms/{formId}', auth: 'public' },
        // The embed snippet: a render token, the captcha to show and, for a known visitor, which fields to ask.
        { routeKey: 'GET /forms/{formId}/config', auth: 'public', throttle: { rateLimit: 30, burstLimit: 60 } },
        { routeKey: 'OPTIONS /forms/{formId}/config', auth: 'public' },
        { routeKey: 'GET /embed.js', auth: 'public', throttle: { rateLimit: 30, burstLimit: 60 } },
      ],
    },
    // A consistent read of the email claim (a BatchGetItem with the idempotency record when the post carries a
    // key), then one TransactWriteItems of Put/Update/ConditionCheck; a transaction is authorized per action it
    // contains. A post linking an anonymous id also merges that id's pending activity (Query, PutItem,
    // BatchWriteItem deletes); GetItem also reads a profile for progressive profiling.
    bindings: {
      table: {
        actions: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'ConditionCheckItem', 'Query', 'BatchWriteItem'],
      },
      formSecrets: true,
      // An erased person's address is recognised by its keyed hash (docs/contacts.md, "Erase").
      suppressionKey: true,
      // EMF business metrics (LeadsAccepted), the environment's retention and its site origins (nurture.config.yaml).
      metrics: true,
      retention: true,
      formOrigins: true,
      // The API's own origin, for same-origin posts and relative redirects: configuration, never the Host header.
      publicBaseUrl: true,
    },
    bundleAwsSdk: true,
    bundleFiles: [{ from: 'node_modules/disposable-email-domains/index.json', to: 'disposable-email-domains.json' }],
  },
  track: {
    entry: 'functions/tracking/track.handler.ts',
    description: 'Segment-compatible tracking API: track, identify, page and batch onto contact timelines',
    trigger: {
      kind: 'http',
      routes: [
        { routeKey: 'POST /v1/{type}', auth: 'public', throttle: { rateLimit: 50, burstLimit: 100 } },
        { routeKey: 'OPTIONS /v1/{type}', auth: 'public' },
      ],
    },
    // BatchGetItem of the id links, BatchWriteItem of the events (25 per call); identify: a consistent read of
    // the email claim and one transaction; merges: Query of pending items, conditional PutItem, deletes.
    bindings: {
      table: {
        actions: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'ConditionCheckItem', 'Query', 'BatchWriteItem'],
      },
      writeKey: true,
      // Anonymous activity nobody identified expires after the environment's raw-event retention.
      retention: true,
    },
    bundleAwsSdk: true,
    // identify checks emails as forms do, disposable domains included (read on the first identify with an email).
    bundleFiles: [{ from: 'node_modules/disposable-email-domains/index.json', to: 'disposable-email-domains.json' }],
    timeoutSeconds: 15,
  },
  readContacts: {
    entry: 'functions/contacts/read-contacts.handler.ts',
    description: 'Reads one contact, by id or by email, with its timeline or as an overview; finds contacts through the search index',
    trigger: {
      kind: 'http',
      routes: [
        { routeKey: 'GET /contacts', auth: { scope: 'contacts:read' } },
        { routeKey: 'GET /contacts/{contactId}', auth: { scope: 'contacts:read' } },
        // The console's contact page: everything but the timeline, from one Query of the contact's partition.
        { routeKey: 'GET /contacts/{contactId}/overview', auth: { scope: 'contacts:read' } },
      ],
    },
    // GetItem for a profile or an email claim, Query for a contact's timeline or its whole partition (overview); a
    // search is a Query of GSI1 and a BatchGetItem of the profiles it found.
    bindings: { table: { actions: ['GetItem', 'Query', 'BatchGetItem'], indexes: ['Query'] } },
  },
  upsertContact: {
    entry: 'functions/contacts/upsert-contact.handler.ts',
    description: 'Creates or updates one contact by email or external id (attributes, tags, consent), idempotently',
    trigger: { kind: 'http', routes: [{ routeKey: 'PUT /contacts', auth: { scope: 'contacts:write' } }] },
    // A consistent BatchGetItem (email and external-id claims, idempotency record) and Query (profile and its
    // search index entries), then one TransactWriteItems of Put/Update/Delete/ConditionCheck, or a PutItem of the
    // idempotency record alone when nothing changes.
    bindings: {
      table: { actions: ['BatchGetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem', 'ConditionCheckItem'] },
      // An erased person's address (its keyed hash on the suppression list) is not brought back.
      suppressionKey: true,
      // Idempotency records expire after the environment's retention.
      retention: true,
    },
    // Emails are checked as forms check them, disposable domains included (read on the first check).
    bundleFiles: [{ from: 'node_modules/disposable-email-domains/index.json', to: 'disposable-email-domains.json' }],
  },
  unsubscribeContact: {
    entry: 'functions/contacts/unsubscribe-contact.handler.ts',
    description: "Unsubscribes a contact from a topic (or all) on its behalf, with the preference page's event",
    trigger: { kind: 'http', routes: [{ routeKey: 'POST /contacts/{contactId}/unsubscribe', auth: { scope: 'contacts:write' } }] },
    // GetItem of the profile, then the preference page's write: an UpdateItem creating the subscriptions map once,
    // and one transaction of the event's conditional Put and the profile's Update.
    bindings: { table: { actions: ['GetItem', 'PutItem', 'UpdateItem'] } },
  },
  importContacts: {
    entry: 'functions/contacts/import-contacts.handler.ts',
    description: 'Imports a batch of contact rows (NDJSON), each checked and upserted as PUT /contacts does it',
    trigger: { kind: 'http', routes: [{ routeKey: 'POST /contacts/import', auth: { scope: 'contacts:write' } }] },
    // Per row, as upsertContact: a consistent BatchGetItem and Query, then one TransactWriteItems of
    // Put/Update/Delete/ConditionCheck (nothing when the row changes nothing).
    bindings: {
      table: { actions: ['BatchGetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem', 'ConditionCheckItem'] },
      // An erased person's address (its keyed hash on the suppression list) is not brought back.
      suppressionKey: true,
      retention: true,
    },
    bundleFiles: [{ from: 'node_modules/disposable-email-domains/index.json', to: 'disposable-email-domains.json' }],
    // Up to 500 rows, 8 at a time; more memory is more CPU for checking them.
    memoryMb: 512,
    timeoutSeconds: 29,
  },
  importFile: {
    entry: 'functions/contacts/import-file.handler.ts',
    description: 'Imports a file dropped under imports/ in the import bucket and writes its report under reports/',
    trigger: {
      kind: 'eventbridge',
      // The contacts construct narrows it to its import bucket (the bucket's name is known only at deploy).
      pattern: { source: ['aws.s3'], 'detail-type': ['Object Created'], detail: { object: { key: [{ prefix: IMPORTS_PREFIX }] } } },
      description: 'Files dropped under imports/ in the import bucket → importFile',
      // Delivery retries; a failed run is retried by Lambda (twice), and rows it wrote come back unchanged.
      retryAttempts: 8,
      maxEventAgeHours: 24,
    },
    // Per row, as importContacts: a consistent BatchGetItem and Query, then one TransactWriteItems of
    // Put/Update/Delete/ConditionCheck (nothing when the row changes nothing).
    bindings: {
      table: { actions: ['BatchGetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem', 'ConditionCheckItem'] },
      // An erased person's address (its keyed hash on the suppression list) is not brought back.
      suppressionKey: true,
      importBucket: { read: IMPORTS_PREFIX, write: REPORTS_PREFIX },
      retention: true,
    },
    bundleFiles: [{ from: 'node_modules/disposable-email-domains/index.json', to: 'disposable-email-domains.json' }],
    // A whole file in one run, streamed, 16 rows at once: Lambda's longest run (docs/contacts.md says how many rows
    // fit), and the memory for the CPU that checking rows takes.
    timeoutSeconds: 900,
    memoryMb: 1024,
  },
  contactsOut: {
    entry: 'functions/contacts/contacts-out.handler.ts',
    description: 'Exports everything held about a contact, or erases it (GDPR art. 15 and 17)',
    trigger: {
      kind: 'http',
      routes: [
        { routeKey: 'GET /contacts/{contactId}/export', auth: { scope: 'contacts:read' } },
        { routeKey: 'DELETE /contacts/{contactId}', auth: { scope: 'contacts:erase' } },
      ],
    },
    // Query of the contact's partition and BatchGetItem of the items it refers to (export and erase); erase: one
    // transaction of Updates (erasure record, suppressed address), BatchWriteItem deletes and an Update of the
    // count, then one transaction closing it (Update, Put of the audit record, Delete of the profile and claim).
    bindings: {
      table: { actions: ['Query', 'BatchGetItem', 'UpdateItem', 'PutItem', 'DeleteItem', 'BatchWriteItem'] },
      journeyExecutions: ['stop'],
      suppressionKey: true,
      // HubSpot's GDPR delete of the contact's record, when the CRM settings ask for it.
      crmSecret: true,
    },
    // A long timeline is deleted 25 items per call.
    timeoutSeconds: 60,
  },
  reactor: {
    entry: 'functions/reactor/reactor.handler.ts',
    description: 'Applies the rules to new timeline events: metrics, scoring and stages, journey enrolment, exits and waits',
    trigger: { kind: 'stream', filter: timelineInsertFilter },
    // A consistent GetItem (the event's marker) and Query (profile + per-contact state), then one
    // TransactWriteItems of Updates, Puts (memberships, derived events) and Deletes (resumed waits).
    bindings: {
      table: { actions: ['GetItem', 'Query', 'UpdateItem', 'PutItem', 'DeleteItem'] },
      journeyExecutions: ['start', 'stop', 'resume'],
      handOffQueue: true,
      // Double opt-in confirmations (functions/email): SES sending and the link-signing keys.
      sendEmail: true,
      publicBaseUrl: true,
      emailSigningKeys: true,
    },
    // A batch of up to 100 events, each a read, maybe a Step Functions call and a small transaction.
    timeoutSeconds: 30,
  },
  readScore: {
    entry: 'functions/scoring/read-score.handler.ts',
    description: "Explains a contact's lead score: each contributing rule, its points and when, and the history",
    trigger: { kind: 'http', routes: [{ routeKey: 'GET /contacts/{contactId}/score', auth: { scope: 'contacts:read' } }] },
    // GetItem for the profile, Query for the score.changed events of its timeline.
    bindings: { table: { actions: ['GetItem', 'Query'] } },
  },
  reports: {
    entry: 'functions/reports/reports.handler.ts',
    description: 'Funnel, leads, email, lead-score, cost and journey reports from daily counters; program costs',
    trigger: {
      kind: 'http',
      routes: [
        { routeKey: 'GET /reports/{name}', auth: { scope: 'reports:read' } },
        { routeKey: 'PUT /programs/{id}/costs', auth: { scope: 'admin' } },
      ],
    },
    // Query of counter items (one per metric shard, never a contact or a timeline) and of the programs; PutItem
    // for a program's costs.
    bindings: { table: { actions: ['Query', 'PutItem'] } },
    timeoutSeconds: 30,
  },
  experiments: {
    entry: 'functions/experiments/experiments.handler.ts',
    description: 'Experiments: each arm\'s sends, human clicks, rates, probability to be best, lift over holdout, decision',
    trigger: {
      kind: 'http',
      routes: [
        { routeKey: 'GET /experiments', auth: { scope: 'reports:read' } },
        { routeKey: 'GET /experiments/{id}', auth: { scope: 'reports:read' } },
      ],
    },
    // Query of the experiment's counter items (one partition per shard), never a contact or a timeline.
    bindings: { table: { actions: ['Query'] } },
  },
  segmentsApi: {
    entry: 'functions/segments/segments-api.handler.ts',
    description: 'Segments: each one with its size, its definition and daily entries and exits, and its members (JSON pages or CSV)',
    trigger: {
      kind: 'http',
      routes: [
        { routeKey: 'GET /segments', auth: { scope: 'reports:read' } },
        { routeKey: 'GET /segments/{segmentId}', auth: { scope: 'reports:read' } },
        { routeKey: 'GET /segments/{segmentId}/members', auth: { scope: 'contacts:read' } },
      ],
    },
    // Query of the counter shards and of the membership index (GSI1); the members' profiles for their emails by
    // BatchGetItem, or GetItem when a page holds one member.
    bindings: { table: { actions: ['Query', 'GetItem', 'BatchGetItem'], indexes: ['Query'] } },
    // A CSV export pages through up to 40,000 members.
    timeoutSeconds: 30,
  },
  segmentPreview: {
    entry: 'functions/segments/segment-preview.handler.ts',
    description: 'Validates a segment file as the build does and evaluates it over the contacts, within a time budget',
    trigger: { kind: 'http', routes: [{ routeKey: 'POST /segments/preview', auth: { scope: 'contacts:read' } }] },
    // A parallel Scan of the profiles and a Query of each contact's partition (the CLI's preview, bounded by a time
    // and contact budget), and a Query of a shipped segment's size counters.
    bindings: { table: { actions: ['Scan', 'Query', 'PutItem'] } },
    memoryMb: 1024,
    timeoutSeconds: 29,
  },
  handOff: {
    entry: 'functions/crm/hand-off.handler.ts',
    description: 'Journey hand-off step: upserts the contact in the CRM with its score explanation',
    trigger: { kind: 'task' },
    // Reads of the profile and the idempotency record; a conditional Put of the contact's hand-off lease; one
    // TransactWriteItems (idempotency record, profile, CRM link item, crm.handed_off event, Delete of the lease) to
    // record it, or a conditional Delete of the lease when it skips or fails; a ConditionCheck and Put to append
    // crm.handoff_failed or crm.handoff_skipped; the hand-off queue to park a hand-off the CRM could not take.
    bindings: { table: { actions: ['GetItem', 'PutItem', 'UpdateItem', 'ConditionCheckItem', 'DeleteItem'] }, crmSecret: true, handOffQueue: true, metrics: true },
    // A few CRM calls, each with a timeout, and short in-handler waits for a Retry-After.
    timeoutSeconds: 30,
  },
  crmHandOffWorker: {
    entry: 'functions/crm/hand-off-worker.handler.ts',
    description: 'Hands MQLs to the CRM from the reactor queue; records crm.handoff_failed before the dead-letter queue',
    trigger: {
      kind: 'queue',
      queue: 'handOffQueue',
      batchSize: 10,
      // Spares the CRM's rate limit when hand-offs pile up.
      maxConcurrency: 5,
      // The worker backs off between deliveries (the CRM's Retry-After, else 30 s doubling, at most 15 minutes).
      maxReceiveCount: 5,
      // Six times the worker's timeout, as Lambda advises for SQS sources.
      visibilityTimeoutSeconds: 180,
      retentionDays: 4,
    },
    // As handOff (the lease included), plus a ConditionCheck and Put to append crm.handoff_failed.
    bindings: { table: { actions: ['GetItem', 'PutItem', 'UpdateItem', 'ConditionCheckItem', 'DeleteItem'] }, crmSecret: true, metrics: true },
    timeoutSeconds: 30,
  },
  crmWebhook: {
    entry: 'functions/crm/crm-inbound-webhook.handler.ts',
    description: 'Receives sales feedback from the CRM (signed webhooks) as crm.feedback timeline events',
    trigger: { kind: 'http', routes: [{ routeKey: 'POST /webhooks/crm/{provider}', auth: 'public' }] },
    // Contact lookups (profile, email claim, GSI1 by CRM id), then ConditionCheck + Put to append an event.
    // The public URL is the one HubSpot signs (v3 signatures cover it), never rebuilt from the request's headers.
    bindings: { table: { actions: ['GetItem', 'PutItem', 'ConditionCheckItem'], indexes: ['Query'] }, crmSecret: true, publicBaseUrl: true },
  },
  sendEmail: {
    entry: 'functions/email/send-email-task.handler.ts',
    description: 'Journey step: sends one email through SES, once per contact, execution and step, after the guards',
    trigger: { kind: 'task' },
    // One BatchGetItem (profile, mail log, send record, journey membership), the claim as a transaction of Put +
    // ConditionCheck (the enrolment still runs) + Put (the mail-log slot), then a transaction of Update + Put;
    // GetItem to read a claim another attempt won or the mail log, DeleteItem to drop a throttled claim.
    bindings: {
      table: { actions: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'ConditionCheckItem', 'DeleteItem'] },
      sendEmail: true,
      publicBaseUrl: true,
      emailSigningKeys: true,
      // EMF business metrics (EmailsSent).
      metrics: true,
    },
  },
  sendSms: {
    entry: 'functions/sms/send-sms-task.handler.ts',
    description: 'Journey step: sends one text through End User Messaging, once per contact, execution and step, after the guards',
    trigger: { kind: 'task' },
    // As sendEmail: one BatchGetItem (profile, mail log, send record, membership), the claim as a transaction of Put +
    // ConditionCheck + Put (the mail-log slot shared with email), then a transaction of Update + Put; GetItem to read
    // a claim another attempt won or the mail log, DeleteItem to drop a throttled claim.
    bindings: {
      table: { actions: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'ConditionCheckItem', 'DeleteItem'] },
      // SendTextMessage, and DescribeOptedOutNumbers: a number on the account's opt-out list is never texted.
      sms: { send: true, optOuts: 'read' },
    },
  },
  smsInbound: {
    entry: 'functions/sms/sms-inbound.handler.ts',
    description: 'Inbound texts (two-way SMS): sms.received; STOP, START and HELP kept on the opt-out list and answered',
    trigger: { kind: 'sns', topic: 'smsInbound', description: 'Inbound texts to the origination identity → sms-inbound' },
    // GetItem of the phone index, a transaction of conditional Puts (the events), PutItem of an unknown number's
    // message; for HELP the send record's claim (PutItem) and its confirmation (a transaction of Update + Put).
    bindings: {
      table: { actions: ['GetItem', 'PutItem', 'UpdateItem'] },
      // STOP and START update the opt-out list; HELP is answered with one SendTextMessage.
      sms: { send: true, optOuts: 'write' },
    },
  },
  smsEvents: {
    entry: 'functions/sms/sms-events.handler.ts',
    description: 'End User Messaging delivery events to the timeline: sms.delivered, sms.failed',
    trigger: {
      kind: 'eventbridge',
      pattern: { source: ['aws.sms-voice'], 'detail-type': ['Text Message Delivery Status Updated'] },
      description: 'Text delivery statuses of End User Messaging → sms-events',
      retryAttempts: 8,
      maxEventAgeHours: 24,
    },
    // GetItem (the contact still exists), then a conditional Put of the event (in a one-item transaction).
    bindings: { table: { actions: ['GetItem', 'PutItem'] } },
  },
  sendEmailApi: {
    entry: 'functions/email/send-email-api.handler.ts',
    description: 'Sends one email by template to a contact, with the journey step\'s guards and idempotency; lists and previews templates',
    trigger: {
      kind: 'http',
      routes: [
        { routeKey: 'POST /emails/send', auth: { scope: 'broadcasts:send' } },
        // The compiled templates with the journey steps that send them, and each one rendered with the sample data.
        { routeKey: 'GET /templates', auth: { scope: 'reports:read' } },
        { routeKey: 'GET /templates/{templateId}', auth: { scope: 'reports:read' } },
      ],
    },
    bindings: {
      table: { actions: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'DeleteItem'] },
      sendEmail: true,
      publicBaseUrl: true,
      emailSigningKeys: true,
    },
  },
  emailTracking: {
    entry: 'functions/email/email-engagement.handler.ts',
    description: 'Tracked email links (302 to the original URL) and the open pixel: email.clicked, email.opened',
    trigger: {
      kind: 'http',
      routes: [
        { routeKey: 'GET /t/c/{token}', auth: 'public' },
        { routeKey: 'GET /t/o/{token}', auth: 'public' },
      ],
    },
    // UpdateItem (note the click, read the send's links) or GetItem (open), then a conditional Put of the event.
    bindings: { table: { actions: ['GetItem', 'PutItem', 'UpdateItem'] }, emailSigningKeys: true },
  },
  emailPreferences: {
    entry: 'functions/email/preferences.handler.ts',
    description: 'Email preference page, RFC 8058 one-click unsubscribe and double opt-in confirmation',
    trigger: {
      kind: 'http',
      routes: [
        { routeKey: 'GET /u/{token}', auth: 'public' },
        { routeKey: 'POST /u/{token}', auth: 'public' },
      ],
    },
    // GetItem (profile, send), then Update of the profile + Put of the events in one transaction.
    bindings: { table: { actions: ['GetItem', 'PutItem', 'UpdateItem'] }, emailSigningKeys: true },
  },
  sesEvents: {
    entry: 'functions/email/ses-events.handler.ts',
    description: 'SES delivery, bounce, complaint, reject and delay events to the timeline; suppresses on hard bounce and complaint',
    trigger: {
      kind: 'eventbridge',
      pattern: {
        source: ['aws.ses'],
        'detail-type': ['Email Delivered', 'Email Bounced', 'Email Complaint Received', 'Email Rejected', 'Email Delivery Delayed'],
      },
      description: "SES events of Nurture's configuration set → ses-events",
      retryAttempts: 8,
      maxEventAgeHours: 24,
    },
    // GetItem (profile), then a Put of the event, or Update of the profile + Put in one transaction.
    bindings: { table: { actions: ['GetItem', 'PutItem', 'UpdateItem'] } },
  },
  emailReminders: {
    entry: 'functions/email/remind.handler.ts',
    description: 'Sends the one reminder of double opt-ins still unconfirmed after the configured days',
    trigger: { kind: 'schedule', expression: 'cron(15 * * * ? *)', description: 'Hourly: double opt-in reminders that are due', retryAttempts: 2 },
    // Query of the day's due items, then per reminder the send step's calls (GetItem, BatchGetItem, PutItem,
    // UpdateItem) and DeleteItem of the due item.
    bindings: {
      table: { actions: ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'] },
      sendEmail: true,
      publicBaseUrl: true,
      emailSigningKeys: true,
    },
    timeoutSeconds: 60,
  },
  journeyStep: {
    entry: 'functions/journeys/journey-step.handler.ts',
    description: 'Journey steps: branch, wait until, register waits for events and confirmations, update contact, webhook, record failures and exits',
    trigger: { kind: 'task' },
    // GetItem (profile), Query (recent events for "happened within"; an ending execution's waits), Put (waits), and
    // TransactWriteItems of Update/Put/ConditionCheck/Delete (update contact, record a failure or an unconfirmed exit
    // and forget the waits; put a confirmation wait only while the consent is pending).
    bindings: { table: { actions: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'ConditionCheckItem', 'DeleteItem'] }, journeySigningSecret: true },
  },
  journeyStatus: {
    entry: 'functions/journeys/journey-status.handler.ts',
    description: 'Records how journey executions end (completed, failed) on memberships and timelines',
    trigger: {
      kind: 'eventbridge',
      pattern: { source: ['aws.states'], 'detail-type': ['Step Functions Execution Status Change'], detail: { status: ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] } },
      description: 'Journey executions ending → journeyStatus',
      retryAttempts: 20,
      maxEventAgeHours: 24,
    },
    // GetItem of the membership (an execution that recorded its own exit did not complete), Query of the
    // execution's waits, then one transaction: Update membership, Put event, Delete the waits.
    bindings: { table: { actions: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'ConditionCheckItem', 'DeleteItem'] } },
  },
  journeyMigrate: {
    entry: 'functions/journeys/journey-migrate.handler.ts',
    description: "Journey versions: applies each journey's on_change (keep, migrate, drain) to contacts on its older versions",
    // Also run once after every deploy by the journeys construct's trigger; the schedule retries contacts that were
    // between two waits.
    trigger: { kind: 'schedule', expression: 'rate(15 minutes)', description: 'Journey versions: contacts on older versions', retryAttempts: 2 },
    // GetItem (membership), Query (an execution's waits), then one transaction: Update membership, Put event, Delete waits.
    bindings: {
      table: { actions: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'ConditionCheckItem', 'DeleteItem'] },
      journeyExecutions: ['start', 'stop', 'migrate'],
    },
    timeoutSeconds: 900,
  },
  journeySweep: {
    entry: 'functions/journeys/journey-sweep.handler.ts',
    description: 'Daily sweep for date-based journey triggers (trial ends, birthdays) through the date index',
    trigger: { kind: 'schedule', expression: 'cron(0 5 * * ? *)', description: 'Date-based journey triggers: once a day', retryAttempts: 3 },
    bindings: { table: { actions: ['PutItem', 'ConditionCheckItem'], indexes: ['Query'] } },
    timeoutSeconds: 300,
  },
  segmentSweep: {
    entry: 'functions/segments/segment-sweep.handler.ts',
    description: 'Segment time windows: appends segment.review_due for contacts whose window ends, for the reactor to re-evaluate',
    trigger: { kind: 'schedule', expression: 'rate(15 minutes)', description: 'Segment windows that ended: every 15 minutes', retryAttempts: 2 },
    // GetItem and PutItem of its cursor, Query of GSI2 by the hour since the cursor, then per due contact a
    // ConditionCheck (the profile) and Put (the event).
    bindings: { table: { actions: ['GetItem', 'PutItem', 'ConditionCheckItem'], indexes: ['Query'] } },
    timeoutSeconds: 300,
  },
  journeysApi: {
    entry: 'functions/journeys/journeys-api.handler.ts',
    description: 'Journeys API: list and describe journeys (with email step stats), simulate one, enrol contacts, exit a contact',
    trigger: {
      kind: 'http',
      routes: [
        // journeys:enroll implies journeys:read (functions/access/domain/access.ts, grants).
        { routeKey: 'GET /journeys', auth: { scope: 'journeys:read' } },
        { routeKey: 'GET /journeys/{journeyId}', auth: { scope: 'journeys:read' } },
        { routeKey: 'POST /journeys/{journeyId}/enrollments', auth: { scope: 'journeys:enroll' } },
        // Runs the journey's simulator (lib/journeys/simulator.ts) in the function: nothing is sent or stored.
        { routeKey: 'POST /journeys/{journeyId}/simulations', auth: { scope: 'journeys:read' } },
        { routeKey: 'DELETE /journeys/{journeyId}/enrollments/{contactId}', auth: { scope: 'journeys:enroll' } },
      ],
    },
    bindings: {
      // DeleteItem: an exit forgets the execution's waits in the transaction that records it. BatchGetItem: an
      // enrolment that creates its contact reads the claims as PUT /contacts does.
      table: { actions: ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'UpdateItem', 'ConditionCheckItem', 'DeleteItem'] },
      journeySigningSecret: true,
      journeyExecutions: ['stop'],
      suppressionKey: true,
      retention: true,
    },
    // Emails of contacts an enrolment creates are checked as forms check them, disposable domains included.
    bundleFiles: [{ from: 'node_modules/disposable-email-domains/index.json', to: 'disposable-email-domains.json' }],
    timeoutSeconds: 29,
  },
  broadcastStep: {
    entry: 'functions/broadcasts/broadcast-step.handler.ts',
    description: 'Broadcast step: sends the next page of a segment, each member once through the email guards, at the broadcast rate',
    trigger: { kind: 'task' },
    // GetItem and conditional UpdateItem of the broadcast; Query of the segment's members (GSI1) and BatchGetItem of
    // their profiles' time zones; per member the send step's calls (BatchGetItem, the claim and record transactions
    // of Put/Update/ConditionCheck, DeleteItem of a throttled claim); Query of an experiment's counter items when its
    // rollout is decided.
    bindings: {
      table: { actions: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'ConditionCheckItem', 'DeleteItem', 'Query'], indexes: ['Query'] },
      sendEmail: true,
      publicBaseUrl: true,
      emailSigningKeys: true,
      // SMS broadcasts: SendTextMessage, and DescribeOptedOutNumbers (a number on the opt-out list is never texted).
      sms: { send: true, optOuts: 'read' },
      // EMF business metrics (EmailsSent).
      metrics: true,
    },
    // About ten seconds of sending per page (functions/broadcasts/domain/broadcast.ts, PAGE_SECONDS), with room for
    // slow SES answers; the in-flight sends need more CPU than the default.
    timeoutSeconds: 60,
    memoryMb: 512,
  },
  broadcastsApi: {
    entry: 'functions/broadcasts/broadcasts-api.handler.ts',
    description: 'Broadcasts API: start (or dry-run) a broadcast to a segment, read its counts, list, cancel, pick an experiment winner',
    trigger: {
      kind: 'http',
      routes: [
        { routeKey: 'POST /broadcasts', auth: { scope: 'broadcasts:send' } },
        { routeKey: 'GET /broadcasts', auth: { scope: 'reports:read' } },
        { routeKey: 'GET /broadcasts/{broadcastId}', auth: { scope: 'reports:read' } },
        { routeKey: 'POST /broadcasts/{broadcastId}/cancel', auth: { scope: 'broadcasts:send' } },
        { routeKey: 'POST /broadcasts/{broadcastId}/winner', auth: { scope: 'broadcasts:send' } },
      ],
    },
    // PutItem (create), GetItem, UpdateItem (cancel, a winner's pick); Query of GSI1 (members, their count, the list of
    // broadcasts); a dry run's consistent BatchGetItem per member (profile, mail log, send record).
    bindings: {
      table: { actions: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem'], indexes: ['Query'] },
      broadcastExecutions: true,
      // An SMS broadcast's checks and dry run read the SMS settings (quiet hours, whether SMS is on); it sends nothing.
      sms: { send: false, optOuts: 'read' },
    },
    // A dry run judges up to 10,000 members.
    timeoutSeconds: 29,
    memoryMb: 512,
  },
  authorizer: {
    entry: 'functions/access/authorizer.handler.ts',
    description: "Lambda authorizer of every private route: checks the API key or the person's sign-in token and the scope the route needs",
    trigger: { kind: 'authorizer' },
    // GetItem of the presented key; a conditional UpdateItem of its last-used time, at most once a minute. The admin
    // token is the bootstrap credential of the keys routes; people's tokens are verified against the console pool.
    bindings: { table: { actions: ['GetItem', 'UpdateItem'] }, adminToken: true, consoleSignIn: true },
    bundleAwsSdk: true,
    timeoutSeconds: 5,
  },
  keysApi: {
    entry: 'functions/access/keys-api.handler.ts',
    description: 'API keys: create (shown once, only a hash stored), list and revoke',
    trigger: {
      kind: 'http',
      routes: [
        { routeKey: 'POST /keys', auth: { scope: 'admin', bootstrap: true } },
        { routeKey: 'GET /keys', auth: { scope: 'admin', bootstrap: true } },
        { routeKey: 'DELETE /keys/{keyId}', auth: { scope: 'admin', bootstrap: true } },
      ],
    },
    // Conditional PutItem (create), GetItem and conditional UpdateItem (revoke); Query of GSI1 (the list).
    bindings: { table: { actions: ['PutItem', 'GetItem', 'UpdateItem'], indexes: ['Query'] } },
  },
  consoleApi: {
    entry: 'functions/access/console-api.handler.ts',
    description: 'Who is signed in (GET /me: actor, role, scopes) and the audit trail of who did what (GET /audit)',
    trigger: {
      kind: 'http',
      routes: [
        { routeKey: 'GET /me', auth: { scope: 'authenticated' } },
        { routeKey: 'GET /audit', auth: { scope: 'admin' } },
      ],
    },
    // Query of the audit trail's month partitions (AUDIT#<yyyy-mm>).
    bindings: { table: { actions: ['Query'] } },
  },
} as const satisfies Record<string, FunctionDefinition>;

export type FunctionKey = keyof typeof functions;

export const functionKeys = Object.keys(functions) as FunctionKey[];

/** A registry entry, widened to the general shape (optional limits and all trigger kinds). */
export function definitionOf(key: FunctionKey): FunctionDefinition {
  return functions[key];
}

/** The binding kinds whose variables a function gets: its bindings, and the queue its trigger consumes. */
export function bindingKindsOf(key: FunctionKey): BindingKind[] {
  const { bindings, trigger } = definitionOf(key);
  const kinds = Object.keys(bindings) as BindingKind[];
  return trigger.kind === 'queue' ? [...kinds, trigger.queue] : kinds;
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
