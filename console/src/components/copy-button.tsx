import { useState } from 'preact/hooks';

/** Copies `text` to the clipboard and says so (for screen readers too). */
export function CopyButton(props: { text: string; label: string }) {
  const [said, setSaid] = useState('');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.text);
      setSaid('Copied to the clipboard.');
    } catch {
      setSaid('The browser refused the clipboard: select the text and copy it.');
    }
  };
  return (
    <span class="copy">
      <button type="button" onClick={copy}>
        {props.label}
      </button>
      <span role="status" class="muted">
        {said}
      </span>
    </span>
  );
}
