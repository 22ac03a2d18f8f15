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
