/**
 * How carriers count a text message: the encoding its characters force and the parts it is split into. Each part
 * is billed as one message, so this is what an SMS costs.
 *
 * GSM-7 (GSM 03.38): 160 septets in one part; a longer message is split into parts of 153 (the concatenation header
 * takes 7). Characters of the extension table (`^{}\[~]|€` and form feed) take two septets, an escape and the
 * character, and a part never ends between the two. One character outside both tables makes the whole message UCS-2:
 * 70 UTF-16 code units in one part, 67 per part when split; a part never ends inside a surrogate pair (an emoji).
 */

/** GSM 03.38 basic character set (the escape itself excluded). */
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
/** GSM 03.38 extension table: each takes an escape septet and its own. */
const GSM_EXTENSION = new Set('^{}\\[~]|€\f');

/** The most characters End User Messaging's SendTextMessage accepts in one message body. */
export const MAX_MESSAGE_CHARACTERS = 1600;

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface MessageParts {
  readonly encoding: SmsEncoding;
  /** Characters as a person counts them (code points). */
  readonly characters: number;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2) the text takes. */
  readonly units: number;
  /** The parts the message is sent (and billed) as; 0 for an empty text. */
  readonly parts: number;
  /** The units one part holds at this length: 160 / 70 for a single part, 153 / 67 when split. */
  readonly perPart: number;
  /** The characters that forced UCS-2 (each once, in order of appearance); empty for GSM-7. */
  readonly nonGsmCharacters: readonly string[];
  /** Over {@link MAX_MESSAGE_CHARACTERS}: SendTextMessage refuses it. */
  readonly tooLong: boolean;
}

/** The encoding, units and parts of one message text, as carriers count them. */
export function countParts(text: string): MessageParts {
  const characters = [...text];
  const nonGsmCharacters = [...new Set(characters.filter((c) => !GSM_BASIC.has(c) && !GSM_EXTENSION.has(c)))];
  const tooLong = characters.length > MAX_MESSAGE_CHARACTERS;
  if (nonGsmCharacters.length === 0) {
    // Each character's width in septets: the escape pair is indivisible.
    const widths = characters.map((c) => (GSM_EXTENSION.has(c) ? 2 : 1));
    return { encoding: 'GSM-7', characters: characters.length, nonGsmCharacters, tooLong, ...split(widths, 160, 153) };
  }
  // UTF-16 code units per code point: an astral character is a surrogate pair, kept in one part.
  const widths = characters.map((c) => c.length);
  return { encoding: 'UCS-2', characters: characters.length, nonGsmCharacters, tooLong, ...split(widths, 70, 67) };
}

/** Fills parts of `perPart` units with indivisible widths; a text within `single` units is one part. */
function split(widths: readonly number[], single: number, perPart: number): { units: number; parts: number; perPart: number } {
  const units = widths.reduce((sum, w) => sum + w, 0);
  if (units === 0) return { units, parts: 0, perPart: single };
  if (units <= single) return { units, parts: 1, perPart: single };
  let parts = 1;
  let used = 0;
  for (const width of widths) {
    if (used + width > perPart) {
      parts += 1;
      used = 0;
    }
    used += width;
  }
  return { units, parts, perPart };
}
