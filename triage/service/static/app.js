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
