/* Status site enhancements. The page is complete without this script: it only
 * (1) re-evaluates maintenance windows against the viewer's clock, so a window turns
 *     "In progress" or "Completed" on time without a rebuild, using the same rules as the
 *     status engine (a declared verifying/completed/cancelled status is never overridden), and
 * (2) shows times in the viewer's time zone, with the organisation's time on hover. */
(function () {
  "use strict";
  var WORDS = { scheduled: "Scheduled", in_progress: "In progress", completed: "Completed" };
  var FINAL = { verifying: true, completed: true, cancelled: true };

  function stateAt(el, now) {
    if (FINAL[el.getAttribute("data-declared")]) return null;
    var start = Date.parse(el.getAttribute("data-window-start"));
    var endText = el.getAttribute("data-window-end");
    var end = endText ? Date.parse(endText) : NaN;
    if (isNaN(start) || now < start) return "scheduled";
    if (!isNaN(end) && now >= end) return "completed";
    return "in_progress";
  }

  function refreshWindows() {
    var now = Date.now();
    var labels = document.querySelectorAll("[data-window-start]");
    for (var i = 0; i < labels.length; i++) {
      var el = labels[i];
      var state = stateAt(el, now);
      if (!state || el.getAttribute("data-state") === state) continue;
      el.setAttribute("data-state", state);
      el.className = "pub-state pub-state--" + state;
      el.textContent = WORDS[state];
    }
  }

  function localTimes() {
    if (!window.Intl || !Intl.DateTimeFormat) return;
    var format = new Intl.DateTimeFormat(undefined, {
      weekday: "short", day: "numeric", month: "short", year: "numeric",
      hour: "2-digit", minute: "2-digit", timeZoneName: "short"
    });
    var times = document.querySelectorAll("time.pub-time[datetime]");
    for (var i = 0; i < times.length; i++) {
      var el = times[i];
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when.getTime())) continue;
      el.textContent = format.format(when);
      el.title = "Organisation time: " + el.getAttribute("data-org");
    }
  }

  refreshWindows();
  localTimes();
  window.setInterval(refreshWindows, 20000);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) refreshWindows();
  });
})();
