// Fills <section id="records" data-topic="NAME"> on a topic's page: a
// page of its records (the newest by default), paging back partition by
// partition, a partition / offset / time picker, and a live tail with
// pause and resume (Server-Sent Events from /api/topics/NAME/stream).
// Records are untrusted: every value reaches the page through textContent
// (never parsed as markup), cut to MAX_VALUE_CHARS, and the table keeps at most
// MAX_ROWS rows, so a busy topic cannot grow the page without end.
(function () {
  "use strict";
  var MAX_VALUE_CHARS = 2000;
  var MAX_KEY_CHARS = 200;
  var MAX_ROWS = 500;
  // Records that arrive while the tail is paused, kept to show on resume.
  var MAX_PENDING = 500;
  var PAGE_LIMIT = 50;

  var section = document.getElementById("records");
  if (!section || !window.fetch) {
    return;
  }
  var topic = section.getAttribute("data-topic") || "";
  var base = "/api/topics/" + encodeURIComponent(topic);

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function cut(text, max) {
    return text.length > max ? text.slice(0, max) + "…" : text;
  }

  // A value as the API gives it: JSON (an envelope or another document)
  // or text; shown as compact JSON or as the text itself.
  function valueText(value) {
    if (typeof value === "string") {
      return value;
    }
    try {
      return JSON.stringify(value);
    } catch (e) {
      return String(value);
    }
  }

  function timeText(ms) {
    if (typeof ms !== "number") {
      return "";
    }
    var date = new Date(ms);
    return isNaN(date.getTime()) ? String(ms) : date.toISOString();
  }

  // --- the controls ---------------------------------------------------
  var heading = element("h2", "", "Records");
  var controls = element("form", "records-controls");
  var partitionPick = element("select");
  partitionPick.setAttribute("aria-label", "Partition");
  partitionPick.appendChild(new Option("all partitions", ""));
  var offsetPick = element("input");
  offsetPick.type = "number";
  offsetPick.min = "0";
  offsetPick.placeholder = "offset";
  offsetPick.setAttribute("aria-label", "Offset");
  var timePick = element("input");
  timePick.type = "datetime-local";
  timePick.step = "1";
  timePick.setAttribute("aria-label", "From time");
  var goButton = element("button", "", "Show");
  goButton.type = "submit";
  var newestButton = element("button", "", "Newest");
  newestButton.type = "button";
  controls.append(
    "Partition ",
    partitionPick,
    " offset ",
    offsetPick,
    " or from ",
    timePick,
    " ",
    goButton,
    " ",
    newestButton
  );

  var tail = element("div", "records-tail");
  var liveButton = element("button", "", "Live tail");
  liveButton.type = "button";
  var pauseButton = element("button", "", "Pause");
  pauseButton.type = "button";
  pauseButton.hidden = true;
  var tailStatus = element("span", "records-tail-status");
  tail.append(liveButton, " ", pauseButton, " ", tailStatus);

  var status = element("p", "records-status");
  status.setAttribute("role", "status");
  var paging = element("div", "records-paging");

  var table = element("table", "records-table");
  var head = element("thead");
  var headRow = element("tr");
  ["Partition", "Offset", "Time", "Key", "Value"].forEach(function (name) {
    headRow.appendChild(element("th", "", name));
  });
  head.appendChild(headRow);
  var rows = element("tbody");
  table.append(head, rows);

  section.append(heading, controls, tail, status, paging, table);

  function say(text) {
    status.textContent = text;
  }

  function row(record) {
    var tr = element("tr");
    tr.appendChild(element("td", "", String(record.partition)));
    tr.appendChild(element("td", "", String(record.offset)));
    tr.appendChild(element("td", "", timeText(record.timestamp)));
    var key = record.key === null || record.key === undefined ? "" : String(record.key);
    tr.appendChild(element("td", "", cut(key, MAX_KEY_CHARS)));
    var value = cut(valueText(record.value), MAX_VALUE_CHARS);
    if (record.truncated) {
      value += " (cut by the server)";
    }
    var cell = element("td", "records-value");
    cell.appendChild(element("code", "", value));
    tr.appendChild(cell);
    return tr;
  }

  // Newest at the top; the oldest rows go once there are MAX_ROWS.
  function prepend(record) {
    rows.insertBefore(row(record), rows.firstChild);
    while (rows.childElementCount > MAX_ROWS) {
      rows.removeChild(rows.lastChild);
    }
  }

  function knowPartitions(cursors) {
    if (partitionPick.options.length > 1) {
      return;
    }
    cursors
      .map(function (c) { return c.partition; })
      .sort(function (a, b) { return a - b; })
      .forEach(function (p) {
        partitionPick.appendChild(new Option(String(p), String(p)));
      });
  }

  function pageButton(label, partition, offset) {
    var button = element("button", "", label);
    button.type = "button";
    button.addEventListener("click", function () {
      partitionPick.value = String(partition);
      offsetPick.value = String(offset);
      timePick.value = "";
      load({ partition: partition, offset: offset });
    });
    return button;
  }

  function showPaging(cursors) {
    paging.replaceChildren();
    cursors.forEach(function (c) {
      var where = cursors.length > 1 ? " in partition " + c.partition : "";
      if (c.older !== null && c.older !== undefined) {
        paging.append(pageButton("Older" + where, c.partition, c.older), " ");
      }
      if (cursors.length === 1 && c.newer !== null && c.newer !== undefined) {
        paging.append(pageButton("Newer", c.partition, c.newer), " ");
      }
    });
  }

  // --- pages ------------------------------------------------------------
  function load(params) {
    stopTail();
    var query = new URLSearchParams({ limit: String(PAGE_LIMIT) });
    Object.keys(params).forEach(function (name) {
      query.set(name, String(params[name]));
    });
    say("Loading…");
    fetch(base + "/messages?" + query.toString(), {
      headers: { Accept: "application/json" },
      credentials: "same-origin"
    })
      .then(function (response) {
        return response.json().then(function (body) {
          return { ok: response.ok, body: body };
        });
      })
      .then(function (answer) {
        if (!answer.ok) {
          say(String((answer.body && answer.body.error) || "The records could not be read."));
          return;
        }
        var page = answer.body;
        knowPartitions(page.partitions || []);
        rows.replaceChildren();
        // The API answers oldest first; the table shows newest first.
        (page.records || []).forEach(prepend);
        showPaging(page.partitions || []);
        var count = (page.records || []).length;
        say(
          (count === 0 ? "No records here." : count + " records.") +
            (page.complete ? "" : " Kafka did not deliver them all in time.")
        );
      })
      .catch(function () {
        say("The records could not be read.");
      });
  }

  controls.addEventListener("submit", function (event) {
    event.preventDefault();
    var params = {};
    if (partitionPick.value !== "") {
      params.partition = partitionPick.value;
    }
    if (timePick.value) {
      var ms = new Date(timePick.value).getTime();
      if (isNaN(ms)) {
        say("That time cannot be read.");
        return;
      }
      params.timestamp = ms;
    } else if (offsetPick.value !== "") {
      if (partitionPick.value === "") {
        say("Choose a partition to read from an offset.");
        return;
      }
      params.offset = offsetPick.value;
    }
    load(params);
  });

  newestButton.addEventListener("click", function () {
    offsetPick.value = "";
    timePick.value = "";
    load(partitionPick.value === "" ? {} : { partition: partitionPick.value });
  });

  // --- the live tail ----------------------------------------------------
  var source = null;
  var paused = false;
  var pending = [];
  var skipped = 0;

  function tailSays(text) {
    tailStatus.textContent = text;
  }

  function stopTail() {
    if (source) {
      source.close();
      source = null;
    }
    paused = false;
    pending = [];
    skipped = 0;
    liveButton.textContent = "Live tail";
    pauseButton.hidden = true;
    pauseButton.textContent = "Pause";
    tailSays("");
  }

  function startTail() {
    if (!window.EventSource) {
      tailSays("This browser cannot follow a live tail.");
      return;
    }
    rows.replaceChildren();
    paging.replaceChildren();
    say("");
    source = new EventSource(base + "/stream");
    liveButton.textContent = "Stop";
    pauseButton.hidden = false;
    tailSays("Connecting…");
    source.onopen = function () {
      tailSays("Live: new records appear at the top.");
    };
    source.onmessage = function (event) {
      var record;
      try {
        record = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      if (!paused) {
        prepend(record);
        return;
      }
      pending.push(record);
      if (pending.length > MAX_PENDING) {
        pending.shift();
        skipped += 1;
      }
      tailSays("Paused: " + pending.length + " new records waiting.");
    };
    source.addEventListener("dropped", function (event) {
      var why = "the server ended the tail";
      try {
        why = JSON.parse(event.data).reason || why;
      } catch (e) {
        // Keep the general reason.
      }
      stopTail();
      tailSays("The live tail stopped: " + why);
    });
    source.onerror = function () {
      // A refused tail (503: too many open) is not retried by the browser.
      if (source && source.readyState === EventSource.CLOSED) {
        stopTail();
        tailSays("The live tail is not available now; try again later.");
      } else {
        tailSays("Reconnecting…");
      }
    };
  }

  liveButton.addEventListener("click", function () {
    if (source) {
      stopTail();
    } else {
      startTail();
    }
  });

  pauseButton.addEventListener("click", function () {
    if (!paused) {
      paused = true;
      pauseButton.textContent = "Resume";
      tailSays("Paused.");
      return;
    }
    paused = false;
    pauseButton.textContent = "Pause";
    pending.forEach(prepend);
    pending = [];
    tailSays(
      skipped > 0
        ? "Live again; " + skipped + " records that arrived while paused were not kept."
        : "Live: new records appear at the top."
    );
    skipped = 0;
  });

  load({});
})();
