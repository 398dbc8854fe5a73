/* A city body's page: its figures (GET /bodies/{id}/figures) and its tasks
   (GET /bodies/{id}/tasks) with their shifts, each linking to its check-in code. */
(function () {
  "use strict";
  var C = window.Console;
  var table = document.getElementById("tasks");
  var base = "/api/v1/bodies/" + table.dataset.body;
  var more = document.getElementById("more");
  var cursor = null;
  var STATUS = { draft: "草稿", published: "已发布", cancelled: "已取消" };
  var VISIBILITY = { city: "全市", streets: "所选街道" };
  function set(id, value) { document.getElementById(id).textContent = value; }

  function figures() {
    var query = [];
    var from = document.getElementById("from").value;
    var to = document.getElementById("to").value;
    if (from) { query.push("from=" + from); }
    if (to) { query.push("to=" + to); }
    C.api(base + "/figures?" + query.join("&")).then(function (f) {
      set("tasks-published", String(f.tasks.published || 0));
      set("shifts", String(f.shifts));
      set("places", f.places + " / " + f.signed_up);
      set("records-pending", String(f.records.pending || 0));
      set("confirmed-hours", (f.confirmed_minutes / 60).toFixed(1));
    }).catch(function (error) { C.showError(error.message); });
  }

  function shifts(task) {
    var box = document.createElement("span");
    task.shifts.forEach(function (s) {
      var a = document.createElement("a");
      a.href = "/console/shifts/" + s.id + "/checkin";
      a.className = "page-link";
      a.textContent = C.localTime(s.starts_at) + "（" + s.confirmed_count + "/" + s.capacity + "）";
      box.appendChild(a);
      box.appendChild(document.createTextNode(" "));
    });
    return task.shifts.length ? box : "—";
  }

  function load(append) {
    if (!append) { cursor = null; }
    var status = document.getElementById("status").value;
    var query = "limit=50" + (status ? "&status=" + status : "") + (cursor ? "&cursor=" + encodeURIComponent(cursor) : "");
    C.api(base + "/tasks?" + query).then(function (page) {
      C.table(table, [
        ["任务", function (t) { return t.title; }],
        ["地点", function (t) { return t.address; }],
        ["面向", function (t) { return VISIBILITY[t.visibility] || t.visibility; }],
        ["状态", function (t) { return STATUS[t.status] || t.status; }],
        ["班次（已报名/名额）", shifts],
        ["创建时间", function (t) { return C.localTime(t.created_at); }]
      ], page.items, null, append);
      cursor = page.next_cursor;
      more.hidden = !cursor;
    }).catch(function (error) { C.showError(error.message); });
  }

  document.getElementById("span").addEventListener("submit", function (event) { event.preventDefault(); figures(); });
  document.getElementById("status").addEventListener("change", function () { load(false); });
  more.addEventListener("click", function () { load(true); });
  figures();
  load(false);
})();
