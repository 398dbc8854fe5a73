/* A unit's yearly report: its text and the figures counted when it was submitted. */
(function () {
  "use strict";
  var C = window.Console;
  var text = document.getElementById("report-text");
  function set(id, value) { document.getElementById(id).textContent = value; }
  C.api("/api/v1/unit-yearly-reports/" + text.dataset.report).then(function (r) {
    set("report-title", r.unit.name + " · " + r.year + " 年度报告");
    set("report-ins", String(r.report_ins));
    set("projects-done", String(r.projects_done));
    set("members-sent", String(r.members_sent));
    set("service-hours", (r.service_minutes / 60).toFixed(1));
    set("submitted-at", C.localTime(r.submitted_at));
    text.textContent = r.text;
  }).catch(function (error) { C.showError(error.message); });
})();
