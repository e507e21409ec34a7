import { useEffect, useRef, useState } from 'preact/hooks';

let renders = 0;

/**
 * A Mermaid diagram drawn as SVG. Mermaid is loaded here, on first use, so it is never in the first view's bundle;
 * `securityLevel: 'strict'` sanitizes labels, and the SVG's own styles are inline styles, which the page's CSP allows.
 */
export function MermaidDiagram(props: { source: string; label: string }) {
  const box = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    let current = true;
    (async () => {
      const { default: mermaid } = await import('mermaid');
      mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'neutral', flowchart: { useMaxWidth: true } });
      const { svg } = await mermaid.render(`journey-diagram-${++renders}`, props.source);
      if (!current || !box.current) return;
      box.current.innerHTML = svg;
      const drawn = box.current.querySelector('svg');
      drawn?.setAttribute('role', 'img');
      drawn?.setAttribute('aria-label', props.label);
      setError(undefined);
    })().catch((failure: unknown) => current && setError(failure instanceof Error ? failure.message : String(failure)));
    return () => {
      current = false;
    };
  }, [props.source, props.label]);
  return (
    <div class="diagram-scroll" tabIndex={0} role="region" aria-label={`${props.label} (scrolls sideways)`}>
      {error ? <p class="error">The diagram could not be drawn: {error}</p> : null}
      <div ref={box} class="diagram" />
    </div>
  );
}
