// Refreshes the dashboard's live part (cards, tables, activity) in place
// every 10 seconds, and every 2 seconds while a topic is approved and
// waiting for the producer, so its activation shows soon after it happens.
// It fetches the data-refresh URL, which the server sets to the page and
// search on screen: only that page of the topic table travels.
// Everything works without this script: forms post and redirect; this only
// saves the reload.
(function () {
  "use strict";
  var INTERVAL_MS = 10000;
  var WAITING_INTERVAL_MS = 2000;
  var FLASH_MS = 8000;
  var live = document.getElementById("live");
  if (!live || !window.fetch) {
    return;
  }

  function busy() {
    // Never swap the table under someone typing a rejection reason.
    var active = document.activeElement;
    return active && active !== document.body && live.contains(active);
  }

  function nextDelay() {
    return live.querySelector('tr[data-status="approved"]') ? WAITING_INTERVAL_MS : INTERVAL_MS;
  }

  function schedule() {
    window.setTimeout(refresh, nextDelay());
  }

  function refresh() {
    if (busy()) {
      schedule();
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
        if (!busy()) {
          live.innerHTML = html;
          live.classList.remove("stale");
          var stamp = document.getElementById("live-updated");
          var footer = document.getElementById("updated");
          if (stamp && footer) {
            footer.textContent = stamp.textContent;
          }
        }
      })
      .catch(function () {
        live.classList.add("stale");
      })
      .then(schedule);
  }

  // A message about the last action stops being news once the page has
  // moved on.
  var flash = document.getElementById("flash");
  if (flash) {
    window.setTimeout(function () {
      flash.classList.add("gone");
    }, FLASH_MS);
  }

  schedule();
})();
