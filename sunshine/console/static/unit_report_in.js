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
      editable(a);
    }).catch(function (error) {
      box.textContent = error.code === "agreement.not_found" ? "单位尚未提交共建协议" : error.message;
      countersign.hidden = true;
      if (error.code === "agreement.not_found") { editable(null); }
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

  /* The unit's form: the term, the text and the resources list, sent whole in one PUT. */
  var form = document.getElementById("agreement-form");
  var lines = document.querySelector("#resource-lines tbody");

  function resourceLine(r) {
    var tr = document.createElement("tr");
    var kind = document.createElement("select");
    kind.name = "kind";
    Object.keys(KIND).forEach(function (k) {
      var o = document.createElement("option");
      o.value = k;
      o.textContent = KIND[k];
      kind.appendChild(o);
    });
    kind.value = r.kind;
    [kind, ["name", "text", r.name], ["quantity", "number", r.quantity], ["measure", "text", r.measure]].forEach(function (f) {
      var el = f;
      if (Array.isArray(f)) {
        el = document.createElement("input");
        el.name = f[0];
        el.type = f[1];
        el.value = f[2] === undefined ? "" : f[2];
      }
      var td = document.createElement("td");
      td.appendChild(el);
      tr.appendChild(td);
    });
    var td = document.createElement("td");
    td.appendChild(C.button("删除", function () { tr.remove(); }));
    tr.appendChild(td);
    lines.appendChild(tr);
  }

  function editable(a) {
    form.hidden = C.context.permissions.indexOf("cobuild.manage") < 0 || Boolean(a && a.confirmed_at);
    if (form.hidden) { return; }
    lines.innerHTML = "";
    if (a) {
      form.elements.starts_on.value = a.starts_on;
      form.elements.ends_on.value = a.ends_on;
      form.elements.text.value = a.text;
      a.resources.forEach(resourceLine);
    }
  }

  document.getElementById("add-resource").addEventListener("click", function () {
    resourceLine({ kind: "people", name: "", quantity: "", measure: "" });
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var resources = Array.prototype.map.call(lines.children, function (tr) {
      var get = function (name) { return tr.querySelector("[name=" + name + "]").value; };
      return { kind: get("kind"), name: get("name"), quantity: Number(get("quantity")), measure: get("measure") };
    });
    C.api(base + "/agreement", { method: "PUT", body: {
      starts_on: form.elements.starts_on.value, ends_on: form.elements.ends_on.value,
      text: form.elements.text.value, resources: resources
    } }).then(function () {
      C.notice("已保存共建协议");
      agreement();
    }).catch(function (error) { C.showError(error.message); });
  });

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
