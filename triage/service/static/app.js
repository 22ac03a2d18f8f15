// Live queue: one server-sent-events connection; any "queue" event makes htmx re-read the rows. Back
// after an interruption (the service restarting, the network down), the rows are read again: what
// changed meanwhile sent its event to nobody, and the queue went on "live" but out of date.
(function () {
  var status = document.getElementById("live-status");
  if (!status || !window.EventSource) { return; }
  function connect() {
    var source = new EventSource("/events"), interrupted = false;
    source.addEventListener("hello", function () {
      status.textContent = status.dataset.live; status.classList.remove("offline");
      if (interrupted) { interrupted = false; document.body.dispatchEvent(new Event("queue-changed")); }
    });
    source.addEventListener("queue", function () {
      document.body.dispatchEvent(new Event("queue-changed"));
    });
    source.onerror = function () {
      interrupted = true;
      status.textContent = status.dataset.offline; status.classList.add("offline");
      // The stream of a session that ended ends, and its reconnection meets the login page, not a
      // stream: the browser gives up (CLOSED). Re-read the rows as an event would, so the page
      // goes to the login screen with what was being typed kept, not on as a dead queue.
      if (source.readyState === EventSource.CLOSED) {
        document.body.dispatchEvent(new Event("queue-changed"));
      }
    };
  }
  connect();
})();

// The urgent count (queue.html): an alert outside the rows htmx reads again, written only when its
// words change - redrawn at each live refresh, a screen reader announced "1 urgent case ..." again
// whenever any visit changed. The rows bring the words in a <template id="urgent-next">.
document.body.addEventListener("htmx:afterSwap", function (event) {
  var alert = document.getElementById("urgent-alert");
  var next = event.target.querySelector && event.target.querySelector("template#urgent-next");
  if (!alert || !next) { return; }
  var words = next.content.textContent.trim();
  if (words === alert.textContent.trim()) { return; }
  alert.textContent = words;
  alert.hidden = !words;
});

// A live refresh (the queue's rows, the devices table) replaces what had the focus: htmx gives it
// back to the element of the same id in what it read (the templates keep those ids), but one that
// is gone - a device detached meanwhile - left the focus on the page itself, a keyboard user's place
// lost. It goes to the refreshed table then (a region that takes the focus), else to the page's main.
(function () {
  var had = null;
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail && event.detail.target;
    var active = document.activeElement;
    had = target && active && active !== document.body && target.contains(active) ? target.id : null;
  });
  document.body.addEventListener("htmx:afterSwap", function () {
    var id = had;
    had = null;
    if (!id || (document.activeElement && document.activeElement !== document.body)) { return; }
    var target = document.getElementById(id);
    var place = (target && target.querySelector(".table-scroll[tabindex]")) || document.getElementById("main");
    if (place) { place.focus({ preventScroll: true }); }
  });
})();

// Held device results: re-read the section every 5 s, but never while someone is working in it
// (a field has focus, a reason is typed or an encounter chosen), so a form being filled in is
// never reset. The page's CSP forbids htmx's eval-based trigger filters, hence this timer.
(function () {
  if (!window.htmx) { return; }
  function busy(section) {
    if (section.contains(document.activeElement) && document.activeElement !== section) { return true; }
    var fields = section.querySelectorAll("input:not([type=hidden]), select, textarea");
    for (var i = 0; i < fields.length; i++) { if (fields[i].value) { return true; } }
    return false;
  }
  window.setInterval(function () {
    var section = document.getElementById("held");
    if (section && !document.hidden && !busy(section)) { window.htmx.trigger(section, "held-refresh"); }
  }, 5000);
})();

// A held result's Assign list names each visit by its patient in one line ("Wang Fang · DEMO-0002 ·
// Female · 67 years · Encounter #12 · 09:14"), which a closed list cuts at its width: on a phone
// (320 px) the chosen visit showed the name and no record number - the patient chosen could not be
// checked before Assign. The visit chosen is written out in full under the list (its data-shows),
// wrapping; gone when none is chosen. A page brought back with a choice made shows it too.
(function () {
  function show(select) {
    var shown = select.dataset && select.dataset.shows && document.getElementById(select.dataset.shows);
    if (!shown) { return; }
    var option = select.selectedIndex > 0 ? select.options[select.selectedIndex] : null;
    shown.textContent = option && select.value ? option.textContent : "";
    shown.hidden = !shown.textContent;
  }
  function showAll() { document.querySelectorAll("select[data-shows]").forEach(show); }
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[data-shows]")) { show(event.target); }
  });
  document.body.addEventListener("htmx:afterSwap", showAll);
  window.addEventListener("pageshow", showAll);
})();

