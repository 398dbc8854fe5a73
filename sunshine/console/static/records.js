/* Service records waiting for confirmation (of a day, or all), flagged ones marked; confirm the
   chosen ones in one call, which confirms all of them or none. */
(function () {
  "use strict";
  var C = window.Console;
  var table = document.getElementById("records");
  var confirm = document.getElementById("confirm");
  var day = document.getElementById("day");
  var FLAGS = { forgot_checkout: "忘记签退", low_accuracy: "定位精度低", hand_recorded: "手工登记", walk_in: "未报名到场", overdue: "逾期" };
  var chosen = {};
  var shown = [];

  function count() {
    var n = Object.keys(chosen).length;
    document.getElementById("selected").textContent = String(n);
    confirm.disabled = n === 0;
  }

  function box(row) {
    var input = document.createElement("input");
    input.type = "checkbox";
    input.className = "pick";
    input.dataset.id = row.id;
    input.checked = Boolean(chosen[row.id]);
    input.addEventListener("click", function (event) { event.stopPropagation(); });
    input.addEventListener("change", function () {
      if (input.checked) { chosen[row.id] = true; } else { delete chosen[row.id]; }
      count();
    });
    return input;
  }

  function flags(row) {
    var names = row.flags.map(function (f) { return FLAGS[f] || f; });
    if (row.overdue) { names.push(FLAGS.overdue); }
    return names.length ? "⚠ " + names.join("、") : "";
  }

  function load() {
    chosen = {};
    count();
    var range = day.value ? "&from=" + day.value + "&to=" + day.value : "";
    C.api("/api/v1/service-records?status=pending&limit=100" + range).then(function (page) {
      shown = page.items;
      C.table(table, [
        ["", box],
        ["姓名", function (r) { return r.member.name; }],
        ["活动", function (r) { return r.activity_name; }],
        ["服务日期", function (r) { return r.service_date; }],
        ["签到", function (r) { return C.localTime(r.check_in_at); }],
        ["签退", function (r) { return C.localTime(r.check_out_at); }],
        ["时长（分钟）", function (r) { return r.minutes; }],
        ["标记", flags]
      ], page.items);
    }).catch(function (error) { C.showError(error.message); });
  }

  document.getElementById("select-all").addEventListener("click", function () {
    shown.forEach(function (r) { if (!r.flags.length) { chosen[r.id] = true; } });
    table.querySelectorAll("input.pick").forEach(function (input) { input.checked = Boolean(chosen[input.dataset.id]); });
    count();
  });
  confirm.addEventListener("click", function () {
    var ids = Object.keys(chosen).map(Number);
    C.api("/api/v1/service-records/confirm", { method: "POST", body: { ids: ids } }).then(function (done) {
      C.notice("已确认 " + done.length + " 条服务记录");
      load();
    }).catch(function (error) { C.showError(error.message); });
  });
  day.addEventListener("change", load);
  load();
})();
