// Refreshes the dashboard's live part (cards, tables, activity) in place
// every 10 seconds. Everything works without this script: forms post and
// redirect; this only saves the reload.
(function () {
  "use strict";
  var INTERVAL_MS = 10000;
  var live = document.getElementById("live");
  if (!live || !window.fetch) {
    return;
  }

  function busy() {
    // Never swap the table under someone typing a rejection reason.
    var active = document.activeElement;
    return active && active !== document.body && live.contains(active);
  }

  function refresh() {
    if (busy()) {
      return;
    }
    fetch(live.getAttribute("data-refresh"), { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        if (busy()) {
          return;
        }
        live.innerHTML = html;
        live.classList.remove("stale");
        var stamp = document.getElementById("live-updated");
        var footer = document.getElementById("updated");
        if (stamp && footer) {
          footer.textContent = stamp.textContent;
        }
      })
      .catch(function () {
        live.classList.add("stale");
      });
  }

  window.setInterval(refresh, INTERVAL_MS);
})();
