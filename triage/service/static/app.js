// Live queue: one server-sent-events connection; any "queue" event makes htmx re-read the rows.
(function () {
  var status = document.getElementById("live-status");
  if (!status || !window.EventSource) { return; }
  function connect() {
    var source = new EventSource("/events");
    source.addEventListener("hello", function () {
      status.textContent = status.dataset.live; status.classList.remove("offline");
    });
    source.addEventListener("queue", function () {
      document.body.dispatchEvent(new Event("queue-changed"));
    });
    source.onerror = function () {
      status.textContent = status.dataset.offline; status.classList.add("offline");
    };
  }
  connect();
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

// A form is sent once. On a slow or busy service a second click (or Enter) sent it again: the same
// reading or set of vital signs recorded twice. While the page waits for the answer the form says
// it is being sent and refuses a second submit (the button is not disabled: a disabled button's
// name and value, e.g. a referral's "sent", would not be sent). With no answer after 30 s it says
// so, and may be sent again once the person has checked; coming back to the page (browser Back)
// clears it.
(function () {
  var texts = document.body.dataset;
  var waiting = [];
  function release(form) {
    delete form.dataset.sending;
    form.removeAttribute("aria-busy");
    window.clearTimeout(Number(form.dataset.sendingTimer));
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method !== "post" || event.defaultPrevented) { return; }
    if (form.dataset.sending) { event.preventDefault(); return; }
    form.dataset.sending = "1";
    form.setAttribute("aria-busy", "true");
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
    waiting.forEach(function (form) {
      release(form);
      var note = form.querySelector(".sending");
      if (note) { note.remove(); }
    });
    waiting = [];
  });
})();
