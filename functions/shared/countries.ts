/**
 * ISO 3166-1 alpha-2 codes (the 249 officially assigned ones). English names are resolved with Intl.DisplayNames,
 * which Node ships, so a person may type "Germany" or "de" and "DE" is stored.
 */
export const COUNTRY_CODES: ReadonlySet<string> = new Set(
  [
  'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ',
  'BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR',
  'CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR',
  'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU',
  'ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ',
  'LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ',
  'MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF',
  'PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI',
  'SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR',
  'TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW',
  ]
    .join(' ')
    .split(' '),
);

let byName: Map<string, string> | undefined;

/** The ISO code of a country typed as a code or an English name (case-insensitive), or undefined. */
export function countryCodeOf(input: string): string | undefined {
  const upper = input.trim().toUpperCase();
  if (COUNTRY_CODES.has(upper)) return upper;
  if (!byName) {
    const names = new Intl.DisplayNames(['en'], { type: 'region' });
    byName = new Map([...COUNTRY_CODES].map((code) => [fold(names.of(code) ?? code), code]));
    for (const [alias, code] of Object.entries(aliases)) byName.set(fold(alias), code);
  }
  return byName.get(fold(input));
}

const aliases: Record<string, string> = {
  USA: 'US',
  'United States of America': 'US',
  UK: 'GB',
  'Great Britain': 'GB',
  England: 'GB',
  Russia: 'RU',
  'South Korea': 'KR',
  Czechia: 'CZ',
  'Czech Republic': 'CZ',
  Holland: 'NL',
  'The Netherlands': 'NL',
};

function fold(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z]/g, '');
}
