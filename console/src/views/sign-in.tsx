import { useState } from 'preact/hooks';
import { answerCode, setNewPassword, signIn, type Session } from '../auth';
import type { ConsoleConfig } from '../config';

/** Per-person sign-in: username and password, then a new password on a first sign-in with a temporary one. */
export function SignInView(props: { config: ConsoleConfig; onSignedIn: (session: Session) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [challenge, setChallenge] = useState<string | undefined>();
  const [codeChallenge, setCodeChallenge] = useState<string | undefined>();
  const [code, setCode] = useState('');
  const [newPassword, setNewPasswordValue] = useState('');
  const [message, setMessage] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setMessage(undefined);
    try {
      const outcome = codeChallenge
        ? await answerCode(props.config, username.trim(), codeChallenge, code.trim())
        : challenge
          ? await setNewPassword(props.config, username, challenge, newPassword)
          : await signIn(props.config, username.trim(), password);
      if (outcome.type === 'SignedIn') props.onSignedIn(outcome.session);
      else if (outcome.type === 'NewPasswordRequired') setChallenge(outcome.challengeSession);
      else if (outcome.type === 'CodeRequired') setCodeChallenge(outcome.challengeSession);
      else setMessage(outcome.message);
    } catch {
      setMessage('The sign-in service could not be reached. Try again in a moment.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="sign-in" id="main">
      <form class="card" onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Sign in to Nurture</h1>
        {codeChallenge ? (
          <label class="field">
            <span>Code from your authenticator app</span>
            <input inputMode="numeric" autoComplete="one-time-code" required value={code} onInput={(e) => setCode(e.currentTarget.value)} />
          </label>
        ) : challenge ? (
          <>
            <p>Choose a new password for {username}: the one you were given was temporary.</p>
            <label class="field">
              <span>New password</span>
              <input type="password" autoComplete="new-password" required value={newPassword} onInput={(e) => setNewPasswordValue(e.currentTarget.value)} />
            </label>
          </>
        ) : (
          <>
            <label class="field">
              <span>Username</span>
              <input name="username" autoComplete="username" required value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
            </label>
            <label class="field">
              <span>Password</span>
              <input name="password" type="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
            </label>
          </>
        )}
        {message ? (
          <p class="error" role="alert">
            {message}
          </p>
        ) : null}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : challenge ? 'Set password and sign in' : 'Sign in'}
        </button>
        {props.config.environment === 'local' ? (
          <p class="hint">
            Locally: <code>admin</code>, <code>marketer</code> or <code>viewer</code>, with the password <code>npm start</code> printed.
          </p>
        ) : null}
      </form>
    </main>
  );
}
