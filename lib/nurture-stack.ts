import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Access } from './access/access.construct';
import { Api } from './api/api.construct';
import { CustomDomain } from './api/custom-domain.construct';
import type { EnvironmentConfig } from './config/environment-config';
import { Operations } from './operations/operations.construct';
import { provideStackWideResources } from './shared/nurture-function';
import { Broadcasts } from './broadcasts/broadcasts.construct';
import { Contacts } from './contacts/contacts.construct';
import { ContactsOut } from './contacts/contacts-out.construct';
import { Crm } from './crm/crm.construct';
import { Data } from './data/data.construct';
import { Email } from './email/email.construct';
import { Sms } from './sms/sms.construct';
import { Forms } from './forms/forms.construct';
import type { Journey } from '../functions/journeys/domain/journey-file';
import { journeys as journeyFiles } from '../functions/journeys/journeys';
import { Journeys } from './journeys/journeys.construct';
import { Reactor } from './reactor/reactor.construct';
import { ConsoleSite } from './console/console.construct';
import { Reports } from './reports/reports.construct';
import { Segments } from './segments/segments.construct';
import { Experiments } from './experiments/experiments.construct';
import { Scoring } from './scoring/scoring.construct';
import { Tracking } from './tracking/tracking.construct';

export interface NurtureStackProps extends StackProps {
  /** The environment's settings (nurture.config.yaml, validated: `loadEnvironmentConfig`). */
  readonly config: EnvironmentConfig;
  /**
   * The journeys to deploy.
   *
   * @default - the journeys of statemachines/, as last generated (bin/nurture.ts regenerates them first)
   */
  readonly journeys?: ReadonlyMap<string, Journey>;
}

/** Nurture in one account and region. It only composes the capability constructs; each one owns its resources. */
export class NurtureStack extends Stack {
  public readonly data: Data;
  public readonly forms: Forms;
  public readonly tracking: Tracking;
  public readonly contacts: Contacts;
  public readonly contactsOut: ContactsOut;
  public readonly email: Email;
  public readonly sms: Sms;
  public readonly journeys: Journeys;
  public readonly reactor: Reactor;
  public readonly scoring: Scoring;
  public readonly crm: Crm;
  public readonly reports: Reports;
  public readonly segments: Segments;
  public readonly experiments: Experiments;
  public readonly broadcasts: Broadcasts;
  public readonly api: Api;
  /** The console web app (the reports dashboard is its Reports view). */
  public readonly console: ConsoleSite;
  public readonly customDomain: CustomDomain | undefined;
  public readonly operations: Operations;

  constructor(scope: Construct, id: string, props: NurtureStackProps) {
    super(scope, id, props);
    const { config } = props;
    // Metrics go to a namespace named after the stack, so two environments in one account keep their numbers apart.
    const metricsNamespace = this.stackName;
    provideStackWideResources(this, { metricsNamespace, retention: config.retention, formOrigins: config.forms.allowedOrigins });

    this.data = new Data(this, 'Data', {
      deletionProtection: config.data.deletionProtection,
      pointInTimeRecovery: config.data.pointInTimeRecovery,
    });
    const { table } = this.data;
    this.contacts = new Contacts(this, 'Contacts', { table });
    this.forms = new Forms(this, 'Forms', { table, suppressionKey: this.contacts.suppressionKey });
    this.tracking = new Tracking(this, 'Tracking', { table });
    this.email = new Email(this, 'Email', { table, senderIdentity: config.sender.identity });
    // Before the journeys: their hand-off steps call the CRM capability's handOff function.
    this.crm = new Crm(this, 'Crm', { table, provider: config.crm.provider });
    this.sms = new Sms(this, 'Sms', { table, config: config.sms });
    this.journeys = new Journeys(this, 'Journeys', {
      table,
      journeys: props.journeys ?? journeyFiles,
      suppressionKey: this.contacts.suppressionKey,
      taskFunctions: { sendEmail: this.email.sendEmail.function, sendSms: this.sms.sendSms.function, handOff: this.crm.handOff.function },
    });
    this.contactsOut = new ContactsOut(this, 'ContactsOut', {
      table,
      suppressionKey: this.contacts.suppressionKey,
      crmSettings: this.crm.settings,
      journeyStateMachineArnPrefix: this.journeys.stateMachineArnPrefix,
      journeyExecutionArnPrefix: this.journeys.executionArnPrefix,
    });
    this.scoring = new Scoring(this, 'Scoring', { table });
    this.reports = new Reports(this, 'Reports', { table });
    this.segments = new Segments(this, 'Segments', { table });
    this.experiments = new Experiments(this, 'Experiments', { table });
    this.reactor = new Reactor(this, 'Reactor', {
      table,
      handOffQueue: this.crm.handOffs,
      emailSending: this.email.sending,
      emailSigningKeys: this.email.signingKeys,
      journeyStateMachineArnPrefix: this.journeys.stateMachineArnPrefix,
      journeyExecutionArnPrefix: this.journeys.executionArnPrefix,
    });
    this.broadcasts = new Broadcasts(this, 'Broadcasts', {
      table,
      emailSending: this.email.sending,
      emailSigningKeys: this.email.signingKeys,
      smsSending: this.sms.sending,
      sesMaxSendRate: config.rates.sesMaxSendRate,
    });
    const access = new Access(this, 'Access', {
      table,
      adminToken: this.contacts.adminToken,
      consoleMfa: config.console.mfa,
      retainConsoleUsers: config.data.deletionProtection,
    });
    this.api = new Api(this, 'Api', {
      throttlingRateLimit: config.api.throttle.rateLimit,
      throttlingBurstLimit: config.api.throttle.burstLimit,
      access,
      functions: {
        submitForm: this.forms.submitForm.function,
        track: this.tracking.track.function,
        readContacts: this.contacts.readContacts.function,
        upsertContact: this.contacts.upsertContact.function,
        unsubscribeContact: this.contacts.unsubscribeContact.function,
        importContacts: this.contacts.importContacts.function,
        contactsOut: this.contactsOut.contactsOut.function,
        journeysApi: this.journeys.journeysApi.function,
        readScore: this.scoring.readScore.function,
        reports: this.reports.reports.function,
        experiments: this.experiments.experiments.function,
        segmentsApi: this.segments.segmentsApi.function,
        segmentPreview: this.segments.segmentPreview.function,
        crmWebhook: this.crm.webhook.function,
        sendEmailApi: this.email.sendEmailApi.function,
        emailTracking: this.email.emailTracking.function,
        emailPreferences: this.email.emailPreferences.function,
        broadcastsApi: this.broadcasts.broadcastsApi.function,
      },
    });
    this.customDomain = config.domain
      ? new CustomDomain(this, 'ApiDomain', { ...config.domain, httpApi: this.api.httpApi, stage: this.api.stage })
      : undefined;
    const publicUrl = this.customDomain?.url ?? this.api.url;
    this.email.usePublicUrl(publicUrl, this.reactor.reactor, this.forms.submitForm, this.crm.webhook);
    this.broadcasts.usePublicUrl(publicUrl);
    this.console = new ConsoleSite(this, 'Console', {
      api: this.api.httpApi,
      signIn: { userPoolId: access.consoleUsers.userPool.userPoolId, clientId: access.consoleUsers.client.userPoolClientId },
    });
    // Last: it alarms on every function, queue and state machine built above.
    this.operations = new Operations(this, 'Operations', {
      alarmEmail: config.alarms.email,
      metricsNamespace,
      logRetention: config.retention.logDays,
    });
  }
}
