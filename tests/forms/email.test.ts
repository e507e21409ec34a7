import { describe, expect, it } from 'vitest';
import { countryCodeOf } from '../../functions/shared/countries';
import { checkEmail, emailKey, suggestDomain } from '../../functions/shared/email-address';
import { cleanText, singleLine } from '../../functions/forms/domain/submission';
import { normalizeEmail } from '../../functions/shared/contact';

const policy = { isDisposable: (domain: string) => domain === 'mailinator.com', rejectFreeMail: false, confirmed: false };

describe('checkEmail', () => {
  it.each([
    ['a@b', 'no TLD'],
    ['a@localhost', 'a single label'],
    ['a@@example.com', 'two @'],
    ['.a@example.com', 'a leading dot'],
    ['a..b@example.com', 'two dots in a row'],
    ['a b@example.com', 'a space'],
    ['a@exa_mple.com', 'an underscore in the host'],
    ['a@-example.com', 'a label starting with a hyphen'],
    ['a@example.c0m', 'digits in the TLD'],
    ['a@1.2.3.4', 'an IP address'],
    ['a@example.com\r\nBcc: b@example.com', 'a header injection'],
    ['josé@example.es', 'a local part SES cannot send to (it has no SMTPUTF8)'],
    ['ｄｏｎ’t@example.com', 'a non-ASCII apostrophe that NFKC leaves as it is'],
  ])('refuses %s (%s)', (address) => {
    expect(checkEmail(address, policy).type).toBe('Rejected');
  });

  it('accepts what people really use: plus tags, dots, hyphens, apostrophes, internationalised domains', () => {
    for (const address of ['ada+news@example.com', 'ada.lovelace@mail.example.co.uk', "o'brien@example.ie", 'jose@bücher.example']) {
      expect(checkEmail(address, policy), address).toMatchObject({ type: 'Ok' });
    }
  });

  it('keys addresses trimmed, NFKC, lower-cased, with punycode domains', () => {
    expect(checkEmail('  Ada@EXAMPLE.com ', policy)).toMatchObject({ key: 'ada@example.com' });
    expect(emailKey('jose\u0301@Bücher.example')).toBe('jos\u00e9@xn--bcher-kva.example');
    expect(normalizeEmail('Ada@Bücher.example')).toBe(emailKey('Ada@Bücher.example'));
  });

  it('keys a full-width address as its ASCII form, so it is the same contact', () => {
    expect(checkEmail('ｇａｒｂ7@example.com', policy)).toMatchObject({ type: 'Ok', key: 'garb7@example.com' });
    expect(checkEmail('ＧＡＲＢ7@ＥＸＡＭＰＬＥ.com', policy)).toMatchObject({ type: 'Ok', key: 'garb7@example.com' });
    expect(normalizeEmail('ｇａｒｂ7@example.com')).toBe('garb7@example.com');
  });

  it('flags role mailboxes and free mail, and refuses free mail only when the form says so', () => {
    expect(checkEmail('info@acme.example', policy)).toMatchObject({ type: 'Ok', role: true, freeMail: false });
    expect(checkEmail('ada@gmail.com', policy)).toMatchObject({ type: 'Ok', role: false, freeMail: true });
    expect(checkEmail('ada@gmail.com', { ...policy, rejectFreeMail: true })).toEqual({ type: 'Rejected', message: 'must be a work address' });
  });

  it('suggests popular domains for one-letter slips and leaves real business domains alone', () => {
    expect(suggestDomain('gmial.com')).toBe('gmail.com');
    expect(suggestDomain('gmail.con')).toBe('gmail.com');
    expect(suggestDomain('hotmial.com')).toBe('hotmail.com');
    expect(suggestDomain('yahooo.com')).toBe('yahoo.com');
    expect(suggestDomain('outlok.com')).toBe('outlook.com');
    for (const domain of ['gmail.com', 'ibm.com', 'acme.example', 'mail.com', 'gmx.de', 'stripe.com']) {
      expect(suggestDomain(domain), domain).toBeUndefined();
    }
  });

  it('never suggests once the visitor confirmed the address', () => {
    expect(checkEmail('ada@gmial.com', policy).type).toBe('Rejected');
    expect(checkEmail('ada@gmial.com', { ...policy, confirmed: true }).type).toBe('Ok');
  });

  it('refuses disposable domains and their subdomains', () => {
    expect(checkEmail('a@mailinator.com', policy).type).toBe('Rejected');
    expect(checkEmail('a@eu.mailinator.com', policy).type).toBe('Rejected');
  });
});

describe('text cleaning', () => {
  it('removes bidi controls and control characters, and flattens line breaks in single-line text only', () => {
    expect(singleLine(' a\u202Eb\u2066c\r\nd\te\u0007 ')).toBe('abc d e');
    expect(cleanText('line one\r\nline\u202E two')).toBe('line one\nline two');
  });
});

describe('countries', () => {
  it('reads ISO codes and English names, in any case, and nothing else', () => {
    expect(countryCodeOf('de')).toBe('DE');
    expect(countryCodeOf('United Kingdom')).toBe('GB');
    expect(countryCodeOf('USA')).toBe('US');
    expect(countryCodeOf("cote d'ivoire")).toBe('CI');
    expect(countryCodeOf('EU')).toBeUndefined();
    expect(countryCodeOf('Atlantis')).toBeUndefined();
  });
});
