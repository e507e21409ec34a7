import { describe, expect, it } from 'vitest';
import { classifyKeyword, keywordsOf } from '../../functions/sms/domain/keywords';
import { countParts, MAX_MESSAGE_CHARACTERS } from '../../functions/sms/domain/message-parts';
import { OTHER_COUNTRIES_PER_PART_USD, PRICED_ON, smsCost, smsPrice } from '../../functions/sms/domain/sms-prices';

describe('counting a message as carriers do', () => {
  it('sends 160 GSM-7 characters as one part and 161 as two parts of 153', () => {
    expect(countParts('a'.repeat(160))).toMatchObject({ encoding: 'GSM-7', units: 160, parts: 1, perPart: 160 });
    expect(countParts('a'.repeat(161))).toMatchObject({ encoding: 'GSM-7', units: 161, parts: 2, perPart: 153 });
    expect(countParts('a'.repeat(306)).parts).toBe(2);
    expect(countParts('a'.repeat(307)).parts).toBe(3);
  });

  it('counts the extension table (€, braces, brackets) as two septets', () => {
    expect(countParts('€'.repeat(80))).toMatchObject({ encoding: 'GSM-7', characters: 80, units: 160, parts: 1 });
    expect(countParts('€'.repeat(81))).toMatchObject({ units: 162, parts: 2 });
  });

  it('never ends a part between an escape and its character', () => {
    // 306 septets fit two parts of 153, but € after 152 plain septets would straddle the first part's end: it
    // moves whole to part two, which then overflows into a third.
    const text = 'a'.repeat(152) + '€' + 'a'.repeat(152);
    expect(countParts(text)).toMatchObject({ units: 306, parts: 3 });
    expect(countParts('a'.repeat(151) + '€' + 'a'.repeat(151)).parts).toBe(2);
  });

  it('switches the whole message to UCS-2 for one character outside GSM-7, and names it', () => {
    const parts = countParts('Your offer ends tonight’s midnight');
    expect(parts).toMatchObject({ encoding: 'UCS-2', parts: 1, perPart: 70, nonGsmCharacters: ['’'] });
    expect(countParts('ü'.repeat(200)).encoding).toBe('GSM-7');
    expect(countParts('ç'.repeat(70)).encoding).toBe('UCS-2');
  });

  it('sends 70 UCS-2 units as one part and 71 as two parts of 67', () => {
    expect(countParts('ł'.repeat(70))).toMatchObject({ units: 70, parts: 1 });
    expect(countParts('ł'.repeat(71))).toMatchObject({ units: 71, parts: 2, perPart: 67 });
    expect(countParts('ł'.repeat(135)).parts).toBe(3);
  });

  it('counts an emoji as two units and never splits it across parts', () => {
    expect(countParts('🎉')).toMatchObject({ encoding: 'UCS-2', characters: 1, units: 2, parts: 1 });
    // 66 units then an emoji: it does not fit in the first part's 67, so it opens the second.
    expect(countParts('ł'.repeat(66) + '🎉' + 'ł'.repeat(5))).toMatchObject({ units: 73, parts: 2 });
    expect(countParts('ł'.repeat(66) + '🎉' + 'ł'.repeat(66)).parts).toBe(3);
  });

  it('counts nothing for an empty text and flags a body SendTextMessage would refuse', () => {
    expect(countParts('')).toMatchObject({ parts: 0, units: 0 });
    expect(countParts('a'.repeat(MAX_MESSAGE_CHARACTERS)).tooLong).toBe(false);
    expect(countParts('a'.repeat(MAX_MESSAGE_CHARACTERS + 1)).tooLong).toBe(true);
  });
});

describe('the SMS price file', () => {
  it('prices a listed country per part, dated and marked as an unverified estimate', () => {
    expect(smsPrice('us')).toMatchObject({ country: 'US', listed: true, pricedOn: PRICED_ON, verified: false });
    expect(smsCost('US', 2)).toBeCloseTo(smsPrice('US').perPart * 2, 4);
  });

  it('prices a country it does not list at the high default, saying so', () => {
    expect(smsPrice('XK')).toMatchObject({ listed: false, perPart: OTHER_COUNTRIES_PER_PART_USD });
  });
});

describe('reply keywords', () => {
  it.each([
    ['STOP', 'stop', 'en'],
    ['stop', 'stop', 'en'],
    ['  Stop. ', 'stop', 'en'],
    ['Stop all', 'stop', 'en'],
    ['ARRÊT', 'stop', 'fr'],
    ['baja', 'stop', 'es'],
    ['Stopp!', 'stop', 'de'],
    ['START', 'start', 'en'],
    ['unstop', 'start', 'en'],
    ['HELP', 'help', 'en'],
    ['Ayuda', 'help', 'es'],
    ['aide ?', 'help', 'fr'],
  ])('reads %j as %s (%s)', (body, kind, language) => {
    expect(classifyKeyword(body)).toMatchObject({ kind, language });
  });

  it('does not read a sentence that merely contains a keyword as one', () => {
    expect(classifyKeyword("please don't stop")).toEqual({ kind: 'none' });
    expect(classifyKeyword('Thanks, see you at the demo')).toEqual({ kind: 'none' });
    expect(classifyKeyword('')).toEqual({ kind: 'none' });
  });

  it('lists each kind for help texts', () => {
    expect(keywordsOf('stop')).toContain('UNSUBSCRIBE');
    expect(keywordsOf('help')).toContain('HELP');
  });
});
