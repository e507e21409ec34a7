import type { ComponentType } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Api } from './api';
import { currentSession, signOut, type Session } from './auth';
import type { ConsoleConfig } from './config';
import { ConsoleContext, canWith, type Me } from './context';
import { ErrorNote, Loading } from './components/page';
import { href, match, usePlace } from './router';
import { AuditView } from './views/audit';
import { BroadcastView, BroadcastsView, ExperimentView, NewBroadcastView } from './views/broadcasts';
import { ContactView } from './views/contact';
import { ContactsView } from './views/contacts';
import { HomeView } from './views/home';
import { JourneyView, JourneysView } from './views/journeys';
import { ReportsView } from './views/reports';
import { SegmentView, SegmentsView } from './views/segments';
import { SignInView } from './views/sign-in';
import { TemplateView, TemplatesView } from './views/templates';

/** What a view receives: its path parameters and the query string. */
export interface ViewProps {
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
}

/** Every view, by path below `/console`; the first match wins. One component per view. */
const ROUTES: readonly { pattern: string; view: ComponentType<ViewProps> }[] = [
  { pattern: '/', view: HomeView },
  { pattern: '/contacts', view: ContactsView },
  { pattern: '/contacts/:contactId', view: ContactView },
  { pattern: '/segments', view: SegmentsView },
  { pattern: '/segments/:segmentId', view: SegmentView },
  { pattern: '/journeys', view: JourneysView },
  { pattern: '/journeys/:journeyId', view: JourneyView },
  { pattern: '/broadcasts', view: BroadcastsView },
  { pattern: '/broadcasts/new', view: NewBroadcastView },
  { pattern: '/broadcasts/:broadcastId', view: BroadcastView },
  { pattern: '/experiments/:experimentId', view: ExperimentView },
  { pattern: '/templates', view: TemplatesView },
  { pattern: '/templates/:templateId', view: TemplateView },
  { pattern: '/reports', view: ReportsView },
  { pattern: '/audit', view: AuditView },
];

const NAV: readonly { path: string; label: string; scope?: string }[] = [
  { path: '/', label: 'Home' },
  { path: '/contacts', label: 'Contacts', scope: 'contacts:read' },
  { path: '/segments', label: 'Segments' },
  { path: '/journeys', label: 'Journeys', scope: 'journeys:read' },
  { path: '/broadcasts', label: 'Broadcasts' },
  { path: '/templates', label: 'Templates' },
  { path: '/reports', label: 'Reports' },
  { path: '/audit', label: 'Audit', scope: 'admin' },
];

export function App(props: { config: ConsoleConfig }) {
  const [session, setSession] = useState<Session | undefined | null>(null);
  const [me, setMe] = useState<Me | undefined>();
  const [error, setError] = useState<Error | undefined>();
  const api = useMemo(() => new Api(props.config, () => setSession(undefined)), [props.config]);

  useEffect(() => {
    currentSession(props.config).then(setSession, () => setSession(undefined));
  }, [props.config]);
  useEffect(() => {
    if (!session) return setMe(undefined);
    api.get<Me>('/me').then(setMe, (failure: Error) => setError(failure));
  }, [session, api]);

  if (session === null) return <Loading label="Opening the console…" />;
  if (!session) return <SignInView config={props.config} onSignedIn={(next) => (setError(undefined), setSession(next))} />;
  if (error) return <main id="main"><ErrorNote error={error} /><button type="button" onClick={() => (signOut(), setSession(undefined))}>Sign out</button></main>;
  if (!me) return <Loading label="Opening the console…" />;
  const context = { api, me, can: canWith(me.scopes) };
  return (
    <ConsoleContext.Provider value={context}>
      <Shell me={me} username={session.username} onSignOut={() => (signOut(), setSession(undefined))} />
    </ConsoleContext.Provider>
  );
}

function Shell(props: { me: Me; username: string; onSignOut: () => void }) {
  const place = usePlace();
  const can = canWith(props.me.scopes);
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [place.path]);
  let routed: { view: ComponentType<ViewProps>; params: Record<string, string> } | undefined;
  for (const route of ROUTES) {
    const params = match(route.pattern, place.path);
    if (params) {
      routed = { view: route.view, params };
      break;
    }
  }
  const section = `/${place.path.split('/')[1] ?? ''}`;
  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="top-bar">
        <a class="brand" href={href('/')}>
          Nurture
        </a>
        <button type="button" class="menu-button" aria-expanded={menuOpen} aria-controls="nav" onClick={() => setMenuOpen(!menuOpen)}>
          Menu
        </button>
        <nav id="nav" aria-label="Console" class={menuOpen ? 'open' : undefined}>
          <ul>
            {NAV.filter((item) => !item.scope || can(item.scope)).map((item) => (
              <li>
                <a href={href(item.path)} aria-current={section === item.path || (item.path === '/' && place.path === '/') ? 'page' : undefined}>
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span>
            {props.username}
            {props.me.role ? <span class="role"> · {props.me.role}</span> : null}
          </span>
          <button type="button" onClick={props.onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main">
        {routed ? <routed.view params={routed.params} query={place.query} /> : <NotFound />}
      </main>
    </div>
  );
}

function NotFound() {
  return (
    <section class="page">
      <h1>Not found</h1>
      <p>
        There is no such page in the console. <a href={href('/')}>Go home</a>.
      </p>
    </section>
  );
}
