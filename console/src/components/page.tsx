import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { ApiError, type Resource } from '../api';

/** A view's frame: its heading (focused on arrival, for screen readers and keyboards) and the window title. */
export function Page(props: { title: string; actions?: ComponentChildren; children: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${props.title} · Nurture console`;
    heading.current?.focus({ preventScroll: true });
  }, [props.title]);
  return (
    <section class="page" aria-labelledby="page-title">
      <header class="page-header">
        <h1 id="page-title" tabIndex={-1} ref={heading}>
          {props.title}
        </h1>
        {props.actions ? <div class="page-actions">{props.actions}</div> : null}
      </header>
      {props.children}
    </section>
  );
}

/** A titled card within a view. */
export function Card(props: { title?: string; id?: string; children: ComponentChildren; class?: string }) {
  const headingId = props.id ? `${props.id}-title` : undefined;
  return (
    <section class={`card ${props.class ?? ''}`} aria-labelledby={headingId} id={props.id}>
      {props.title ? <h2 id={headingId}>{props.title}</h2> : null}
      {props.children}
    </section>
  );
}

/** What a failed call said, in words (the API's `message`), with the error code for support. */
export function ErrorNote(props: { error: Error | undefined }) {
  if (!props.error) return null;
  const code = props.error instanceof ApiError ? ` (${props.error.status} ${props.error.error})` : '';
  return (
    <p class="error" role="alert">
      {props.error.message}
      {code}
    </p>
  );
}

export function Loading(props: { label?: string }) {
  return (
    <p class="loading" role="status" aria-live="polite">
      {props.label ?? 'Loading…'}
    </p>
  );
}

/** Renders a resource: loading, its error, or `children(data)`. */
export function Loaded<T>(props: { resource: Resource<T>; children: (data: T) => ComponentChildren; label?: string }) {
  const { data, error, loading } = props.resource;
  if (error) return <ErrorNote error={error} />;
  if (data === undefined) return loading ? <Loading label={props.label} /> : null;
  return <>{props.children(data)}</>;
}

/** A data table with a caption (read by screen readers) that scrolls sideways at phone width. */
export function Table(props: { caption: string; head: readonly string[]; rows: readonly ComponentChildren[][]; empty?: string; numeric?: readonly number[] }) {
  if (!props.rows.length) return <p class="empty">{props.empty ?? 'Nothing yet.'}</p>;
  const numeric = new Set(props.numeric ?? []);
  return (
    <div class="table-scroll" tabIndex={0} role="region" aria-label={props.caption}>
      <table>
        <caption class="visually-hidden">{props.caption}</caption>
        <thead>
          <tr>
            {props.head.map((cell, index) => (
              <th scope="col" class={numeric.has(index) ? 'num' : undefined}>
                {cell}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <tr>
              {row.map((cell, index) => (
                <td class={numeric.has(index) ? 'num' : undefined}>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
