// Keeps the waiting list fresh without reloading the page: fetch the list every few seconds.
(function () {
  var live = document.getElementById("live");
  if (!live) { return; }
  var url = live.getAttribute("data-url");
  function typing() {
    var active = document.activeElement;
    return active && live.contains(active) && (active.tagName === "INPUT" || active.tagName === "TEXTAREA");
  }
  function refresh() {
    if (typing()) { return; }  // never wipe a note the agent is writing
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (response.redirected || response.status === 401) { window.location.reload(); return null; }
        return response.ok ? response.text() : null;
      })
      .then(function (html) { if (html !== null && html !== undefined) { live.innerHTML = html; } })
      .catch(function () { /* the next tick tries again */ });
  }
  setInterval(refresh, parseInt(live.getAttribute("data-every") || "2000", 10));
})();
