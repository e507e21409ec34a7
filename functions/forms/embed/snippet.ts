/**
 * The embed snippet served at `GET /embed.js`: posts `[data-nurture]` forms with fetch, fills campaign fields and
 * shows inline errors. Without JavaScript (or if this script fails) the form still posts as plain HTML.
 *
 * Browser code with no dependencies and no imports: type-checked against the DOM (./tsconfig.json), compiled to
 * ES2017 and minified by lib/forms/embed-files.ts into `snippet.generated.json`, which the function serves.
 */

/** The form's answer to a post: the contact's visitor id on success, the fields' errors on 422. */
interface Answer {
  readonly visitor?: string;
  readonly suggestion?: string;
  readonly errors?: readonly { readonly field: string; readonly message: string }[];
}

/** `GET /forms/{formId}/config`: the render token and what the form shows. */
interface FormConfig {
  readonly cookiesNeedConsent?: boolean;
  readonly consentFields?: readonly string[];
  readonly token?: string;
  readonly hiddenFields?: readonly string[];
  readonly redirectUrl?: string;
  readonly captcha?: { readonly provider: string; readonly siteKey: string };
}

type Field = HTMLInputElement | RadioNodeList;
type StorageArea = 'localStorage' | 'sessionStorage';

(function () {
  'use strict';
  const CAMPAIGN = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'gclid', 'fbclid', 'msclkid'];
  const VISITOR = 'nurture_visitor';
  const STYLE =
    '.nurture-error{display:block;color:#b42318;font-size:.9em;margin-top:.25em}' +
    '.nurture-error button{font:inherit;color:inherit;text-decoration:underline;background:none;border:0;padding:0;cursor:pointer}' +
    '[aria-invalid=true]{border-color:#b42318!important}';

  // Storage may be blocked (privacy settings, sandboxed frames): reading it throws, and the snippet goes on without.
  function store(area: StorageArea): Storage | null {
    try {
      return window[area];
    } catch {
      return null;
    }
  }
  function read(area: StorageArea, key: string): string | null {
    const s = store(area);
    try {
      return s ? s.getItem(key) : null;
    } catch {
      return null;
    }
  }
  function write(area: StorageArea, key: string, value: string): void {
    const s = store(area);
    try {
      if (s) s.setItem(key, value);
    } catch {
      // Full or blocked: the visitor id is a convenience, never required.
    }
  }
  function cookie(name: string): string | null {
    const m = document.cookie.match(new RegExp('(?:^|; )' + name + '=([^;]*)'));
    return m ? decodeURIComponent(m[1] ?? '') : null;
  }

  function field(form: HTMLFormElement, name: string): Field | null {
    return form.elements.namedItem(name) as Field | null;
  }

  /** Adds a hidden field, or fills an empty one the page declared; a value the page set is kept. */
  function hidden(form: HTMLFormElement, name: string, value: string | null | undefined): void {
    if (value == null || value === '') return;
    let input = field(form, name);
    if (!input) {
      const created = document.createElement('input');
      created.type = 'hidden';
      created.name = name;
      form.appendChild(created);
      input = created;
    }
    if ('type' in input && input.type === 'hidden' && !input.value) input.value = value;
  }

  function consented(form: HTMLFormElement, config: FormConfig): boolean {
    if (!config.cookiesNeedConsent) return true;
    return (config.consentFields || []).some(function (name) {
      const box = field(form, name);
      return Boolean(box && 'checked' in box && box.checked);
    });
  }

  /** The element an error goes after: the field's `[data-nurture-field]` wrapper, or the field itself. */
  function fieldBox(form: HTMLFormElement, name: string): Element | null {
    const found = field(form, name);
    if (!found) return null;
    const input = found instanceof RadioNodeList ? (found[0] as Element) : found;
    return input.closest('[data-nurture-field]') || input;
  }

  function clearErrors(form: HTMLFormElement): void {
    Array.prototype.forEach.call(form.querySelectorAll('.nurture-error'), function (e: Element) {
      e.remove();
    });
    Array.prototype.forEach.call(form.querySelectorAll('[aria-invalid]'), function (e: Element) {
      e.removeAttribute('aria-invalid');
    });
  }

  function showError(form: HTMLFormElement, name: string, message: string, suggestion: string | null | undefined, resubmit: () => void): void {
    const input = field(form, name);
    const box = fieldBox(form, name);
    const note = document.createElement('span');
    note.className = 'nurture-error';
    note.setAttribute('role', 'alert');
    note.setAttribute('data-field', name);
    if (suggestion && input) {
      note.appendChild(document.createTextNode('Did you mean '));
      const fix = document.createElement('button');
      fix.type = 'button';
      fix.className = 'nurture-suggestion';
      fix.textContent = suggestion;
      fix.onclick = function () {
        input.value = suggestion;
        clearErrors(form);
        resubmit();
      };
      note.appendChild(fix);
      note.appendChild(document.createTextNode('? '));
      const keep = document.createElement('button');
      keep.type = 'button';
      keep.className = 'nurture-keep';
      keep.textContent = 'No, keep what I typed';
      keep.onclick = function () {
        hidden(form, 'email_confirmed', 'true');
        clearErrors(form);
        resubmit();
      };
      note.appendChild(keep);
    } else {
      note.textContent = message;
    }
    if (input && 'setAttribute' in input) input.setAttribute('aria-invalid', 'true');
    if (box && box.parentNode) box.parentNode.insertBefore(note, box.nextSibling);
    else form.insertBefore(note, form.firstChild);
  }

  function setup(form: HTMLFormElement): void {
    const action = new URL(String(form.getAttribute('action')), location.href);
    const formId = decodeURIComponent(action.pathname.split('/').pop() ?? '');
    const api = action.origin;
    const query = new URLSearchParams(location.search);
    let config: FormConfig = { cookiesNeedConsent: true, consentFields: [] };
    let submissionId: string | null = null;
    let busy = false;

    CAMPAIGN.forEach(function (key) {
      hidden(form, key, query.get(key));
    });
    hidden(form, 'landing_page', read('sessionStorage', 'nurture_landing') || location.href);
    if (document.referrer && new URL(document.referrer).origin !== location.origin) hidden(form, 'referrer', document.referrer);
    hidden(form, 'anonymous_id', (read('localStorage', 'ajs_anonymous_id') || cookie('ajs_anonymous_id') || '').replace(/^"|"$/g, ''));

    const visitor = read('localStorage', VISITOR);
    fetch(api + '/forms/' + encodeURIComponent(formId) + '/config' + (visitor ? '?visitor=' + encodeURIComponent(visitor) : ''), {
      credentials: 'omit',
    })
      .then(function (r) {
        return r.ok ? (r.json() as Promise<FormConfig>) : null;
      })
      .then(function (c) {
        if (!c) return;
        config = c;
        hidden(form, '_nurture_token', c.token);
        (c.hiddenFields || []).forEach(function (name) {
          const box = fieldBox(form, name) as HTMLElement | null;
          if (box) box.hidden = true;
          const label = form.querySelector<HTMLLabelElement>('label[for="' + name + '"]');
          if (label) label.hidden = true;
        });
        if (c.captcha) {
          const widget = document.createElement('div');
          widget.className = c.captcha.provider === 'turnstile' ? 'cf-turnstile' : 'g-recaptcha';
          widget.setAttribute('data-sitekey', c.captcha.siteKey);
          const button = form.querySelector('[type=submit]');
          form.insertBefore(widget, button);
          const script = document.createElement('script');
          script.src = c.captcha.provider === 'turnstile' ? 'https://challenges.cloudflare.com/turnstile/v0/api.js' : 'https://www.google.com/recaptcha/api.js';
          script.async = true;
          document.head.appendChild(script);
        }
      })
      .catch(function () {
        // The form still posts; the server accepts posts without a token unless told not to.
      });

    function fallback(): void {
      HTMLFormElement.prototype.submit.call(form);
    }

    function send(): void {
      if (busy) return;
      busy = true;
      // One id per submission, kept across retries, so the server answers a repeated post as a duplicate.
      submissionId = submissionId || (window.crypto && crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random());
      hidden(form, '_submission_id', submissionId);
      (field(form, '_submission_id') as HTMLInputElement).value = submissionId;
      form.setAttribute('aria-busy', 'true');
      const body = new URLSearchParams();
      new FormData(form).forEach(function (value, name) {
        if (typeof value === 'string') body.append(name, value);
      });
      fetch(action.href, {
        method: 'POST',
        body: body,
        headers: { accept: 'application/json' },
        credentials: 'omit',
      })
        .then(function (response) {
          return (response.json() as Promise<Answer>).then(function (answer) {
            return { status: response.status, answer: answer };
          });
        })
        .then(function (result) {
          busy = false;
          form.removeAttribute('aria-busy');
          if (result.status === 200 || result.status === 201) {
            submissionId = null;
            if (result.answer.visitor && consented(form, config)) {
              write('localStorage', VISITOR, result.answer.visitor);
              write('sessionStorage', 'nurture_landing', (field(form, 'landing_page') as HTMLInputElement).value);
            }
            form.dispatchEvent(new CustomEvent('nurture:success', { detail: result.answer, bubbles: true }));
            const thanks = form.getAttribute('data-nurture-thanks');
            if (thanks) {
              const done = document.createElement('p');
              done.className = 'nurture-thanks';
              done.setAttribute('role', 'status');
              done.textContent = thanks;
              form.replaceWith(done);
            } else if (config.redirectUrl) {
              location.assign(new URL(config.redirectUrl, location.href).href);
            }
            return;
          }
          const errors = result.answer.errors;
          if (result.status === 422 && errors) {
            clearErrors(form);
            errors.forEach(function (e) {
              showError(form, e.field, e.message, e.field === 'email' ? result.answer.suggestion : null, send);
            });
            const first = form.querySelector<HTMLElement>('[aria-invalid=true]');
            if (first) first.focus();
            return;
          }
          fallback();
        })
        .catch(function () {
          busy = false;
          fallback();
        });
    }

    form.addEventListener('submit', function (event) {
      event.preventDefault();
      send();
    });
  }

  function start(): void {
    const style = document.createElement('style');
    style.textContent = STYLE;
    document.head.appendChild(style);
    Array.prototype.forEach.call(document.querySelectorAll('form[data-nurture]'), setup);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
