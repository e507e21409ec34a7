/** What the console needs to know about where it runs: `/console/config.json`, written at deploy (or by `npm start`). */
export interface ConsoleConfig {
  /** The Cognito user-pool API the sign-in calls (`https://cognito-idp.<region>.amazonaws.com/`, or the local one). */
  readonly auth: { readonly endpoint: string; readonly region: string; readonly userPoolId: string; readonly clientId: string };
  /** The HTTP API's origin; '' when it is served on the console's own origin. */
  readonly apiBase: string;
  /** `local` shows the local users' hint on the sign-in page. */
  readonly environment: string;
}

export async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch('/console/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`The console's configuration could not be read (${response.status}).`);
  return (await response.json()) as ConsoleConfig;
}
