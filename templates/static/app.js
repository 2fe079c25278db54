// Refreshes the dashboard's live part (cards, tables, activity) in place as
// soon as the registry's topics change (it follows the change feed, a long
// poll on data-changes, from data-version), and every 10 seconds besides
// (every 2 while a topic is on its way to Kafka, should the feed be away).
// It fetches the data-refresh URL, which the server sets to the page and
// search on screen: only that page of the topic table travels.
// A rejection reason being typed is never lost: while a field of the live
// part has focus the refresh waits, and a reason typed but left (the admin
// clicked elsewhere) is carried into the refreshed table, keyed by the
// form it belongs to.
// Everything works without this script: forms post and redirect; this only
// saves the reload.
(function () {
  "use strict";
  var INTERVAL_MS = 10000;
  var WAITING_INTERVAL_MS = 2000;
  var FLASH_MS = 8000;
  var FEED_WAIT_S = 25;
  var FEED_RETRY_MS = 5000;
  var live = document.getElementById("live");
  if (!live || !window.fetch) {
    return;
  }

  function busy() {
    // Never swap the table under someone typing a rejection reason.
    var active = document.activeElement;
    return active && active !== document.body && live.contains(active);
  }

  // The reasons typed so far, by the action URL of their form.
  function typedReasons() {
    var typed = {};
    live.querySelectorAll("input.reason").forEach(function (input) {
      if (input.value && input.form) {
        typed[input.form.getAttribute("action")] = input.value;
      }
    });
    return typed;
  }

  function restoreReasons(typed) {
    live.querySelectorAll("input.reason").forEach(function (input) {
      var action = input.form && input.form.getAttribute("action");
      if (action && Object.prototype.hasOwnProperty.call(typed, action)) {
        input.value = typed[action];
      }
    });
  }

  function nextDelay() {
    return live.querySelector("tr[data-on-its-way]") ? WAITING_INTERVAL_MS : INTERVAL_MS;
  }

  var timer = null;
  var refreshing = false;
  var refreshAgain = false;

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, nextDelay());
  }

  function refresh() {
    window.clearTimeout(timer);
    if (refreshing) {
      refreshAgain = true;
      return;
    }
    if (busy()) {
      schedule();
      return;
    }
    refreshing = true;
    fetch(live.getAttribute("data-refresh"), { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        if (!busy()) {
          var typed = typedReasons();
          live.innerHTML = html;
          restoreReasons(typed);
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
      .then(function () {
        refreshing = false;
        if (refreshAgain) {
          refreshAgain = false;
          refresh();
        } else {
          schedule();
        }
      });
  }

  // Holds one change-feed request open; each answer with a new version
  // refreshes at once. When the feed is away the timer above still runs.
  function follow(version) {
    var url = live.getAttribute("data-changes") + "?since=" + encodeURIComponent(version) +
      "&wait=" + FEED_WAIT_S;
    fetch(url, { cache: "no-store" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (answer) {
        if (answer.changed) {
          refresh();
        }
        follow(answer.version);
      })
      .catch(function () {
        window.setTimeout(function () {
          follow(version);
        }, FEED_RETRY_MS);
      });
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
  if (live.getAttribute("data-changes") && live.getAttribute("data-version")) {
    follow(live.getAttribute("data-version"));
  }
})();
