/**
 * The keywords a person texts back to stop, restart or ask about messages, in the languages our senders meet most.
 * A reply is a keyword when the whole message, trimmed, without surrounding punctuation, accents or case, is one:
 * "Stop", "stop." and "ARRÊT" are; "please don't stop" is not (carriers and AWS match whole messages too, and a
 * false STOP silences someone who did not ask for it).
 */

export type KeywordKind = 'stop' | 'start' | 'help';

export type KeywordMatch =
  | { readonly kind: KeywordKind; readonly keyword: string; readonly language: string }
  | { readonly kind: 'none' };

/** Keyword → what it asks and its language (`en` for the ones carriers treat as universal). */
const KEYWORDS: Readonly<Record<string, { kind: KeywordKind; language: string }>> = {
  // Stop: the CTIA / AWS set, then per language.
  STOP: { kind: 'stop', language: 'en' },
  STOPALL: { kind: 'stop', language: 'en' },
  'STOP ALL': { kind: 'stop', language: 'en' },
  UNSUBSCRIBE: { kind: 'stop', language: 'en' },
  CANCEL: { kind: 'stop', language: 'en' },
  END: { kind: 'stop', language: 'en' },
  QUIT: { kind: 'stop', language: 'en' },
  OPTOUT: { kind: 'stop', language: 'en' },
  'OPT-OUT': { kind: 'stop', language: 'en' },
  'OPT OUT': { kind: 'stop', language: 'en' },
  REMOVE: { kind: 'stop', language: 'en' },
  REVOKE: { kind: 'stop', language: 'en' },
  TD: { kind: 'stop', language: 'en' },
  ARRET: { kind: 'stop', language: 'fr' },
  DESABONNER: { kind: 'stop', language: 'fr' },
  BAJA: { kind: 'stop', language: 'es' },
  PARAR: { kind: 'stop', language: 'es' },
  CANCELAR: { kind: 'stop', language: 'es' },
  ALTO: { kind: 'stop', language: 'es' },
  STOPP: { kind: 'stop', language: 'de' },
  ABMELDEN: { kind: 'stop', language: 'de' },
  ANNULLA: { kind: 'stop', language: 'it' },
  BASTA: { kind: 'stop', language: 'it' },
  SAIR: { kind: 'stop', language: 'pt' },
  CANCELA: { kind: 'stop', language: 'pt' },
  AFMELDEN: { kind: 'stop', language: 'nl' },
  // Start again.
  START: { kind: 'start', language: 'en' },
  UNSTOP: { kind: 'start', language: 'en' },
  SUBSCRIBE: { kind: 'start', language: 'en' },
  YES: { kind: 'start', language: 'en' },
  ALTA: { kind: 'start', language: 'es' },
  INICIAR: { kind: 'start', language: 'es' },
  ANMELDEN: { kind: 'start', language: 'de' },
  // Help.
  HELP: { kind: 'help', language: 'en' },
  INFO: { kind: 'help', language: 'en' },
  AIDE: { kind: 'help', language: 'fr' },
  AYUDA: { kind: 'help', language: 'es' },
  HILFE: { kind: 'help', language: 'de' },
  AIUTO: { kind: 'help', language: 'it' },
  AJUDA: { kind: 'help', language: 'pt' },
  HULP: { kind: 'help', language: 'nl' },
};

/** What an inbound message asks for, if it is a keyword. */
export function classifyKeyword(body: string): KeywordMatch {
  const normalized = normalizeKeyword(body);
  const match = KEYWORDS[normalized];
  return match ? { kind: match.kind, keyword: normalized, language: match.language } : { kind: 'none' };
}

/** Every keyword of one kind, for documentation and help texts. */
export function keywordsOf(kind: KeywordKind): readonly string[] {
  return Object.entries(KEYWORDS)
    .filter(([, value]) => value.kind === kind)
    .map(([keyword]) => keyword);
}

/** Trimmed, accents removed, upper-cased, inner whitespace collapsed, punctuation and symbols at either end dropped. */
export function normalizeKeyword(body: string): string {
  return body
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/\s+/g, ' ')
    .replace(/^[\s\p{P}\p{S}]+|[\s\p{P}\p{S}]+$/gu, '');
}