// A form is sent once. On a slow or busy service a second click (or Enter) sent it again: the same
// reading or set of vital signs recorded twice. While the page waits for the answer the form says
// it is being sent, marks its buttons aria-disabled (faded, a busy cursor) and refuses a second
// submit (the buttons are not disabled: a disabled button's name and value, e.g. a referral's
// "sent", would not be sent). With no answer after 30 s it says
// so, and may be sent again once the person has checked; coming back to the page (browser Back)
// clears it.
// A page the browser kept whole (its back-forward cache: Safari keeps one sent with no-store
// when it came over plain HTTP, as on a clinic's LAN) comes back by Back with the key its
// form was sent with (form_key, pages/rendering.py): filled in for the next patient, it was refused
// as the form sent twice with different contents. A form brought back so, whose answer came (a page
// of the service was shown since), gets a new key when what it sends differs from what was sent
// with its key; sent unchanged it keeps it, and is answered what the first one stored, as pressing
// Send twice is. Unanswered (the browser's own error page came), it keeps its key whatever it sends,
// and says it may have been recorded, as the form put back on a page served again does.
// A page brought back so shows the record as it was when it was left (a patient's decision and
// readings before the reading just stored): with nothing typed in it that is not stored, it is read
// again - as a browser without that cache does - and typing in it is never thrown away.
(function () {
  var texts = document.body.dataset;
  var waiting = [];
  var PENDING = "triage.unanswered";  // the form this tab sent that no page answered yet
  try { window.sessionStorage.removeItem(PENDING); } catch (e) { /* no storage: as before */ }
  function contents(form, submitter) {  // what the form sends, but its key
    var sent = [];
    new FormData(form).forEach(function (value, name) { if (name !== "form_key") { sent.push([name, value]); } });
    if (submitter && submitter.name) { sent.push([submitter.name, submitter.value]); }
    return JSON.stringify(sent);
  }
  function sentAs(form) {  // the form's key, or its address when it has none
    var key = form.elements.namedItem("form_key");
    return key instanceof HTMLInputElement ? key.value : "action:" + form.getAttribute("action");
  }
  function newKey() {  // as pages/rendering.py form_key makes one: page- and 16 random bytes
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    var text = window.btoa(String.fromCharCode.apply(null, bytes));
    return "page-" + text.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function typedIn(form) {  // a field changed from what the page was served with
    return Array.prototype.some.call(form.elements, function (f) {
      if (!f.name || f.type === "hidden") { return false; }
      if (f.tagName === "SELECT") {  // served with none marked selected, its first option is its own
        var served = 0;
        Array.prototype.forEach.call(f.options, function (o, i) { if (o.defaultSelected) { served = i; } });
        return f.options.length > 0 && f.selectedIndex !== served;
      }
      if (f.type === "checkbox" || f.type === "radio") { return f.checked !== f.defaultChecked; }
      return f.value !== f.defaultValue;
    });
  }
  function buttons(form) { return form.querySelectorAll("button, input[type=submit]"); }
  function release(form) {
    delete form.dataset.sending;
    form.removeAttribute("aria-busy");
    Array.prototype.forEach.call(buttons(form), function (b) { b.removeAttribute("aria-disabled"); });
    window.clearTimeout(Number(form.dataset.sendingTimer));
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method !== "post" || event.defaultPrevented) { return; }
    if (form.dataset.sending) { event.preventDefault(); return; }
    var key = form.elements.namedItem("form_key");
    if (key instanceof HTMLInputElement) {
      var sent = contents(form, event.submitter);
      if (form.dataset.shownAgain && sent !== form.dataset.sentWith) { key.value = newKey(); }
      delete form.dataset.shownAgain;
      form.dataset.sentWith = sent;
    }
    try { window.sessionStorage.setItem(PENDING, sentAs(form)); } catch (e) { /* as before */ }
    form.dataset.sending = "1";
    form.setAttribute("aria-busy", "true");
    // unavailable to the eye and to a screen reader (faded, a busy cursor), still real buttons
    Array.prototype.forEach.call(buttons(form), function (b) { b.setAttribute("aria-disabled", "true"); });
    var note = form.querySelector(".sending");
    if (!note) {
      note = document.createElement("span");
      note.className = "sending";
      note.setAttribute("role", "status");
      var after = event.submitter || form.querySelector("button[type=submit], button:not([type])");
      if (after) { after.insertAdjacentElement("afterend", note); } else { form.appendChild(note); }
    }
    note.textContent = texts.sending || "";
    waiting.push(form);
    form.dataset.sendingTimer = String(window.setTimeout(function () {
      release(form);
      note.textContent = texts.noAnswer || "";
    }, 30000));
  });
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    var pending = null;
    try { pending = window.sessionStorage.getItem(PENDING); } catch (e) { /* as before */ }
    var answered = waiting.filter(function (form) { return sentAs(form) !== pending; });
    var unsent = Array.prototype.some.call(document.forms, function (form) {
      return answered.indexOf(form) < 0 && typedIn(form);
    });
    // nothing to lose: the record as it is now (a page a form was answered with - a refusal's form
    // sent back - is not read again: that would send the form again)
    if (!unsent && !("posted" in document.body.dataset)) { window.location.reload(); return; }
    waiting.forEach(function (form) {
      release(form);
      var note = form.querySelector(".sending");
      if (note) { note.remove(); }
      if (sentAs(form) !== pending) {  // answered: a note that there was no answer is old news
        if (form.elements.namedItem("form_key")) { form.dataset.shownAgain = "1"; }
        var old = form.querySelector(".notice.restored");
        if (old) { old.remove(); }
      } else if (texts.unanswered && !form.querySelector(".notice.restored")) {
        var said = document.createElement("p");
        said.className = "notice restored";
        said.setAttribute("role", "status");
        said.textContent = texts.unanswered;
        var heading = form.querySelector("h2, h3");
        if (heading) { heading.insertAdjacentElement("afterend", said); } else { form.insertBefore(said, form.firstChild); }
      }
    });
    waiting = [];
  });
})();

