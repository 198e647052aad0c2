/* Status site enhancements. The page is complete without this script, and the script never
 * changes a status: every light, roll-up, sentence and section on a page is one snapshot
 * taken at the build's moment, so the page cannot contradict itself (docs/site.md).
 * It only
 * (1) says how old that snapshot is, and once the viewer's clock passes the next planned
 *     change (a maintenance window opening or closing) says plainly that the page is out of
 *     date, with a link to reload it, and
 * (2) shows times in the viewer's time zone, with the organisation's time on hover. */
(function () {
  "use strict";

  function ago(ms) {
    var minutes = Math.floor(ms / 60000);
    if (minutes < 1) return "just now";
    if (minutes < 60) return minutes + (minutes === 1 ? " minute ago" : " minutes ago");
    var hours = Math.floor(minutes / 60);
    if (hours < 48) return hours + (hours === 1 ? " hour ago" : " hours ago");
    return Math.floor(hours / 24) + " days ago";
  }

  function formatter() {
    if (!window.Intl || !Intl.DateTimeFormat) return null;
    return new Intl.DateTimeFormat(undefined, {
      weekday: "short", day: "numeric", month: "short", year: "numeric",
      hour: "2-digit", minute: "2-digit", timeZoneName: "short"
    });
  }

  function staleNotice(line, due) {
    var note = document.createElement("p");
    note.className = "pub-stale";
    note.setAttribute("role", "status");
    var format = formatter();
    var when = format ? format.format(new Date(due)) : line.getAttribute("data-next-change-org");
    note.appendChild(document.createTextNode(
      "This page may be out of date: a planned change was due at " + when +
      ", after this status was taken. "));
    var reload = document.createElement("a");
    reload.href = window.location.href.split("#")[0];
    reload.textContent = "Reload for the latest status";
    note.appendChild(reload);
    return note;
  }

  function refreshAge() {
    var now = Date.now();
    var lines = document.querySelectorAll(".pub-updated[data-built]");
    for (var i = 0; i < lines.length; i++) {
      var line = lines[i];
      var built = Date.parse(line.getAttribute("data-built"));
      if (isNaN(built)) continue;
      var age = line.querySelector(".pub-age");
      if (!age) {
        age = document.createElement("span");
        age.className = "pub-age";
        line.appendChild(age);
      }
      age.textContent = " (" + ago(Math.max(0, now - built)) + ")";
      var due = Date.parse(line.getAttribute("data-next-change") || "");
      var next = line.nextElementSibling;
      var shown = next && next.className === "pub-stale";
      if (!isNaN(due) && now >= due && !shown) {
        line.parentNode.insertBefore(staleNotice(line, due), line.nextSibling);
      }
    }
  }

  function localTimes() {
    var format = formatter();
    if (!format) return;
    var times = document.querySelectorAll("time.pub-time[datetime]");
    for (var i = 0; i < times.length; i++) {
      var el = times[i];
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when.getTime())) continue;
      el.textContent = format.format(when);
      el.title = "Organisation time: " + el.getAttribute("data-org");
    }
  }

  localTimes();
  refreshAge();
  window.setInterval(refreshAge, 20000);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) refreshAge();
  });
})();
