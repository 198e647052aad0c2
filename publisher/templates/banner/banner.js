/*
 * IT status banner for intranet pages. Embed with one tag:
 *
 *   <script src="https://status.example.ac.uk/banner.js" defer></script>
 *
 * Optional attributes: data-target="#css-selector" (where to put the banner; default: top of
 * <body>), data-refresh="300" (seconds between checks of banner.json).
 *
 * - Fetches banner.json next to this script (relative to its own src URL).
 * - Shows a banner only inside its window, by the viewer's clock, and re-checks every minute.
 * - Dismissible per revision: a dismissed banner comes back when a new update is published.
 * - role="alert" for outages, role="status" for everything else.
 * - Works under a Content-Security-Policy without 'unsafe-inline': no inline script or
 *   style; styles come from banner.css (next to this file) inside a shadow root, so the host
 *   page's CSS and the banner's CSS cannot affect each other.
 * - Text is only ever set with textContent, and only http(s) links are followed.
 * No dependencies; ES2017.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !script.src || !window.fetch) {
    return;
  }
  var PREFIX = "pubsb";
  var STORE = PREFIX + ":dismissed:";
  var jsonUrl = new URL("banner.json", script.src).href;
  var cssUrl = new URL("banner.css", script.src).href;
  var targetSelector = script.getAttribute("data-target");
  var refreshSeconds = parseInt(script.getAttribute("data-refresh") || "300", 10);
  if (!(refreshSeconds >= 30)) {
    refreshSeconds = 300;
  }
  var LABELS = {outage: "Outage", degraded: "Service problem", maintenance: "Maintenance",
                notice: "Notice"};

  var host = null;
  var list = null;
  var latest = [];
  var shownKey = "";

  function dismissedRevision(id) {
    try {
      return window.localStorage.getItem(STORE + id);
    } catch (error) {
      return null; // storage blocked: the banner simply cannot be dismissed for long
    }
  }

  function remember(id, revision) {
    try {
      window.localStorage.setItem(STORE + id, String(revision));
    } catch (error) {
      /* storage blocked: dismissal lasts until the next page load */
    }
  }

  function httpUrl(value) {
    try {
      var url = new URL(String(value), jsonUrl);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (error) {
      return null;
    }
  }

  function inWindow(banner, now) {
    var start = banner.start ? Date.parse(banner.start) : NaN;
    var end = banner.end ? Date.parse(banner.end) : NaN;
    return !(start > now) && !(end <= now);
  }

  function valid(banner) {
    return banner && typeof banner.id === "string" && typeof banner.title === "string" &&
      Object.prototype.hasOwnProperty.call(LABELS, banner.level);
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    node.className = PREFIX + "-" + className;
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function mount() {
    if (host) {
      return;
    }
    host = document.createElement("div");
    host.className = PREFIX + "-host";
    host.setAttribute("data-status-banner", "");
    var root = host.attachShadow ? host.attachShadow({mode: "open"}) : host;
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = cssUrl;
    root.appendChild(link);
    list = element("div", "list");
    root.appendChild(list);
    var parent = targetSelector ? document.querySelector(targetSelector) : null;
    if (parent) {
      parent.appendChild(host);
    } else {
      document.body.insertBefore(host, document.body.firstChild);
    }
  }

  function unmount() {
    if (host && host.parentNode) {
      host.parentNode.removeChild(host);
    }
    host = null;
    list = null;
  }

  function card(banner) {
    var box = element("div", "banner " + PREFIX + "-" + banner.level);
    box.setAttribute("role", banner.level === "outage" ? "alert" : "status");
    box.setAttribute("data-banner-id", banner.id);
    box.setAttribute("data-revision", String(banner.revision));
    var icon = element("span", "icon");
    icon.setAttribute("aria-hidden", "true");
    box.appendChild(icon);
    var body = element("p", "body");
    body.appendChild(element("strong", "label", LABELS[banner.level] + ": "));
    body.appendChild(element("span", "title", banner.title));
    if (typeof banner.text === "string" && banner.text) {
      body.appendChild(element("span", "text", banner.text));
    }
    var href = httpUrl(banner.url);
    if (href) {
      var link = element("a", "link", "Latest update");
      link.href = href;
      link.appendChild(element("span", "visually-hidden", " on " + banner.title));
      body.appendChild(link);
    }
    box.appendChild(body);
    var close = element("button", "dismiss", "\u00d7");
    close.type = "button";
    close.setAttribute("aria-label", "Dismiss: " + banner.title);
    close.addEventListener("click", function () {
      remember(banner.id, banner.revision);
      var after = nextFocus(box);
      render();
      after();
    });
    box.appendChild(close);
    return box;
  }

  var FOCUSABLE = "a[href], button:not([disabled]), input:not([disabled]), select, " +
    "textarea, [tabindex]:not([tabindex='-1'])";

  // Where keyboard focus goes once a banner is dismissed, decided before it is removed (so
  // focus never falls to <body>): the next banner's Dismiss button, else the previous one's,
  // else the first focusable element after the banners on the host page, else its <main>/<h1>.
  function nextFocus(box) {
    var sibling = box.nextElementSibling || box.previousElementSibling;
    var id = sibling ? sibling.getAttribute("data-banner-id") : null;
    var following = null; // found while the banners are still in the page
    var candidates = document.querySelectorAll(FOCUSABLE);
    for (var i = 0; i < candidates.length && host; i++) {
      var node = candidates[i];
      if (host.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_FOLLOWING &&
          !host.contains(node) && node.getClientRects().length) {
        following = node;
        break;
      }
    }
    return function () {
      var again = id && list ? list.querySelector(
        "[data-banner-id=\"" + CSS.escape(id) + "\"] button") : null;
      var target = again || following || document.querySelector("main, [role=main], h1");
      if (!target) {
        return;
      }
      if (!again && !following && !target.hasAttribute("tabindex")) {
        target.setAttribute("tabindex", "-1"); // a heading or <main>: focusable by script only
      }
      target.focus();
    };
  }

  function render() {
    var now = Date.now();
    var showing = latest.filter(function (banner) {
      return valid(banner) && inWindow(banner, now) &&
        dismissedRevision(banner.id) !== String(banner.revision);
    });
    // Redraw only on a change, so screen readers do not hear an alert again every minute.
    var key = showing.map(function (banner) {
      return banner.id + "@" + banner.revision;
    }).join(" ");
    if (key === shownKey && (host || !showing.length)) {
      return;
    }
    shownKey = key;
    if (!showing.length) {
      unmount();
      return;
    }
    mount();
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    showing.forEach(function (banner) {
      list.appendChild(card(banner));
    });
  }

  var complained = false;

  function complain(why) {
    // Once per failure spell, so a console is not flooded every refresh.
    if (complained || !window.console) {
      return;
    }
    complained = true;
    var crossOrigin = new URL(jsonUrl).origin !== window.location.origin;
    console.error("Status banner: could not read " + jsonUrl + " (" + why + ")." +
      (crossOrigin ? " This page (" + window.location.origin + ") is on another site than " +
        "the status site: the status site must send the header " +
        "'Access-Control-Allow-Origin: *' (or this page's origin) with banner.json. " +
        "See 'Cross-origin embedding' in the status site's docs/banner.md." : "") +
      " No banner is shown until it can be read.");
  }

  function load() {
    return fetch(jsonUrl, {cache: "no-cache", credentials: "omit"})
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        complained = false;
        latest = data && Array.isArray(data.banners) ? data.banners : [];
        render();
      })
      .catch(function (error) {
        // A blocked cross-origin read looks like a network failure to the script.
        complain(error && error.message ? error.message : String(error));
        /* status site unreachable or unreadable: keep what is shown */
      });
  }

  function start() {
    load();
    window.setInterval(render, 60 * 1000); // windows open and close by the viewer's clock
    window.setInterval(load, refreshSeconds * 1000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
