/* A unit's report-in: its co-building agreement with the resources list (the community
   countersigns it) and its projects (the community confirms one done). Each change is one API
   call; the API decides (its refusals shown as they are). */
(function () {
  "use strict";
  var C = window.Console;
  var box = document.getElementById("agreement");
  var id = box.dataset.reportIn;
  var base = "/api/v1/unit-report-ins/" + id;
  var decides = C.context.permissions.indexOf("cobuild.decide") >= 0;
  var countersign = document.getElementById("countersign");
  var STATUS = { pending: "待审批", active: "已报到", rejected: "未通过", withdrawn: "已撤回", ended: "已结束" };
  var KIND = { people: "人员", skills: "技能", venues: "场地", funds: "资金", vehicles: "车辆" };
  var PROJECT = { planned: "计划中", in_progress: "进行中", done: "已完成", cancelled: "已取消" };

  function summary() {
    C.api(base).then(function (r) {
      document.getElementById("report-in-title").textContent = r.unit.name + " → " + r.community.name;
      document.getElementById("report-in-summary").textContent = [
        r.party_org.name, STATUS[r.status] || r.status, r.paired ? "结对社区" : "非结对社区",
        "申请于 " + C.localTime(r.requested_at)
      ].join(" · ");
    }).catch(function (error) { C.showError(error.message); });
  }

  function agreement() {
    C.api(base + "/agreement").then(function (a) {
      box.textContent = "";
      [
        "期限：" + a.starts_on + " 至 " + a.ends_on,
        "提交时间：" + C.localTime(a.written_at),
        a.confirmed_at ? "社区已会签：" + C.localTime(a.confirmed_at) : "社区尚未会签",
        a.text
      ].forEach(function (line) { var p = document.createElement("p"); p.textContent = line; box.appendChild(p); });
      C.table(document.getElementById("resources"), [
        ["类别", function (r) { return KIND[r.kind] || r.kind; }],
        ["名称", function (r) { return r.name; }],
        ["数量", function (r) { return r.quantity + " " + r.measure; }]
      ], a.resources);
      countersign.hidden = !decides || Boolean(a.confirmed_at);
    }).catch(function (error) {
      box.textContent = error.code === "agreement.not_found" ? "单位尚未提交共建协议" : error.message;
      countersign.hidden = true;
    });
  }

  function projects() {
    C.api("/api/v1/unit-projects?limit=100&report_in_id=" + id).then(function (page) {
      var columns = [
        ["项目", function (p) { return p.title; }],
        ["内容", function (p) { return p.description; }],
        ["计划", function (p) { return p.planned_from + " 至 " + p.planned_to; }],
        ["派出党员", function (p) { return p.members.map(function (m) { return m.name; }).join("、") || "—"; }],
        ["状态", function (p) { return PROJECT[p.status] || p.status; }],
        ["完成时间", function (p) { return C.localTime(p.done_at); }]
      ];
      if (decides) {
        columns.push(["操作", function (p) {
          if (p.status !== "in_progress") { return ""; }
          return C.button("确认完成", function () {
            C.api("/api/v1/unit-projects/" + p.id + "/done", { method: "POST" }).then(function () {
              C.notice("已确认项目“" + p.title + "”完成");
              projects();
            }).catch(function (error) { C.showError(error.message); });
          }, "primary");
        }]);
      }
      C.table(document.getElementById("projects"), columns, page.items);
    }).catch(function (error) { C.showError(error.message); });
  }

  countersign.addEventListener("click", function () {
    C.api(base + "/agreement/countersign", { method: "POST" }).then(function () {
      C.notice("已会签共建协议");
      agreement();
    }).catch(function (error) { C.showError(error.message); });
  });
  summary();
  agreement();
  projects();
})();
