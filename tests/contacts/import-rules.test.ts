import { describe, expect, it } from 'vitest';
import { attributeFields, emailTopics } from '../../functions/contacts/attribute-fields';
import { checkSettings, columnTarget, consentAnswer, planColumns, rowContact, rowReasons, type ImportSettings } from '../../functions/contacts/domain/import';
import { ImportTally, formatReport } from '../../functions/contacts/domain/import-report';
import { CsvParser, MalformedCsv } from '../../functions/contacts/import-csv';

const rules = { fields: attributeFields(), topics: emailTopics };
const settings = (overrides: Partial<ImportSettings> = {}): ImportSettings => ({ map: {}, basis: 'import', source: 'list.csv', confirmEmails: false, ...overrides });
const parse = (text: string, chunk = text.length) => {
  const parser = new CsvParser();
  const records = [];
  for (let i = 0; i < text.length; i += chunk) records.push(...parser.push(text.slice(i, i + chunk)));
  return [...records, ...parser.end()].map((record) => record.cells);
};

describe('reading CSV', () => {
  it('reads quoted fields holding commas, quotes and line breaks, CRLF line ends and a byte order mark', () => {
    const text = '\ufeffemail,note\r\nada@example.com,"Lovelace, Ada ""the first"""\r\nbob@example.com,"two\r\nlines"\r\n';

    expect(parse(text)).toEqual([
      ['email', 'note'],
      ['ada@example.com', 'Lovelace, Ada "the first"'],
      ['bob@example.com', 'two\r\nlines'],
    ]);
  });

  it('reads the same records whatever the chunks the text arrives in', () => {
    const text = '\ufeffa,b\r\n"x ""y""",2\n"multi\nline",3\r\nlast,4';
    const whole = parse(text);

    for (const size of [1, 2, 3, 5, 7]) expect(parse(text, size)).toEqual(whole);
    expect(whole).toEqual([['a', 'b'], ['x "y"', '2'], ['multi\nline', '3'], ['last', '4']]);
  });

  it('skips empty lines, keeps empty cells and reads a last line without a line break', () => {
    expect(parse('a,b\n\n1,\n,2')).toEqual([['a', 'b'], ['1', ''], ['', '2']]);
  });

  it('refuses a quote left open, naming the line it opened on', () => {
    expect(() => parse('a,b\n1,"never closed\n2,3\n')).toThrow(new MalformedCsv('line 2: a quoted field is never closed'));
  });

  it('refuses text after a closing quote', () => {
    expect(() => parse('a,b\n"x"y,2\n')).toThrow(MalformedCsv);
  });
});

describe('planning columns', () => {
  it('matches headers to fields ignoring case, spaces and punctuation, with the usual names for email and names', () => {
    const plan = planColumns(['E-Mail', 'First Name', 'Surname', 'BUDGET', 'Tags', 'External ID'], settings(), rules);

    expect(plan).toEqual({
      type: 'Planned',
      columns: new Map<string, unknown>([
        ['E-Mail', { kind: 'email' }],
        ['First Name', { kind: 'attribute', name: 'first_name' }],
        ['Surname', { kind: 'attribute', name: 'last_name' }],
        ['BUDGET', { kind: 'attribute', name: 'budget' }],
        ['Tags', { kind: 'tags' }],
        ['External ID', { kind: 'externalId' }],
      ]),
    });
  });

  it('follows --map over the names, and skips a column mapped to nothing', () => {
    const plan = planColumns(['Courriel', 'Prénom', 'Notes'], settings({ map: { courriel: 'email', 'Prénom': 'first_name', Notes: '' } }), rules);

    expect(plan.type === 'Planned' && [...plan.columns.values()]).toEqual([{ kind: 'email' }, { kind: 'attribute', name: 'first_name' }, { kind: 'skip' }]);
  });

  it('refuses a file without an email column, naming its columns and the fix', () => {
    const plan = planColumns(['Name', 'Phone'], settings(), rules);

    expect(plan).toEqual({ type: 'Unplannable', problems: ['no email column (the columns are "Name", "Phone"): name one "email" or map it with --map "<column>=email"'] });
  });

  it('refuses two columns filling one field, a consent field without a topic and utm columns', () => {
    const plan = planColumns(['email', 'Email Address', 'newsletter_consent', 'utm_source'], settings(), rules);

    expect(plan.type === 'Unplannable' && plan.problems).toEqual([
      'columns "email" and "Email Address" both fill email: skip one with --map "Email Address="',
      'column "newsletter_consent" is a consent field: import consent with --topic <topic> --consent-column "newsletter_consent", or skip it with --map "newsletter_consent="',
      'column "utm_source": utm_* values are not attributes (they come with form posts and tracking); skip it with --map "utm_source="',
    ]);
  });

  it('refuses a consent column or --map column the file does not have', () => {
    const plan = planColumns(['email'], settings({ topic: 'newsletter', consentColumn: 'opt in', map: { Mail: 'email' } }), rules);

    expect(plan.type === 'Unplannable' && plan.problems).toEqual([
      '--map names the column "Mail", which the file does not have',
      '--consent-column "opt in" is not a column of the file',
    ]);
  });

  it('needs a consent column with a topic, and a topic with a consent column', () => {
    expect(checkSettings(settings({ topic: 'newsletter' }), rules)).toEqual([
      "--topic needs --consent-column: a marketing topic is only subscribed with each row's consent",
    ]);
    expect(checkSettings(settings({ consentColumn: 'consent' }), rules)).toEqual(['--consent-column needs --topic: the topic the consent is for']);
    expect(checkSettings(settings({ topic: 'weekly', consentColumn: 'consent' }), rules)).toEqual(['--topic must be one of: all, newsletter, product, nurture']);
  });
});

