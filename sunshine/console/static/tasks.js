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

  /* The calendar: a week (Monday first) or a month of days in Asia/Shanghai, each listing
     its shifts with a link to the shift's code. */
  // Days are Shanghai dates held as UTC noon, so the browser's own time zone cannot shift them.
  function dayKey(date) { return date.toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" }); }
  function shanghaiToday() {
    var parts = dayKey(new Date()).split("-").map(Number);
    return new Date(Date.UTC(parts[0], parts[1] - 1, parts[2], 12));
  }
  var view = { span: "week", anchor: shanghaiToday(), rows: [] };
  function calendar() {
    var first = new Date(view.anchor);
    if (view.span === "week") { first.setUTCDate(first.getUTCDate() - ((first.getUTCDay() + 6) % 7)); } else { first.setUTCDate(1); }
    var days = [];
    var limit = view.span === "week" ? 7 : new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
    for (var i = 0; i < limit; i++) { var d = new Date(first); d.setUTCDate(first.getUTCDate() + i); days.push(d); }
    document.getElementById("span-name").textContent = dayKey(days[0]) + " 至 " + dayKey(days[days.length - 1]);
    var grid = document.getElementById("calendar");
    grid.innerHTML = "";
    grid.className = "calendar " + view.span;
    days.forEach(function (d) {
      var cell = document.createElement("div");
      cell.className = "day";
      cell.dataset.day = dayKey(d);
      var head = document.createElement("div");
      head.className = "day-head";
      head.textContent = (d.getUTCMonth() + 1) + "月" + d.getUTCDate() + "日 " + "日一二三四五六".charAt(d.getUTCDay());
      cell.appendChild(head);
      view.rows.filter(function (r) { return dayKey(new Date(r.shift.starts_at)) === dayKey(d); }).forEach(function (r) {
        var a = document.createElement("a");
        a.className = "shift";
        a.href = "/console/shifts/" + r.shift.id + "/checkin";
        a.textContent = new Date(r.shift.starts_at).toLocaleTimeString("zh-CN", { timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit" }) + " " + r.task.title + "（" + r.shift.confirmed_count + "/" + r.shift.capacity + "）";
        cell.appendChild(a);
      });
      grid.appendChild(cell);
    });
  }
  document.querySelectorAll("[data-span]").forEach(function (tab) {
    tab.addEventListener("click", function () {
      document.querySelectorAll("[data-span]").forEach(function (t) { t.classList.remove("active"); });
      tab.classList.add("active");
      view.span = tab.dataset.span;
      calendar();
    });
  });
  function move(step) {
    if (view.span === "week") { view.anchor.setUTCDate(view.anchor.getUTCDate() + 7 * step); } else { view.anchor.setUTCDate(1); view.anchor.setUTCMonth(view.anchor.getUTCMonth() + step); }
    calendar();
  }
  document.getElementById("prev").addEventListener("click", function () { move(-1); });
  document.getElementById("next").addEventListener("click", function () { move(1); });

  function list() {
    C.api("/api/v1/tasks?status=published&limit=100").then(function (page) {
      var rows = [];
      page.items.forEach(function (task) {
        task.shifts.forEach(function (shift) { rows.push({ task: task, shift: shift }); });
      });
      view.rows = rows;
      calendar();
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
