/* Status site enhancements. The page is complete without this script, and the script never
 * changes a status: every light, roll-up, sentence and section on a page is one snapshot
 * taken at the build's moment, so the page cannot contradict itself (docs/site.md).
 * It only
 * (1) says how old that snapshot is, and once the viewer's clock passes the next planned
 *     change (a maintenance window opening or closing) says plainly that the page is out of
 *     date, with a link to reload it, and
 * (2) shows times in the viewer's time zone, with the organisation's time on hover, and
 * (3) makes the theme's ☰ menu a keyboard-operable button (Enter/Space opens it and moves
 *     focus into it, Escape closes it and returns focus); the closed drawer is out of the
 *     tab order (status.css, under the "pub-js" class set here). */
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

  function menuButton() {
    // The theme's ☰ is a <label> for a hidden checkbox: not focusable, not a button. Put a
    // real button in its place that drives the same checkbox.
    var drawer = document.getElementById("__drawer");
    var label = document.querySelector('label.md-header__button[for="__drawer"]');
    if (!drawer || !label) return;
    var nav = document.querySelector(".md-sidebar--primary");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "md-header__button md-icon pub-menu";
    button.setAttribute("aria-label", "Menu");
    button.innerHTML = label.innerHTML; // the theme's own icon, already in this page
    label.parentNode.insertBefore(button, label);
    label.hidden = true;
    function sync() {
      button.setAttribute("aria-expanded", drawer.checked ? "true" : "false");
    }
    function set(open) {
      if (drawer.checked === open) return;
      drawer.checked = open;
      drawer.dispatchEvent(new Event("change", { bubbles: true }));
      sync();
    }
    button.addEventListener("click", function () {
      set(!drawer.checked);
      var first = drawer.checked && nav ? nav.querySelector("a[href]") : null;
      // Once the drawer is visible (status.css shows it as soon as the box is checked).
      if (first) window.setTimeout(function () { first.focus(); }, 0);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && drawer.checked) {
        set(false);
        button.focus();
      }
    });
    drawer.addEventListener("change", sync);
    sync();
  }

  document.documentElement.classList.add("pub-js");
  menuButton();
  localTimes();
  refreshAge();
  window.setInterval(refreshAge, 20000);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) refreshAge();
  });
})();
