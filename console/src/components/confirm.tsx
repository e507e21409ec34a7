import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/**
 * A modal confirmation (the native `<dialog>`: focus moves into it and Escape closes it). `confirmText` is what the
 * person must type to enable the action, for the ones that cannot be undone (erase).
 */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  children: ComponentChildren;
  action: string;
  danger?: boolean;
  busy?: boolean;
  confirmText?: string;
  typed?: string;
  onTyped?: (value: string) => void;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (props.open && !element.open) element.showModal();
    if (!props.open && element.open) element.close();
  }, [props.open]);
  const ready = !props.confirmText || props.typed === props.confirmText;
  return (
    <dialog ref={dialog} aria-labelledby="confirm-title" onCancel={(event) => (event.preventDefault(), props.onCancel())}>
      <h2 id="confirm-title">{props.title}</h2>
      {props.children}
      {props.confirmText ? (
        <label class="field">
          <span>
            Type <strong>{props.confirmText}</strong> to confirm
          </span>
          <input value={props.typed ?? ''} onInput={(event) => props.onTyped?.(event.currentTarget.value)} autoComplete="off" />
        </label>
      ) : null}
      <div class="dialog-actions">
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" class={props.danger ? 'danger' : 'primary'} disabled={!ready || props.busy} onClick={props.onConfirm}>
          {props.busy ? 'Working…' : props.action}
        </button>
      </div>
    </dialog>
  );
}
