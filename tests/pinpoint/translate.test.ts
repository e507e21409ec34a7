import { describe, expect, it } from 'vitest';
import { SegmentFile } from '../../functions/segments/domain/segment-file';
import { attributeName, isoDurationSeconds, kebabId, mapEvent } from '../../scripts/pinpoint/common';
import { ReportBuilder } from '../../scripts/pinpoint/report';
import { SegmentResponse, translateSegment } from '../../scripts/pinpoint/segments';
import { EmailTemplateResponse, SmsTemplateResponse, translateEmailTemplate, translateHandlebars, translateSmsTemplate } from '../../scripts/pinpoint/templates';

/** Segments, templates and the shared naming rules: pure translations, each checked against our schemas. */

function segments(list: Record<string, unknown>[]) {
  const parsed = list.map((s) => SegmentResponse.parse(s));
  const ids = new Map(parsed.map((s) => [s.Id, kebabId(s.Name, 48)]));
  const byId = new Map(parsed.map((s) => [s.Id, s]));
  return (id: string) => {
    const { file, report } = translateSegment(byId.get(id)!, { ids, segments: byId });
    expect(SegmentFile.safeParse(file).success).toBe(true);
    return { match: file.match, entries: report.entries };
  };
}

describe('segments', () => {
  it('dimensions: attributes, user attributes, metrics, country and channel as profile conditions', () => {
    const segment = segments([
      {
        Id: 's1',
        Name: 'Pro in France',
        Dimensions: {
          UserAttributes: { PlanTier: { AttributeType: 'INCLUSIVE', Values: ['pro', 'team'] } },
          Attributes: { Source: { AttributeType: 'EXCLUSIVE', Values: ['ads'] }, SignedUp: { AttributeType: 'AFTER', Values: ['2025-01-01'] } },
          Metrics: { orders: { ComparisonOperator: 'GREATER_THAN_OR_EQUAL', Value: 2 } },
          Location: { Country: { DimensionType: 'INCLUSIVE', Values: ['FR'] } },
          Demographic: { Channel: { DimensionType: 'INCLUSIVE', Values: ['SMS'] } },
        },
      },
    ]);
    expect(segment('s1').match).toEqual({
      all: [
        { where: 'signed_up > 2025-01-01' },
        { where: 'source != ads' },
        { where: 'plan_tier in [pro, team]' },
        { where: 'orders >= 2' },
        { where: 'phone exists' },
        { where: 'country == FR' },
      ],
    });
  });

  it('segment groups: Include, Type ALL/ANY/NONE, source segments inlined with SourceType', () => {
    const segment = segments([
      { Id: 'a', Name: 'A', Dimensions: { Attributes: { Tier: { Values: ['gold'] } } } },
      { Id: 'b', Name: 'B', Dimensions: { Attributes: { Tier: { Values: ['silver'] } } } },
      {
        Id: 'c',
        Name: 'C',
        SegmentGroups: {
          Include: 'ALL',
          Groups: [
            { SourceSegments: [{ Id: 'a' }, { Id: 'b' }], SourceType: 'ANY', Type: 'NONE', Dimensions: [{ Attributes: { Churned: { Values: ['yes'] } } }] },
          ],
        },
      },
    ]);
    expect(segment('c').match).toEqual({ all: [{ any: [{ where: 'tier == gold' }, { where: 'tier == silver' }] }, { not: { where: 'churned == yes' } }] });
  });

  it('an imported (static) segment is its tag; a missing source segment is reported', () => {
    const segment = segments([
      { Id: 'imp', Name: 'VIP list', SegmentType: 'IMPORT', ImportDefinition: { Format: 'CSV', S3Url: 's3://b/k' } },
      { Id: 'g', Name: 'G', SegmentGroups: { Groups: [{ SourceSegments: [{ Id: 'imp' }, { Id: 'absent' }] }] } },
    ]);
    expect(segment('imp').match).toEqual({ where: 'tags contains pinpoint-vip-list' });
    const { match, entries } = segment('g');
    expect(match).toEqual({ where: 'tags contains pinpoint-vip-list' });
    expect(entries.find((e) => e.construct === 'SegmentGroups.Groups[0].SourceSegments[1]')).toMatchObject({ status: 'not_translated', detail: expect.stringContaining('absent') });
  });

  it('recency, devices and GPS are reported, not translated', () => {
    const segment = segments([
      { Id: 'r', Name: 'R', Dimensions: { Behavior: { Recency: { Duration: 'DAY_7', RecencyType: 'INACTIVE' } }, Demographic: { Make: { Values: ['Apple'] } }, Location: { GPSPoint: {} } } },
    ]);
    const { match, entries } = segment('r');
    expect(match).toEqual({ where: 'email exists' });
    expect(entries.filter((e) => e.status === 'not_translated').map((e) => e.construct)).toEqual(['Dimensions.Demographic.Make', 'Dimensions.Location.GPSPoint', 'Dimensions.Behavior.Recency']);
  });
});

