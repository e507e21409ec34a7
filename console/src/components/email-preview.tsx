import { useState } from 'preact/hooks';

const WIDTHS = { desktop: 640, phone: 375 } as const;
type Width = keyof typeof WIDTHS | 'both';

/**
 * A rendered email at desktop and phone width, in sandboxed frames (`sandbox=""`: no script, no same origin), and
 * its plain-text part.
 */
export function EmailPreview(props: { subject: string; html: string; text: string }) {
  const [width, setWidth] = useState<Width>('both');
  const shown = width === 'both' ? (['desktop', 'phone'] as const) : ([width] as const);
  return (
    <div class="email-preview">
      <p>
        <strong>Subject:</strong> {props.subject}
      </p>
      <div class="width-toggle" role="group" aria-label="Preview width">
        {(['both', 'desktop', 'phone'] as const).map((choice) => (
          <button type="button" aria-pressed={width === choice} onClick={() => setWidth(choice)}>
            {choice === 'both' ? 'Side by side' : choice === 'desktop' ? `Desktop (${WIDTHS.desktop} px)` : `Phone (${WIDTHS.phone} px)`}
          </button>
        ))}
      </div>
      <div class="email-frames" tabIndex={0} role="region" aria-label="Rendered email (scrolls sideways)">
        {shown.map((name) => (
          <figure>
            <figcaption>
              {name === 'desktop' ? 'Desktop' : 'Phone'}, {WIDTHS[name]} px
            </figcaption>
            <iframe sandbox="" srcdoc={props.html} title={`${props.subject} at ${name} width (${WIDTHS[name]} px)`} width={WIDTHS[name]} height={640} data-width={name} />
          </figure>
        ))}
      </div>
      <h3>Plain text</h3>
      <pre class="email-text">{props.text}</pre>
    </div>
  );
}
