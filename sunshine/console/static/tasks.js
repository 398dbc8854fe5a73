/* Post a task with its first shift and publish it (three calls, as the mini-program makes
   them); list the published tasks with a link to each shift's check-in code. */
(function () {
  "use strict";
  var C = window.Console;
  var form = document.getElementById("task-form");
  var places = C.context.scopes.filter(function (s) { return s.kind === "community" || s.kind === "street"; });

  function shanghai(local) { return local + ":00+08:00"; }

  function fill() {
    var area = document.getElementById("area");
    places.forEach(function (s) {
      var option = document.createElement("option");
      option.value = s.id;
      option.dataset.kind = s.kind;
      option.textContent = s.name;
      area.appendChild(option);
    });
    C.api("/api/v1/task-categories").then(function (categories) {
      var select = document.getElementById("category");
      categories.forEach(function (c) {
        var option = document.createElement("option");
        option.value = c.id;
        option.textContent = c.name;
        select.appendChild(option);
      });
    }).catch(function (error) { C.showError(error.message); });
  }

  function list() {
    C.api("/api/v1/tasks?status=published&limit=50").then(function (page) {
      var rows = [];
      page.items.forEach(function (task) {
        task.shifts.forEach(function (shift) { rows.push({ task: task, shift: shift }); });
      });
      C.table(document.getElementById("tasks"), [
        ["任务", function (r) { return r.task.title; }],
        ["区域", function (r) { return r.task.area.name; }],
        ["开始", function (r) { return C.localTime(r.shift.starts_at); }],
        ["结束", function (r) { return C.localTime(r.shift.ends_at); }],
        ["已报名 / 名额", function (r) { return r.shift.confirmed_count + " / " + r.shift.capacity; }],
        ["签到码", function (r) {
          var a = document.createElement("a");
          a.href = "/console/shifts/" + r.shift.id + "/checkin";
          a.className = "code-link";
          a.textContent = "全屏签到码";
          return a;
        }]
      ], rows);
    }).catch(function (error) { C.showError(error.message); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = new FormData(form);
    var area = document.getElementById("area");
    var kind = area.options[area.selectedIndex] ? area.options[area.selectedIndex].dataset.kind : "community";
    var task = {
      area_id: Number(data.get("area_id")), kind: data.get("kind"), category_id: Number(data.get("category_id")),
      title: data.get("title"), content: data.get("content"), address: data.get("address"),
      visibility: kind === "street" ? "street" : "community",
      contact_name: data.get("contact_name"), contact_phone: data.get("contact_phone")
    };
    var shift = { starts_at: shanghai(data.get("starts_at")), ends_at: shanghai(data.get("ends_at")), capacity: Number(data.get("capacity")) };
    C.api("/api/v1/tasks", { method: "POST", body: task }).then(function (made) {
      return C.api("/api/v1/tasks/" + made.id + "/shifts", { method: "POST", body: shift }).then(function () {
        return C.api("/api/v1/tasks/" + made.id + "/publish", { method: "POST" });
      });
    }).then(function (published) {
      C.notice("已发布：" + published.title);
      form.reset();
      list();
    }).catch(function (error) { C.showError(error.message); });
  });

  if (!places.length) { C.showError("只有社区或街道管理员可以发布任务"); }
  fill();
  list();
})();
