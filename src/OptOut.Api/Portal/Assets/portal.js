// Opt-Out case portal: the "Open a case" form, the withdraw form and the case page's refresh.
// Served from /portal/assets/portal.js (the pages' CSP allows only this origin's scripts). No framework.
// Forms are sent as JSON to the API with the session cookie (same origin); a 400 problem+json's "errors" are shown
// next to the field whose data-field is the error's key, and listed in an error summary that takes focus.
(function () {
  'use strict';

  function byId(id) { return document.getElementById(id); }

  function describedBy(control, add, remove) {
    var ids = (control.getAttribute('aria-describedby') || '').split(/\s+/).filter(function (id) { return id && id !== remove; });
    if (add && ids.indexOf(add) < 0) { ids.push(add); }
    if (ids.length) { control.setAttribute('aria-describedby', ids.join(' ')); } else { control.removeAttribute('aria-describedby'); }
  }

  function fieldFor(form, key) {
    var all = form.querySelectorAll('[data-field]');
    for (var i = 0; i < all.length; i++) {
      if (all[i].getAttribute('data-field') === key) { return all[i]; }
    }
    return null;
  }

  function labelOf(control) {
    if (control.tagName === 'FIELDSET') {
      var legend = control.querySelector('legend');
      return legend ? legend.textContent.trim() : '';
    }
    var label = control.id ? document.querySelector('label[for="' + control.id + '"]') : null;
    return label ? label.textContent.trim() : '';
  }

  function ErrorDisplay(form, summary) {
    var list = summary.querySelector('ul');
    var items = [];
    return {
      clear: function () {
        form.querySelectorAll('.field-error').forEach(function (el) {
          el.hidden = true;
          el.textContent = '';
          var control = byId(el.id.replace(/-error$/, ''));
          if (control) { control.removeAttribute('aria-invalid'); describedBy(control, null, el.id); }
        });
        items = [];
        list.replaceChildren();
        summary.hidden = true;
      },
      add: function (control, message) {
        var error = control ? byId(control.id + '-error') : null;
        if (error) {
          error.textContent = (error.textContent ? error.textContent + ' ' : '') + message;
          error.hidden = false;
          control.setAttribute('aria-invalid', 'true');
          describedBy(control, error.id, null);
        }
        items.push({ control: error ? control : null, text: control && error ? labelOf(control) + ': ' + message : message });
      },
      show: function () {
        if (!items.length) { return false; }
        items.forEach(function (item) {
          var li = document.createElement('li');
          if (item.control) {
            var a = document.createElement('a');
            a.href = '#' + item.control.id;
            a.textContent = item.text;
            a.addEventListener('click', function (e) {
              e.preventDefault();
              var target = item.control.tagName === 'FIELDSET' ? item.control.querySelector('input') : item.control;
              if (target) { target.focus(); }
            });
            li.appendChild(a);
          } else {
            li.textContent = item.text;
          }
          list.appendChild(li);
        });
        summary.hidden = false;
        summary.focus();
        return true;
      }
    };
  }

  // The browser's constraint checks, with this form's own messages, shown like the server's.
  function validate(form, errors) {
    form.querySelectorAll('input[data-field], select[data-field], textarea[data-field]').forEach(function (control) {
      var v = control.validity;
      var empty = control.required && control.value.trim() === '';
      if (empty || v.valueMissing) {
        errors.add(control, control.getAttribute('data-required-message') || 'This field is required.');
      } else if (v.typeMismatch && control.type === 'email') {
        errors.add(control, 'Enter an email address, e.g. name@example.org.');
      } else if (v.patternMismatch || v.typeMismatch) {
        errors.add(control, control.getAttribute('data-format-message') || 'The format is not valid.');
      } else if (v.tooLong) {
        errors.add(control, 'This is too long (at most ' + control.maxLength + ' characters).');
      }
    });
  }

  async function send(url, body) {
    var response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
      body: JSON.stringify(body)
    });
    var data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    return { status: response.status, ok: response.ok, data: data };
  }

  // A problem+json answer: each error next to its field (or in the summary), else its detail.
  function showProblem(form, errors, result) {
    var problem = result.data || {};
    var shown = false;
    if (problem.errors && typeof problem.errors === 'object') {
      Object.keys(problem.errors).forEach(function (key) {
        var messages = [].concat(problem.errors[key]);
        messages.forEach(function (message) { errors.add(fieldFor(form, key), String(message)); shown = true; });
      });
    }
    if (!shown) {
      errors.add(null, problem.detail || problem.title || ('The server answered ' + result.status + '.'));
    }
    errors.show();
  }

  function enable(form) {
    form.querySelectorAll('button[type="submit"]').forEach(function (b) { b.disabled = false; });
  }

  function value(form, name) {
    var control = form.elements.namedItem(name);
    return control && typeof control.value === 'string' ? control.value.trim() : '';
  }

  function initOpenCase() {
    var form = byId('open-case');
    if (!form) { return; }
    var errors = ErrorDisplay(form, byId('form-errors'));
    var status = byId('open-case-status');
    var button = byId('open-case-submit');
    enable(form);
    form.addEventListener('submit', async function (e) {
      e.preventDefault();
      errors.clear();
      validate(form, errors);
      if (errors.show()) { status.textContent = ''; return; }
      var account = (form.querySelector('input[name="hasWorkSourceAccount"]:checked') || {}).value;
      var body = {
        caseId: value(form, 'caseId') || null,
        caseManager: { office: value(form, 'office') },
        client: {
          firstName: value(form, 'firstName'),
          lastName: value(form, 'lastName'),
          phone: value(form, 'phone'),
          email: value(form, 'clientEmail') || null,
          ssn: value(form, 'ssn'),
          hasWorkSourceAccount: account === 'yes' ? true : account === 'no' ? false : null
        },
        reason: value(form, 'reason')
      };
      button.disabled = true;
      status.textContent = 'Opening the case…';
      try {
        var result = await send(form.getAttribute('data-api'), body);
        if ((result.status === 202 || result.status === 200) && result.data && result.data.caseId) {
          status.textContent = 'Case opened. Opening its page…';
          var id = encodeURIComponent(result.data.caseId);
          window.location.assign(form.getAttribute('data-case-page') + id);
          return;
        }
        status.textContent = '';
        showProblem(form, errors, result);
      } catch (err) {
        status.textContent = '';
        errors.add(null, 'The case could not be sent: the server could not be reached. Check your connection and try again.');
        errors.show();
      } finally {
        button.disabled = false;
      }
    });
  }

  function initWithdraw(onWithdrawn) {
    var form = byId('withdraw-case');
    if (!form) { return; }
    var errors = ErrorDisplay(form, byId('withdraw-errors'));
    var status = byId('withdraw-status');
    var button = form.querySelector('button[type="submit"]');
    enable(form);
    form.addEventListener('submit', async function (e) {
      e.preventDefault();
      errors.clear();
      validate(form, errors);
      if (errors.show()) { return; }
      button.disabled = true;
      status.textContent = 'Withdrawing the case…';
      try {
        var result = await send(form.getAttribute('data-api'), { reason: value(form, 'reason') });
        if (result.status === 202) {
          status.textContent = 'Withdrawal accepted. This page shows the case closed in a moment.';
          form.querySelector('textarea').value = '';
          onWithdrawn();
          return;
        }
        status.textContent = '';
        showProblem(form, errors, result);
        button.disabled = false;
      } catch (err) {
        status.textContent = '';
        errors.add(null, 'The server could not be reached. Try again.');
        errors.show();
        button.disabled = false;
      }
    });
  }

  function formatTime(iso) {
    var s = String(iso || '');
    return s.length >= 16 ? s.substring(0, 10) + ' ' + s.substring(11, 16) + ' UTC' : s;
  }

  function renderTimeline(list, timeline) {
    var items = timeline.map(function (t) {
      var li = document.createElement('li');
      var when = document.createElement('p');
      when.className = 'when';
      var time = document.createElement('time');
      time.dateTime = t.at;
      time.textContent = formatTime(t.at);
      when.appendChild(time);
      var step = document.createElement('p');
      step.className = 'step';
      step.textContent = t.step;
      var detail = document.createElement('p');
      detail.className = 'detail';
      detail.textContent = t.detail;
      li.append(when, step, detail);
      return li;
    });
    list.replaceChildren.apply(list, items);
  }

  // The case page follows the case while it is open: GET /api/cases/{id} every few seconds. A new stage or outcome
  // reloads the page (what to do next and the withdraw form depend on them) unless a withdrawal reason is being typed.
  function initCase() {
    var root = byId('case');
    if (!root) { return; }
    var live = byId('case-live');
    var timer = null;
    var poll = async function () {
      try {
        var response = await fetch(root.getAttribute('data-api'), { credentials: 'same-origin', cache: 'no-store', headers: { 'Accept': 'application/json' } });
        if (!response.ok) { return; }
        var view = await response.json();
        var outcome = view.outcome || '';
        var changed = view.stage !== root.getAttribute('data-stage') || outcome !== root.getAttribute('data-outcome');
        var reason = byId('withdraw-reason');
        if (changed && !(reason && reason.value.trim() !== '')) {
          window.location.reload();
          return;
        }
        byId('stage').textContent = view.stage;
        byId('outcome').textContent = outcome || 'Open';
        var timeline = Array.isArray(view.timeline) ? view.timeline : [];
        if (String(timeline.length) !== root.getAttribute('data-timeline-count')) {
          renderTimeline(byId('timeline'), timeline);
          root.setAttribute('data-timeline-count', String(timeline.length));
          live.textContent = 'Updated: ' + (timeline.length ? timeline[timeline.length - 1].step : view.stage) + '.';
        }
        if (changed) {
          root.setAttribute('data-stage', view.stage);
          root.setAttribute('data-outcome', outcome);
          live.textContent = 'The case is now ' + view.stage + (outcome ? ' (' + outcome + ')' : '') + '. Reload the page to see what to do next.';
        }
        if (view.stage === 'Closed' && timer) { clearInterval(timer); timer = null; }
      } catch (e) {
        // The next poll tries again.
      }
    };
    initWithdraw(poll);
    if (root.getAttribute('data-stage') !== 'Closed') {
      timer = setInterval(poll, 3000);
    }
  }

  initOpenCase();
  initCase();
}());
