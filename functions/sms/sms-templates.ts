import files from './sms-templates.generated.json' with { type: 'json' };
import { loadSmsTemplates } from './domain/sms-template';

/**
 * Every SMS template, from content/sms/ (bundled as the generated JSON that `npm run content`, `npm start` and
 * `cdk synth` write). Validated again as this module loads, so a broken template never sends.
 */
export const smsTemplates = loadSmsTemplates(files);