describe('a row as a contact', () => {
  const withTopic = settings({ topic: 'newsletter', consentColumn: 'Consent' });
  const targetOf = (column: string) => columnTarget(column, withTopic, rules);

  it('subscribes a row to the topic when its consent column says yes, with the basis and source', () => {
    const row = rowContact({ Email: 'ada@example.com', 'First Name': 'Ada', Consent: 'Yes' }, targetOf, withTopic);

    expect(row).toEqual({
      type: 'Contact',
      body: {
        email: 'ada@example.com',
        attributes: { first_name: 'Ada' },
        consents: [{ topic: 'newsletter', status: 'subscribed', basis: 'import', source: 'list.csv' }],
      },
    });
  });

  it('rejects a row whose consent column is empty or no, rather than importing it unsubscribed or subscribed', () => {
    for (const answer of ['', 'no', 'FALSE', '0']) {
      expect(rowContact({ Email: 'ada@example.com', Consent: answer }, targetOf, withTopic)).toEqual({
        type: 'Rejected',
        reasons: ['no consent to "newsletter" (the "Consent" column is empty or no): rows imported with --topic need consent'],
      });
    }
  });

  it('rejects a consent answer that is neither yes nor no', () => {
    expect(rowContact({ Email: 'ada@example.com', Consent: 'maybe' }, targetOf, withTopic).type).toBe('Rejected');
    expect(['yes', 'Y', 'true', '1', 'x', 'subscribed', 'opt-in'].map(consentAnswer)).toEqual(Array(7).fill('yes'));
  });

  it('leaves empty cells out, so an import never removes an attribute, and splits tags at ; and ,', () => {
    const plain = settings();
    const row = rowContact({ email: 'ada@example.com', company: '  ', budget: null, tags: 'vip; beta,trial' }, (c) => columnTarget(c, plain, rules), plain);

    expect(row).toEqual({ type: 'Contact', body: { email: 'ada@example.com', tags: ['vip', 'beta', 'trial'] } });
  });

  it('keeps addresses out of reasons: a typo suggestion names only the domain', () => {
    expect(rowReasons([{ field: 'email', message: 'did you mean ada@gmail.com?' }, { field: 'attributes.budget', message: 'must be a number' }], 'ada@gmail.com')).toEqual([
      'email: the domain looks mistyped (did you mean @gmail.com?); --confirm-emails imports addresses as written',
      'budget: must be a number',
    ]);
  });
});

describe('the report', () => {
  it('counts rows arriving in any order and lists them as ranges, rejected rows with their reasons', () => {
    const tally = new ImportTally();
    for (const row of [5, 2, 3, 7]) tally.add({ row, result: 'created', contactId: `c${row}` });
    tally.add({ row: 6, result: 'rejected', reasons: ['email: must be a valid email address'] });
    tally.duplicate(4, 2);

    const report = tally.report();

    expect(report).toEqual({
      rows: 6,
      created: { count: 4, rows: '2-3,5,7' },
      updated: { count: 0, rows: '' },
      unchanged: { count: 0, rows: '' },
      rejected: {
        count: 2,
        rows: '4,6',
        duplicates: 1,
        reasons: [
          { row: 4, reasons: ['duplicate of row 2 (the same email): the first row wins'] },
          { row: 6, reasons: ['email: must be a valid email address'] },
        ],
      },
    });
    expect(formatReport(report)).toContain('row 6: email: must be a valid email address');
  });
});
