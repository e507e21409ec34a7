/**
 * The embed snippet served at `GET /embed.js`: plain ES2017, no dependencies, well under 5 KB gzipped (the bench
 * reports its size). Kept as a string so the function serves it without a build step; the browser tests run it.
 * Edit with care: no backticks and no dollar-brace sequences inside.
 */
export const embedSource = String.raw`/* Nurture embed snippet: posts [data-nurture] forms with fetch, fills campaign fields, shows inline errors.
   Without JavaScript (or if this script fails) the form still posts as plain HTML. No dependencies. */
(function () {
  'use strict';
  var CAMPAIGN = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'gclid', 'fbclid', 'msclkid'];
  var VISITOR = 'nurture_visitor';
  var STYLE = '.nurture-error{display:block;color:#b42318;font-size:.9em;margin-top:.25em}' +
    '.nurture-error button{font:inherit;color:inherit;text-decoration:underline;background:none;border:0;padding:0;cursor:pointer}' +
    '[aria-invalid=true]{border-color:#b42318!important}';

  function store(area) { try { return window[area]; } catch (e) { return null; } }
  function read(area, key) { var s = store(area); try { return s ? s.getItem(key) : null; } catch (e) { return null; } }
  function write(area, key, value) { var s = store(area); try { if (s) s.setItem(key, value); } catch (e) { /* full or blocked */ } }
  function cookie(name) {
    var m = document.cookie.match(new RegExp('(?:^|; )' + name + '=([^;]*)'));
    return m ? decodeURIComponent(m[1]) : null;
  }

  function hidden(form, name, value) {
    if (value == null || value === '') return;
    var input = form.elements.namedItem(name);
    if (!input) {
      input = document.createElement('input');
      input.type = 'hidden';
      input.name = name;
      form.appendChild(input);
    }
    if (input.type === 'hidden' && !input.value) input.value = value;
  }

  function consented(form, config) {
    if (!config.cookiesNeedConsent) return true;
    return (config.consentFields || []).some(function (name) {
      var box = form.elements.namedItem(name);
      return box && box.checked;
    });
  }

  function fieldBox(form, name) {
    var input = form.elements.namedItem(name);
    if (!input) return null;
    if (input.length && !input.tagName) input = input[0];
    return input.closest('[data-nurture-field]') || input;
  }

  function clearErrors(form) {
    Array.prototype.forEach.call(form.querySelectorAll('.nurture-error'), function (e) { e.remove(); });
    Array.prototype.forEach.call(form.querySelectorAll('[aria-invalid]'), function (e) { e.removeAttribute('aria-invalid'); });
  }

  function showError(form, name, message, suggestion, resubmit) {
    var input = form.elements.namedItem(name);
    var box = fieldBox(form, name);
    var note = document.createElement('span');
    note.className = 'nurture-error';
    note.setAttribute('role', 'alert');
    note.setAttribute('data-field', name);
    if (suggestion && input) {
      note.appendChild(document.createTextNode('Did you mean '));
      var fix = document.createElement('button');
      fix.type = 'button';
      fix.className = 'nurture-suggestion';
      fix.textContent = suggestion;
      fix.onclick = function () { input.value = suggestion; clearErrors(form); resubmit(); };
      note.appendChild(fix);
      note.appendChild(document.createTextNode('? '));
      var keep = document.createElement('button');
      keep.type = 'button';
      keep.className = 'nurture-keep';
      keep.textContent = 'No, keep what I typed';
      keep.onclick = function () { hidden(form, 'email_confirmed', 'true'); clearErrors(form); resubmit(); };
      note.appendChild(keep);
    } else {
      note.textContent = message;
    }
    if (input && input.setAttribute) input.setAttribute('aria-invalid', 'true');
    if (box && box.parentNode) box.parentNode.insertBefore(note, box.nextSibling);
    else form.insertBefore(note, form.firstChild);
  }

  function setup(form) {
    var action = new URL(form.getAttribute('action'), location.href);
    var formId = decodeURIComponent(action.pathname.split('/').pop());
    var api = action.origin;
    var query = new URLSearchParams(location.search);
    var config = { cookiesNeedConsent: true, consentFields: [] };
    var submissionId = null;
    var busy = false;

    CAMPAIGN.forEach(function (key) { hidden(form, key, query.get(key)); });
    hidden(form, 'landing_page', read('sessionStorage', 'nurture_landing') || location.href);
    if (document.referrer && new URL(document.referrer).origin !== location.origin) hidden(form, 'referrer', document.referrer);
    hidden(form, 'anonymous_id', (read('localStorage', 'ajs_anonymous_id') || cookie('ajs_anonymous_id') || '').replace(/^"|"$/g, ''));

    var visitor = read('localStorage', VISITOR);
    fetch(api + '/forms/' + encodeURIComponent(formId) + '/config' + (visitor ? '?visitor=' + encodeURIComponent(visitor) : ''), {
      credentials: 'omit'
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (c) {
      if (!c) return;
      config = c;
      hidden(form, '_nurture_token', c.token);
      (c.hiddenFields || []).forEach(function (name) {
        var box = fieldBox(form, name);
        if (box) box.hidden = true;
        var label = form.querySelector('label[for="' + name + '"]');
        if (label) label.hidden = true;
      });
      if (c.captcha) {
        var widget = document.createElement('div');
        widget.className = c.captcha.provider === 'turnstile' ? 'cf-turnstile' : 'g-recaptcha';
        widget.setAttribute('data-sitekey', c.captcha.siteKey);
        var button = form.querySelector('[type=submit]');
        form.insertBefore(widget, button);
        var script = document.createElement('script');
        script.src = c.captcha.provider === 'turnstile' ? 'https://challenges.cloudflare.com/turnstile/v0/api.js' : 'https://www.google.com/recaptcha/api.js';
        script.async = true;
        document.head.appendChild(script);
      }
    }).catch(function () { /* the form still posts; the server accepts posts without a token unless told not to */ });

    function fallback() { HTMLFormElement.prototype.submit.call(form); }

    function send() {
      if (busy) return;
      busy = true;
      submissionId = submissionId || (window.crypto && crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random());
      hidden(form, '_submission_id', submissionId);
      form.elements.namedItem('_submission_id').value = submissionId;
      form.setAttribute('aria-busy', 'true');
      var body = new URLSearchParams();
      new FormData(form).forEach(function (value, name) { if (typeof value === 'string') body.append(name, value); });
      fetch(action.href, {
        method: 'POST',
        body: body,
        headers: { accept: 'application/json' },
        credentials: 'omit'
      }).then(function (response) {
        return response.json().then(function (answer) { return { status: response.status, answer: answer }; });
      }).then(function (result) {
        busy = false;
        form.removeAttribute('aria-busy');
        if (result.status === 200 || result.status === 201) {
          submissionId = null;
          if (result.answer.visitor && consented(form, config)) {
            write('localStorage', VISITOR, result.answer.visitor);
            write('sessionStorage', 'nurture_landing', form.elements.namedItem('landing_page').value);
          }
          form.dispatchEvent(new CustomEvent('nurture:success', { detail: result.answer, bubbles: true }));
          var thanks = form.getAttribute('data-nurture-thanks');
          if (thanks) {
            var done = document.createElement('p');
            done.className = 'nurture-thanks';
            done.setAttribute('role', 'status');
            done.textContent = thanks;
            form.replaceWith(done);
          } else if (config.redirectUrl) {
            location.assign(new URL(config.redirectUrl, location.href).href);
          }
          return;
        }
        if (result.status === 422 && result.answer.errors) {
          clearErrors(form);
          result.answer.errors.forEach(function (e) {
            showError(form, e.field, e.message, e.field === 'email' ? result.answer.suggestion : null, send);
          });
          var first = form.querySelector('[aria-invalid=true]');
          if (first) first.focus();
          return;
        }
        fallback();
      }).catch(function () { busy = false; fallback(); });
    }

    form.addEventListener('submit', function (event) {
      event.preventDefault();
      send();
    });
  }

  function start() {
    var style = document.createElement('style');
    style.textContent = STYLE;
    document.head.appendChild(style);
    Array.prototype.forEach.call(document.querySelectorAll('form[data-nurture]'), setup);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
`;