// What a nurse typed is never lost to a refusal, an ended session or a service that did not answer. A
// form sent is kept in this tab's sessionStorage until the page it leads to says how it went: the page
// of a stored form (or one the service sends back with what was typed in it) drops it; an error page
// or the login page after a refused form ([data-unsent]) keeps it, and the form's page puts it back -
// once, with a note to check it and send it again; so does the form's page reached again by Back or
// a reload when no page of the service came at all (the browser's "This site can't be reached" while
// the service restarts), its note saying to check whether it was recorded first. Nothing is ever sent
// by itself, so nothing is stored twice.
// A live refresh that finds the session ended (HX-Redirect to the login page) keeps every form
// being typed in the same way. Kept: typed text and choices; never passwords, hidden fields or a
// confirmation tick, which must be ticked again. Only the person who typed it gets it back.
(function () {
  var KEY = "triage.drafts", LIFETIME_MS = 12 * 3600 * 1000;
  var SKIPPED = ["hidden", "password", "file", "checkbox", "submit", "button", "reset", "image"];
  var page = document.body.dataset;
  function load() {
    try {
      var drafts = JSON.parse(window.sessionStorage.getItem(KEY) || "[]");
      return Array.isArray(drafts) ? drafts : [];
    } catch (e) { return []; }
  }
  function save(drafts) {
    try {
      if (drafts.length) { window.sessionStorage.setItem(KEY, JSON.stringify(drafts)); }
      else { window.sessionStorage.removeItem(KEY); }
    } catch (e) { /* storage full or refused: the page works as before */ }
  }
  function kept(field) {
    return field.name && !field.disabled && field.tagName !== "BUTTON" && SKIPPED.indexOf(field.type) < 0;
  }
  function fields(form) { return Array.prototype.filter.call(form.elements, kept); }
  function changed(field) {
    if (field.tagName === "SELECT") {
      return Array.prototype.some.call(field.options, function (o) { return o.selected !== o.defaultSelected; });
    }
    if (field.type === "radio") { return field.checked !== field.defaultChecked; }
    return field.value !== field.defaultValue;
  }
  function typed(field) {  // what a person put in: text, or a choice other than the page's own
    return field.tagName === "SELECT" || field.type === "radio" ? changed(field) : field.value.trim() !== "";
  }
  function keepable(form) {
    return form.method === "post" && !form.querySelector("input[type=password]") && fields(form).length > 0;
  }
  function same(form) {  // the forms of a page with one address (a referral's Confirm and Cancel)
    return Array.prototype.filter.call(document.forms, function (f) {
      return f.getAttribute("action") === form.getAttribute("action");
    });
  }
  function draftOf(form, state) {
    var values = fields(form).filter(function (f) { return f.type !== "radio" || f.checked; })
      .map(function (f) { return [f.name, f.value]; });
    var key = form.elements.namedItem("form_key");  // the form's key (pages/rendering.py FORM_KEY)
    return { page: page.page, user: page.user, action: form.getAttribute("action"), form: form.id,
      index: same(form).indexOf(form), values: values, state: state, at: Date.now(),
      key: key instanceof HTMLInputElement ? key.value : "" };
  }
  function keep(draft) {
    save(load().filter(function (d) {
      return !(d.page === draft.page && d.action === draft.action && d.index === draft.index);
    }).concat([draft]));
  }
  function restore(form, draft) {
    var values = draft.values.slice(), first = null;
    fields(form).forEach(function (field) {
      for (var i = 0; i < values.length; i++) {
        if (values[i][0] !== field.name) { continue; }
        var value = values[i][1];
        if (field.type === "radio") {
          if (field.value !== value) { continue; }
          field.checked = true;
        } else if (field.tagName === "SELECT") {
          if (!Array.prototype.some.call(field.options, function (o) { return o.value === value; })) { break; }
          field.value = value;
        } else {
          field.value = value;
        }
        values.splice(i, 1);
        if (!first && changed(field)) { first = field; }
        break;
      }
    });
    if (!first) { return; }
    // unanswered, it may have been stored: sent again with its key, it is answered what was stored
    var key = form.elements.namedItem("form_key");
    if (draft.unanswered && draft.key && key instanceof HTMLInputElement) { key.value = draft.key; }
    for (var open = form.parentElement; open; open = open.parentElement) {
      if (open.tagName === "DETAILS") { open.open = true; }
    }
    var note = document.createElement("p");
    note.className = "notice restored";
    note.setAttribute("role", "status");
    note.textContent = (draft.unanswered ? page.unanswered : page.restored) || "";
    var heading = form.querySelector("h2, h3");
    if (heading) { heading.insertAdjacentElement("afterend", note); } else { form.insertBefore(note, form.firstChild); }
    note.scrollIntoView({ block: "center" });
    first.focus({ preventScroll: true });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) { return; }
    if (form.getAttribute("action") === "/logout") { save([]); return; }
    if (keepable(form) && fields(form).some(typed)) { keep(draftOf(form, "sending")); }
  });
  document.body.addEventListener("htmx:beforeOnLoad", function (event) {
    var xhr = event.detail && event.detail.xhr;
    var to = xhr ? xhr.getResponseHeader("HX-Redirect") || "" : "";
    if (to.indexOf("/login") !== 0) { return; }
    Array.prototype.forEach.call(document.forms, function (form) {
      if (keepable(form) && fields(form).some(changed)) { keep(draftOf(form, "unsent")); }
    });
  });

  var now = Date.now(), refused = !!document.querySelector("[data-unsent]");
  // this page reached again - browser Back, or a reload - while a form sent from it never had its
  // answer: the browser's own error page came instead (the service restarting, the network down)
  var entry = window.performance && window.performance.getEntriesByType
    ? window.performance.getEntriesByType("navigation")[0] : null;
  var again = !!entry && (entry.type === "back_forward" || entry.type === "reload");
  var drafts = load().filter(function (d) {
    if (again && d.state === "sending" && d.page === page.page) { d.unanswered = true; }
    // a form just sent: kept only when this page says it was not done, or it had no answer at all
    return now - d.at < LIFETIME_MS && (d.state === "unsent" || refused || d.unanswered) &&
      (!page.user || d.user === page.user);
  }).map(function (d) { d.state = "unsent"; return d; });
  drafts = drafts.filter(function (d) {
    if (d.page !== page.page || !page.user) { return true; }
    var form = Array.prototype.filter.call(document.forms, function (f) {
      return f.getAttribute("action") === d.action;
    })[d.index];
    // a form whose address names a record (the override of /assessments/{id}) has another address
    // once the visit was assessed again meanwhile: the form of the same name takes it back
    var named = d.form ? document.getElementById(d.form) : null;
    if (!form && named instanceof HTMLFormElement && keepable(named)) { form = named; }
    if (form) { restore(form, d); }
    return false;
  });
  if (page.page === "/login" && !document.getElementById("login-notice") && !document.getElementById("login-error")) {
    drafts = [];  // the login page as the next person at a shared PC opens it: no session ended here
  }
  save(drafts);
  var said = document.getElementById("draft-kept");
  if (said && drafts.length) { said.hidden = false; }
})();

// Esc closes the panel (a <details>: the walk-in form) the focus is in, as a dialog closes, and puts
// the focus on its summary; what was typed stays in it for when it is opened again. A <details> has
// no key of its own to close: a nurse who opened it by mistake had to Tab back past its fields.
(function () {
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || event.defaultPrevented || !document.activeElement) { return; }
    var panel = document.activeElement.closest("details[open]");
    if (!panel) { return; }
    var summary = panel.querySelector("summary");
    panel.open = false;
    if (summary) { summary.focus(); }
    event.preventDefault();
  });
})();
