import demoRequest from '../../content/forms/demo-request.json' with { type: 'json' };
import newsletter from '../../content/forms/newsletter.json' with { type: 'json' };
import { loadForms } from './domain/form-definition';

/**
 * Every form the endpoint accepts. To add one, put its file in content/forms/ and list it here; it is validated
 * as this module loads (cold start, `npm start`, `cdk synth` and the test suite).
 */
export const forms = loadForms({
  'demo-request.json': demoRequest,
  'newsletter.json': newsletter,
});
