import { useCallback, useEffect, useState } from 'preact/hooks';
import { currentSession } from './auth';
import type { ConsoleConfig } from './config';

/** A refusal or failure of the HTTP API, as its JSON error body names it (`{ error, message }`). */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

type Query = Record<string, string | number | boolean | undefined>;

/**
 * The console's one way to the HTTP API: the public routes any API client uses, with the signed-in person's access
 * token as the bearer credential. Answers are JSON; a refusal becomes an {@link ApiError} naming the problem.
 */
export class Api {
  constructor(
    private readonly config: ConsoleConfig,
    private readonly onSignedOut: () => void,
  ) {}

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, { query });
  }
  post<T>(path: string, body?: unknown, query?: Query): Promise<T> {
    return this.request<T>('POST', path, { body, query });
  }
  put<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('PUT', path, { body });
  }
  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path, {});
  }

  /** The raw answer of a GET (CSV downloads), with the same credential. */
  async download(path: string, query?: Query): Promise<Blob> {
    const response = await this.fetch('GET', path, { query });
    return response.blob();
  }

  /** A path with its query string, for display and downloads. */
  url(path: string, query?: Query): string {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined && value !== '') search.set(key, String(value));
    const text = search.toString();
    return `${this.config.apiBase}${path}${text ? `?${text}` : ''}`;
  }

  private async request<T>(method: string, path: string, options: { query?: Query; body?: unknown }): Promise<T> {
    const response = await this.fetch(method, path, options);
    const type = response.headers.get('content-type') ?? '';
    return (type.includes('json') ? await response.json() : await response.text()) as T;
  }

  private async fetch(method: string, path: string, options: { query?: Query; body?: unknown }): Promise<Response> {
    const session = await currentSession(this.config);
    if (!session) {
      this.onSignedOut();
      throw new ApiError(401, 'signed_out', 'Your session ended: sign in again.');
    }
    const response = await fetch(this.url(path, options.query), {
      method,
      headers: {
        authorization: `Bearer ${session.accessToken}`,
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    if (response.ok) return response;
    const answer = (await response.json().catch(() => ({}))) as { error?: string; message?: string };
    if (response.status === 401) this.onSignedOut();
    throw new ApiError(response.status, answer.error ?? 'http_error', answer.message ?? `The API answered ${response.status}.`, answer);
  }
}

export interface Resource<T> {
  readonly data: T | undefined;
  readonly error: Error | undefined;
  readonly loading: boolean;
  readonly reload: () => void;
}

/** Loads `load()` when the view opens and whenever `deps` change; `reload()` loads again. */
export function useResource<T>(load: () => Promise<T>, deps: readonly unknown[]): Resource<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let current = true;
    setState((previous) => ({ ...previous, loading: true, error: undefined }));
    load().then(
      (data) => current && setState({ data, loading: false }),
      (error: unknown) => current && setState({ error: error instanceof Error ? error : new Error(String(error)), loading: false }),
    );
    return () => {
      current = false;
    };
  }, [...deps, generation]);
  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}
