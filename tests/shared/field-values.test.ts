import { describe, expect, it } from 'vitest';
import { BroadcastDefinition } from '../../functions/broadcasts/domain/broadcast';
import { cleanDeep, cleanText, clip, hasInvisibleCharacters, singleLine } from '../../functions/shared/field-values';

describe('stored text', () => {
  it('drops lone surrogates, C0 and C1 controls and bidi controls, and keeps surrogate pairs', () => {
    expect(cleanText('Ada\ud800 \udc00Love\u0085lace\u009b \u202egpj😀')).toBe('Ada Love\nlace gpj😀');
  });

  it('turns every line break into a newline, and into a space in single-line text', () => {
    expect(cleanText('a\r\nb\rc\u2028d\u2029e\u0085f')).toBe('a\nb\nc\nd\ne\nf');
    expect(singleLine('a\r\nb\u2028c\td')).toBe('a b c d');
  });

  it('cuts text without leaving half a surrogate pair', () => {
    expect(clip('ab😀', 3)).toBe('ab');
    expect(clip('ab😀', 4)).toBe('ab😀');
    expect(clip('abc', 10)).toBe('abc');
  });

  it('tells an id with an invisible character from a clean one', () => {
    expect(hasInvisibleCharacters('anon-1')).toBe(false);
    for (const id of ['anon\u0000', 'anon\u0085', 'a\u202eb', 'a\ud800', 'a\nb', 'a\u2028b']) expect(hasInvisibleCharacters(id), JSON.stringify(id)).toBe(true);
  });

  it('cleans free-form data deeply, keys included', () => {
    expect(cleanDeep({ 'no\u0000te': ['x\u2028y', { z: '\udc00ok' }], n: 1, b: null })).toEqual({ note: ['x\ny', { z: 'ok' }], n: 1, b: null });
  });

  it('cleans a broadcast name and its template data', () => {
    const parsed = BroadcastDefinition.parse({
      id: 'june',
      name: 'June\u2028news\u202e',
      template: 'monthly-newsletter',
      segment: 'webinar-attendees',
      when: { now: true },
      data: { headline: 'Big\u0085news' },
    });
    expect(parsed).toMatchObject({ name: 'June news', data: { headline: 'Big\nnews' } });
  });
});
