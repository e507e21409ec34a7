import { EmailSettings } from './domain/settings';
import { compiledSettings } from './generated/compiled';

/** content/email.yaml as compiled, validated as this module loads. Imports no template. */
export const emailSettings = EmailSettings.parse(compiledSettings);