describe('templates', () => {
  const report = () => new ReportBuilder('email-template', 't');

  it('variables become contact variables with a default; Address is the email, or the phone in an SMS', () => {
    const r = report();
    expect(translateHandlebars('Hi {{User.UserAttributes.FirstName}} at {{Address}}', 'email', { 'User.UserAttributes.FirstName': 'you' }, r, 'x')).toBe(
      `Hi {{ contact.first_name | default: 'you' }} at {{ contact.email }}`,
    );
    expect(translateHandlebars('{{Address}}', 'sms', {}, r, 'x')).toBe(`{{ contact.phone | default: '' }}`);
    expect(translateHandlebars('{{Demographic.Timezone}} {{Location.Country}}', 'email', {}, r, 'x')).toBe(`{{ contact.time_zone | default: '' }} {{ contact.country | default: '' }}`);
  });

  it('#if/#unless/else and upper/lower/capitalize become Liquid; other helpers are reported and removed', () => {
    const r = report();
    const out = translateHandlebars('{{#unless Attributes.Vip}}{{lower Attributes.Name}}{{else}}{{capitalize Attributes.Name}}{{/unless}}{{#eq a b}}x{{/eq}}', 'email', {}, r, 'x');
    expect(out).toBe(`{% unless contact.vip %}{{ contact.name | default: '' | downcase }}{% else %}{{ contact.name | default: '' | capitalize }}{% endunless %}x`);
    expect(r.entries.filter((e) => e.status === 'not_translated').map((e) => e.construct)).toEqual(['x: {{#eq a b}}']);
  });

  it('an email template becomes template.yaml and body.mjml in the shared layout', () => {
    const { files } = translateEmailTemplate(
      EmailTemplateResponse.parse({ TemplateName: 'Promo', Subject: 'Hello {{Attributes.Name}}', HtmlPart: '<html><body><p>Hi</p></body></html>' }),
      'promo',
      'newsletter',
    );
    expect(files.meta).toEqual({ name: 'Promo', kind: 'marketing', topic: 'newsletter', subject: `Hello {{ contact.name | default: '' }}`, preheader: '', tracking: { opens: true, clicks: true } });
    expect(files.body).toBe('<mj-section>\n  <mj-column>\n    <mj-text>\n      <p>Hi</p>\n    </mj-text>\n  </mj-column>\n</mj-section>\n');
  });

  it('an SMS template becomes { id, name, body }', () => {
    const { file } = translateSmsTemplate(SmsTemplateResponse.parse({ TemplateName: 'Ping', Body: 'Hi {{User.UserAttributes.FirstName}}' }), 'ping');
    expect(file).toEqual({ id: 'ping', name: 'Ping', body: `Hi {{ contact.first_name | default: '' }}` });
  });
});

describe('names, durations and events', () => {
  it('ids are kebab-case from names; attributes are snake_case and never a contact field', () => {
    expect(kebabId('Welcome Series (v2)', 24)).toBe('welcome-series-v2');
    expect(kebabId('2025 promo', 24)).toBe('p-2025-promo');
    expect(attributeName('FirstName')).toBe('first_name');
    expect(attributeName('plan-tier')).toBe('plan_tier');
    expect(attributeName('Email')).toBe('pinpoint_email');
  });

  it('ISO-8601 durations of fixed length', () => {
    expect(isoDurationSeconds('PT30M')).toBe(1_800);
    expect(isoDurationSeconds('P1W')).toBe(604_800);
    expect(isoDurationSeconds('P1M')).toBeUndefined();
  });

  it('engagement events map to ours, custom events keep their name, other system events are refused', () => {
    expect(mapEvent('_email.click')).toEqual({ event: 'email.clicked', where: [], engagement: true });
    expect(mapEvent('_email.complaint')).toMatchObject({ event: 'email.complained' });
    expect(mapEvent('_email.unsubscribe')).toMatchObject({ event: 'email.unsubscribed' });
    expect(mapEvent('_email.delivered')).toMatchObject({ event: 'email.delivered' });
    expect(mapEvent('purchase')).toEqual({ event: 'purchase', where: [], engagement: false });
    expect(mapEvent('_session.start')).toHaveProperty('error');
  });
});
