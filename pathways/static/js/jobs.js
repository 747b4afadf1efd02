/* « Mes tâches »: refreshes the jobs still waiting or running, without reloading the page.
   Each job's block comes rendered by the server (the page's own macro); a status change
   is announced to screen readers through the page's status region. No inline script: CSP. */
(function () {
  "use strict";
  var list = document.getElementById("jobs");
  var announcer = document.getElementById("jobs-announcer");
  if (!list || !window.fetch) { return; }
  document.documentElement.classList.add("pw-js");
  var INTERVAL = 2000;
  var MAX_INTERVAL = 30000;
  var delay = INTERVAL;

  function active() {
    return list.querySelector('[data-active="true"]') !== null;
  }

  function update(job) {
    var item = document.getElementById("job-" + job.id);
    if (!item) { return; }
    var before = item.getAttribute("data-status");
    if (item.getAttribute("data-html") === job.html) { return; }
    item.innerHTML = job.html;
    item.setAttribute("data-html", job.html);
    item.setAttribute("data-status", job.status);
    item.setAttribute("data-active", job.active ? "true" : "false");
    if (before !== job.status && announcer) {
      var title = item.querySelector("h2");
      var badge = item.querySelector(".fr-badge");
      var text = (title ? title.textContent.trim() : "") + " : " + (badge ? badge.textContent.trim() : job.status) + ".";
      if (item.querySelector("a.fr-link--download")) { text += " Le fichier est prêt à télécharger."; }
      announcer.textContent = text;
    }
  }

  function poll() {
    if (!active()) { return; }
    fetch(list.getAttribute("data-state-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (data) {
        data.jobs.forEach(update);
        delay = INTERVAL;
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        // Logged out or offline: try less and less often; the refresh link still works.
        delay = Math.min(delay * 2, MAX_INTERVAL);
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, INTERVAL);
})();
