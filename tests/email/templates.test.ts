import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TemplateRenderer, TemplateRenderFailed, UnknownTemplate } from '../../functions/email/domain/render';
import { sampleContext } from '../../functions/email/samples';
import { emails } from '../../functions/email/templates';
import { compileEmails, generatedModule, moduleSource, outputsWithoutDefault } from '../../lib/email/compile-templates';

/** The templates the shipped journeys send, by journey. */
const shipped = {
  'budget-router': ['nurture-1', 'nurture-2', 'nurture-3', 'nurture-4', 'demo-offer', 'rep-will-call'],
  welcome: ['welcome', 'tips-day-2', 'tips-day-5'],
  'cart-recovery': ['cart-reminder-1', 'cart-reminder-2'],
  'trial-expiry': ['trial-ending-soon', 'trial-ends-today'],
  'double opt-in': ['confirm-subscription', 'confirm-subscription-reminder'],
  /** content/broadcasts/newsletter-2026-06.yaml */
  broadcasts: ['monthly-newsletter'],
};
const allShipped = Object.values(shipped).flat();

describe('email templates', () => {
  it('compile to exactly the committed module (run `npm run email -- build` after editing content/emails)', async () => {
    const expected = moduleSource(await compileEmails());
    expect(readFileSync(generatedModule, 'utf8') === expected, 'functions/email/generated/compiled.ts is stale').toBe(true);
  }, 60_000);

  it('refuse to build a template whose compiled HTML is not valid Liquid, naming it', async () => {
    // A double-quoted default inside a double-quoted href: the attribute ends early and the output is cut in two.
    const dir = mkdtempSync(join(tmpdir(), 'nurture-emails-'));
    cpSync(join(import.meta.dirname, '../../content'), dir, { recursive: true });
    mkdirSync(join(dir, 'emails/broken-link'));
    writeFileSync(join(dir, 'emails/broken-link/template.yaml'), 'kind: marketing\ntopic: newsletter\nname: Broken\nsubject: Hello\n');
    writeFileSync(
      join(dir, 'emails/broken-link/body.mjml'),
      '<mj-section><mj-column><mj-text><a href="https://example.com/?plan={{ contact.plan | default: "" }}">Account</a></mj-text></mj-column></mj-section>\n',
    );

    await expect(compileEmails(dir)).rejects.toThrow(/content\/emails\/broken-link: the compiled (HTML|text part) is not valid Liquid/);
  }, 60_000);

  it('include every template the shipped journeys and broadcasts use, with their topics', () => {
    const renderer = new TemplateRenderer(emails);
    expect(renderer.ids().sort()).toEqual([...allShipped].sort());
    const topicOf = (id: string) => {
      const meta = renderer.meta(id);
      return meta.kind === 'marketing' ? meta.topic : 'transactional';
    };
    expect(shipped['budget-router'].map(topicOf)).toEqual(['nurture', 'nurture', 'nurture', 'nurture', 'nurture', 'transactional']);
    expect(shipped.welcome.map(topicOf)).toEqual(['newsletter', 'newsletter', 'newsletter']);
    expect(shipped.broadcasts.map(topicOf)).toEqual(['newsletter']);
    expect([...shipped['cart-recovery'], ...shipped['trial-expiry']].map(topicOf)).toEqual(['product', 'product', 'product', 'product']);
  });

  describe.each(allShipped)('%s', (templateId) => {
    it('renders in strict mode with the sample contact: subject, preheader, HTML and text', () => {
      const email = new TemplateRenderer(emails, { strict: true }).render(templateId, sampleContext());
      expect(email.subject.length).toBeGreaterThan(3);
      expect(email.html).toMatch(/^<!doctype html>/i);
      expect(email.html).not.toMatch(/\{\{|\{%|<\/?mj-/);
      expect(email.text).not.toMatch(/\{\{|\{%|<\/?[a-z]/);
      expect(email.text).toContain('Example Inc., 100 Main Street');
    });

    it('renders a contact with no attributes and no data through its defaults, never an empty gap', () => {
      const email = new TemplateRenderer(emails).render(templateId, sampleContext({ contact: { email: 'x@example.com' }, data: {} }));
      expect(email.subject).not.toMatch(/^[\s,]|\s,|\s{2}|\s$/);
      expect(email.text).not.toMatch(/Hi ,|Hi\s*$/m);
    });
  });

  it('carries the unsubscribe and preference links in every marketing email, and none in transactional ones', () => {
    const renderer = new TemplateRenderer(emails);
    for (const id of allShipped) {
      const email = renderer.render(id, sampleContext());
      const hasUnsubscribe = email.html.includes('href="https://nurture.example.com/u/sample-token"');
      expect(hasUnsubscribe, id).toBe(renderer.meta(id).kind === 'marketing');
    }
  });

  it('escapes contact values in HTML but not in the subject or text part', () => {
    const email = new TemplateRenderer(emails).render('welcome', sampleContext({ contact: { first_name: 'Tom & <Jerry>' } }));
    expect(email.html).toContain('Tom &amp; &lt;Jerry&gt;');
    expect(email.html).not.toContain('<Jerry>');
    expect(email.subject).toBe('Welcome, Tom & <Jerry>!');
  });

  it('fails loudly in strict mode on a variable the context lacks', () => {
    const renderer = new TemplateRenderer(emails, { strict: true });
    expect(() => renderer.render('nurture-1', sampleContext({ contact: { email: 'x@example.com' } }))).toThrow(TemplateRenderFailed);
  });

  it('refuses an unknown template id', () => {
    expect(() => new TemplateRenderer(emails).render('nope', sampleContext())).toThrow(UnknownTemplate);
  });

  it('refuses, at build time, a contact or data output without a default', () => {
    expect(outputsWithoutDefault('Hi {{ contact.first_name }} {{ data.x | default: 1 }} {{ contact.email }} {{ links.unsubscribe }}')).toEqual([
      'contact.first_name',
    ]);
  });
});
