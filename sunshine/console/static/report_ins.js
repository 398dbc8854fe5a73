/* Report-ins waiting for the community's decision. Approve at once; reject with a reason. */
(function () {
  "use strict";
  var C = window.Console;
  var table = document.getElementById("pending");
  var more = document.getElementById("more");
  var cursor = null;

  function decide(row, action, body) {
    return C.api("/api/v1/report-ins/" + row.id + "/" + action, { method: "POST", body: body }).then(function () {
      C.notice((action === "approve" ? "已批准 " : "已驳回 ") + row.member.name + " 的报到申请");
      load(false);
    }).catch(function (error) { C.showError(error.message); });
  }

  function actions(row) {
    var box = document.createElement("span");
    box.appendChild(C.button("批准", function () { decide(row, "approve", {}); }, "primary approve"));
    box.appendChild(C.button("驳回", function () {
      var reason = document.createElement("input");
      reason.placeholder = "驳回理由（必填）";
      reason.maxLength = 200;
      box.appendChild(reason);
      box.appendChild(C.button("确认驳回", function () { decide(row, "reject", { reason: reason.value }); }));
    }));
    return box;
  }

  function load(append) {
    if (!append) { cursor = null; }
    C.api("/api/v1/report-ins?status=pending&limit=50" + (cursor ? "&cursor=" + cursor : "")).then(function (page) {
      C.table(table, [
        ["姓名", function (r) { return r.member.name; }],
        ["工作单位", function (r) { return r.member.unit_name || ""; }],
        ["电话", function (r) { return r.member.phone || ""; }],
        ["报到社区", function (r) { return r.community.name; }],
        ["申请时间", function (r) { return C.localTime(r.requested_at); }],
        ["操作", actions]
      ], page.items, null, append);
      cursor = page.next_cursor;
      more.hidden = !cursor;
    }).catch(function (error) { C.showError(error.message); });
  }

  more.addEventListener("click", function () { load(true); });
  load(false);
})();
