import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { JourneyFile } from '../../functions/journeys/domain/journey-file';
import { compileEmails } from '../../lib/email/compile-templates';
import { contentContext, generatedJourneys } from '../../lib/journeys/journey-files';
import { simulate } from '../../lib/journeys/simulator';
import { validatedSegments } from '../../lib/segments/segment-files';
import { validatedSmsTemplates } from '../../lib/sms/sms-template-files';
import { reportMarkdown } from '../../scripts/pinpoint/report';
import { readExport, translateExport, writeTranslation, type Translation } from '../../scripts/pinpoint/run';
import type { CompiledEmails } from '../../functions/email/domain/settings';

/**
 * The whole import of the fixture export (tests/fixtures/pinpoint/export) into a copy of this project's content:
 * the files pass the checks shipped content passes, the report names every construct left out, a second import
 * changes nothing, and imported journeys run in the simulator the way Pinpoint's semantics say.
 */

const repo = join(import.meta.dirname, '../..');
const fixture = join(repo, 'tests/fixtures/pinpoint/export');
let root: string;
let translation: Translation;
let written: string[];

function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(dir, path), createHash('sha256').update(readFileSync(path)).digest('hex'));
    }
  };
  walk(dir);
  return files;
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'pinpoint-import-'));
  cpSync(join(repo, 'content'), join(root, 'content'), { recursive: true });
  cpSync(join(repo, 'statemachines'), join(root, 'statemachines'), { recursive: true });
  translation = translateExport(readExport(fixture), { root, topic: 'newsletter' });
  written = writeTranslation(translation, root);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('importing the fixture export', () => {
  it('writes a journey per journey, a segment per segment, a folder per email template and a file per SMS template', () => {
    expect([...translation.files.keys()].sort()).toEqual([
      'content/emails/reminder/body.mjml',
      'content/emails/reminder/template.yaml',
      'content/emails/thank-you/body.mjml',
      'content/emails/thank-you/template.yaml',
      'content/emails/welcome-email/body.mjml',
      'content/emails/welcome-email/template.yaml',
      'content/segments/engaged-europeans.yaml',
      'content/segments/vip-list.yaml',
      'content/segments/vips-or-europeans-who-have-not-churned.yaml',
      'content/sms/sms-nudge.yaml',
      'content/sms/sms-thanks.yaml',
      'statemachines/welcome-pinpoint.yaml',
      'statemachines/win-back.yaml',
    ]);
    expect(written).toContain('pinpoint-import-report.md');
    expect(written).toContain('pinpoint-import-report.json');
  });

  it('never overwrites a file it did not write: the journey named "Welcome" gets its own id', () => {
    expect(readFileSync(join(root, 'statemachines/welcome.yaml'), 'utf8')).toBe(readFileSync(join(repo, 'statemachines/welcome.yaml'), 'utf8'));
    expect(parse(readFileSync(join(root, 'statemachines/welcome-pinpoint.yaml'), 'utf8'))).toMatchObject({ id: 'welcome-pinpoint', name: 'Welcome' });
  });

  it('the imported files pass the same validation as shipped content', async () => {
    expect(translation.report.problems).toEqual([]);
    const { journeys } = generatedJourneys(join(root, 'statemachines'), contentContext(join(root, 'content')));
    expect([...journeys.keys()]).toEqual(expect.arrayContaining(['welcome-pinpoint', 'win-back']));
    const { segments } = validatedSegments(join(root, 'content/segments'));
    expect([...segments.keys()]).toEqual(expect.arrayContaining(['engaged-europeans', 'vip-list', 'vips-or-europeans-who-have-not-churned']));
    const { templates } = validatedSmsTemplates(join(root, 'content/sms'));
    expect([...templates.keys()]).toEqual(expect.arrayContaining(['sms-nudge', 'sms-thanks']));
    const compiled = await compileEmails(join(root, 'content'));
    expect(compiled.templates.map((t) => t.id)).toEqual(expect.arrayContaining(['welcome-email', 'reminder', 'thank-you']));
  });

  it('translates Handlebars variables, defaults and helpers to Liquid', () => {
    const body = readFileSync(join(root, 'content/emails/welcome-email/body.mjml'), 'utf8');
    expect(body).toContain(`{{ contact.first_name | default: 'friend' }}`);
    expect(body).toContain(`{{ contact.city | default: 'your city' }}`);
    expect(body).toContain('{{ contact.email }}');
    expect(body).toContain('{% if contact.plan_tier %}');
    expect(body).toContain(`{{ contact.plan_tier | default: '' | upcase }}`);
    expect(parse(readFileSync(join(root, 'content/sms/sms-thanks.yaml'), 'utf8'))).toEqual({
      id: 'sms-thanks',
      name: 'SmsThanks',
      body: `Thanks {{ contact.first_name | default: 'there' }}! Reply STOP to opt out.`,
    });
  });

  it('the report lists every construct that was not translated, with why', () => {
    const missing = translation.report.entries.filter((e) => e.status === 'not_translated').map((e) => `${e.source} ${e.construct}`);
    expect(missing).toEqual(
      expect.arrayContaining([
        // segments
        'a1e0c9b8d7f6e5d4c3b2a19080706050 Dimensions.Demographic.Platform',
        'a1e0c9b8d7f6e5d4c3b2a19080706050 Dimensions.Location.GPSPoint',
        'a1e0c9b8d7f6e5d4c3b2a19080706050 Dimensions.Behavior.Recency',
        // templates
        'WelcomeEmail HtmlPart <head>',
        'WelcomeEmail HtmlPart: {{#each Attributes.Interests}}',
        'WelcomeEmail HtmlPart: {{this}}',
        'WelcomeEmail HtmlPart: {{Id}}',
        'SmsNudge RecommenderId',
        'SmsNudge Body: {{User.UserId}}',
        // journeys: activities, limits, schedule
        '0f4e2a6b8c1d3e5f7a9b0c2d4e6f8a1b Activities.PushHello.PUSH',
        '0f4e2a6b8c1d3e5f7a9b0c2d4e6f8a1b Activities.CallCentre.ContactCenter',
        '0f4e2a6b8c1d3e5f7a9b0c2d4e6f8a1b Activities.LambdaHook.CUSTOM',
        '0f4e2a6b8c1d3e5f7a9b0c2d4e6f8a1b Activities.NotifyCrm.CUSTOM.MessageConfig.Data',
        '0f4e2a6b8c1d3e5f7a9b0c2d4e6f8a1b Activities.WelcomeEmail.EMAIL.MessageConfig',
        '0f4e2a6b8c1d3e5f7a9b0c2d4e6f8a1b Activities.ThanksSms.SMS.MessageConfig',
        '0f4e2a6b8c1d3e5f7a9b0c2d4e6f8a1b Limits.DailyCap',
        '0f4e2a6b8c1d3e5f7a9b0c2d4e6f8a1b Limits.TotalCap',
        '0f4e2a6b8c1d3e5f7a9b0c2d4e6f8a1b Limits.EndpointReentryCap',
        '0f4e2a6b8c1d3e5f7a9b0c2d4e6f8a1b Limits.MessagesPerSecond',
        '0f4e2a6b8c1d3e5f7a9b0c2d4e6f8a1b Limits.TimeframeCap',
        '0f4e2a6b8c1d3e5f7a9b0c2d4e6f8a1b ClosedDays.EMAIL',
        '0f4e2a6b8c1d3e5f7a9b0c2d4e6f8a1b Schedule',
        '0f4e2a6b8c1d3e5f7a9b0c2d4e6f8a1b QuietTime (email)',
        // endpoints
        'all, b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2 people without an EMAIL endpoint',
        'all, b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2 other channels (PUSH, VOICE, CUSTOM, IN_APP…)',
        'all, b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2 Demographic.Timezone (not a zone)',
        'all, b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2 Location.Latitude / Longitude',
        'all, b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2 Demographic.Platform',
        'all, b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2 consent',
      ]),
    );
    // Every entry reaches the Markdown report, each with a reason.
    const markdown = readFileSync(join(root, 'pinpoint-import-report.md'), 'utf8');
    expect(markdown).toBe(reportMarkdown(translation.report));
    for (const entry of translation.report.entries) {
      expect(entry.detail.length).toBeGreaterThan(5);
      expect(markdown).toContain(entry.construct.replaceAll('|', '\\|'));
    }
    expect(JSON.parse(readFileSync(join(root, 'pinpoint-import-report.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(translation.report)));
  });

  it('every activity of the fixture journeys is in the report', () => {
    const journeys = readExport(fixture).journeys;
    for (const journey of journeys) {
      for (const key of Object.keys(journey.Activities)) {
        expect(translation.report.entries.some((e) => e.source === journey.Id && e.construct.startsWith(`Activities.${key}.`))).toBe(true);
      }
    }
  });

  it('holds no address or user id: the report is counts and construct names', () => {
    const text = readFileSync(join(root, 'pinpoint-import-report.json'), 'utf8');
    expect(text).not.toMatch(/@pinpoint-fixture|\+1415|user-ada/);
  });

  it('a second import of the same export changes nothing', () => {
    const before = snapshot(root);
    const again = translateExport(readExport(fixture), { root, topic: 'newsletter' });
    expect(writeTranslation(again, root)).toEqual([]);
    expect(snapshot(root)).toEqual(before);
    expect(again.endpoints?.rows).toEqual(translation.endpoints?.rows);
  });
});

describe('imported journeys in the simulator', () => {
  let emails: CompiledEmails;
  const winBack = () => JourneyFile.parse(parse(readFileSync(join(root, 'statemachines/win-back.yaml'), 'utf8')));
  const subscribed = (contactId: string) => ({ contactId, attributes: {}, subscriptions: { newsletter: { status: 'subscribed' as const } } });
  const start = new Date('2026-12-01T15:00:00Z');

  beforeAll(async () => {
    emails = await compileEmails(join(root, 'content'));
  });

  it('a click within the evaluation window takes the TrueActivity', async () => {
    const result = await simulate(winBack(), {
      emails,
      start,
      contact: subscribed('SIM-CLICK'),
      events: [{ at: '+1d', type: 'email.clicked', data: { journeyId: 'win-back', stepId: 'come-back', templateId: 'reminder', messageId: 'm-1' } }],
    });
    expect(result.status).toBe('completed');
    expect(result.emails.map((e) => e.templateId)).toEqual(['reminder', 'thank-you']);
    expect(result.path.map((p) => p.state)).not.toContain('control');
  });

  it('a click on another journey\'s email does not count: no click takes the FalseActivity', async () => {
    const result = await simulate(winBack(), {
      emails,
      start,
      contact: subscribed('A'),
      events: [{ at: '+1d', type: 'email.clicked', data: { journeyId: 'welcome', stepId: 'come-back', templateId: 'reminder', messageId: 'm-2' } }],
    });
    expect(result.path.map((p) => p.state)).toContain('control');
    expect(result.emails.map((e) => e.templateId)).toEqual(['reminder']);
  });

  it('the holdout share exits, and it is the configured share', async () => {
    const result = await simulate(winBack(), { emails, start, contact: subscribed('A') });
    expect(result.status).toBe('completed');
    expect(result.path.at(-1)?.state).toBe('control-held-out');
    // The split is deterministic per contact; over many contacts about 20% are held out.
    let heldOut = 0;
    const runs = 60;
    for (let i = 0; i < runs; i++) {
      const run = await simulate(winBack(), { emails, start, contact: subscribed(`HOLD-${i}`) });
      if (run.path.some((p) => p.state === 'control-held-out')) heldOut++;
    }
    expect(heldOut / runs).toBeGreaterThan(0.05);
    expect(heldOut / runs).toBeLessThan(0.4);
  });

  it('no click and not held out: the SMS nudge goes out (send_sms of the imported SMS template)', async () => {
    const { templates } = validatedSmsTemplates(join(root, 'content/sms'));
    let result;
    for (let i = 0; i < 20 && !result; i++) {
      const run = await simulate(winBack(), {
        emails,
        smsTemplates: templates,
        start,
        contact: { ...subscribed(`NUDGE-${i}`), phone: '+14155550101', smsSubscriptions: { newsletter: { status: 'subscribed' } } },
      });
      if (!run.path.some((p) => p.state === 'control-held-out')) result = run;
    }
    expect(result?.status).toBe('completed');
    expect(result?.texts).toEqual([expect.objectContaining({ stepId: 'nudge', templateId: 'sms-nudge', text: expect.stringContaining('We miss you') })]);
  });

  it('the welcome journey: a click on the welcome email within 3 days sends the SMS thanks and calls the webhook', async () => {
    const { templates } = validatedSmsTemplates(join(root, 'content/sms'));
    const welcome = JourneyFile.parse(parse(readFileSync(join(root, 'statemachines/welcome-pinpoint.yaml'), 'utf8')));
    const result = await simulate(welcome, {
      emails,
      smsTemplates: templates,
      start,
      contact: { ...subscribed('SIM-WELCOME'), phone: '+14155550101', smsSubscriptions: { newsletter: { status: 'subscribed' } } },
      events: [{ at: '+2d', type: 'email.clicked', data: { journeyId: 'welcome-pinpoint', stepId: 'welcome-email', templateId: 'welcome-email', messageId: 'm-3' } }],
    });
    expect(result.status).toBe('completed');
    expect(result.emails.map((e) => e.templateId)).toEqual(['welcome-email']);
    expect(result.texts.map((t) => t.templateId)).toEqual(['sms-thanks']);
    expect(result.webhooks.map((w) => w.url)).toEqual(['https://hooks.example.com/pinpoint/welcome']);
  });

  it('a WaitUntil moment waits until then', async () => {
    const welcome = JourneyFile.parse(parse(readFileSync(join(root, 'statemachines/welcome-pinpoint.yaml'), 'utf8')));
    const step = welcome.steps.find((s) => s.id === 'until-launch');
    expect(step).toMatchObject({ type: 'wait_until', at: '2027-01-15T09:00:00.000Z' });
  });
});
