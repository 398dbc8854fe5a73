/* Compliance drill-down: city → street → community → member, and city → unit → member (a
   street, community or unit admin starts at their own level), the member's figures, and the
   export of what is shown. Every figure is the API's, within the user's scope. */
(function () {
  "use strict";
  var C = window.Console;
  var scope = C.context.scopes.filter(function (s) { return s.city_id; })[0];
  var state = { period: null, view: "area", path: [], cursor: null };
  var KIND = { street: "街道", community: "社区", unit: "单位", party_org: "党组织" };
  var STATUS = { compliant: "达标", behind: "未达标", zero: "零服务", not_reported: "未报到" };
  var groupsEl = document.getElementById("groups");
  var membersEl = document.getElementById("members");
  var more = document.getElementById("more");
  var detail = document.getElementById("member-detail");

  function query(filters) {
    return Object.keys(filters).map(function (k) { return "&" + k + "=" + encodeURIComponent(filters[k]); }).join("");
  }

  function own() {
    if (scope.kind === "street") { return { street_id: scope.id }; }
    if (scope.kind === "community") { return { community_id: scope.id }; }
    if (scope.kind === "unit") { return { unit_id: scope.id }; }
    return {};
  }

  /* Where a view starts for this user: a list of groups (by) or the members (by: null). */
  function root() {
    var filters = own();
    if (state.view === "unit" && scope.kind !== "unit") { return { label: "按单位", by: "unit", filters: filters }; }
    if (scope.kind === "city") { return { label: scope.name, by: "street", filters: filters }; }
    if (scope.kind === "street") { return { label: scope.name, by: "community", filters: filters }; }
    if (scope.kind === "community") { return { label: scope.name, by: null, filters: filters }; }
    return { label: scope.name, by: "party_org", filters: filters };
  }

  function child(level, row) {
    var filters = Object.assign({}, level.filters);
    filters[level.by + "_id"] = row.id;
    var next = level.by === "street" ? "community" : null;
    return { label: row.name || "未分组", by: next, filters: filters };
  }

  function crumbs() {
    var nav = document.getElementById("crumbs");
    nav.innerHTML = "";
    state.path.forEach(function (level, i) {
      var a = document.createElement("a");
      a.textContent = level.label;
      a.href = "#";
      a.addEventListener("click", function (event) { event.preventDefault(); state.path = state.path.slice(0, i + 1); show(); });
      nav.appendChild(a);
      if (i < state.path.length - 1) { nav.appendChild(document.createTextNode(" › ")); }
    });
  }

  var FIGURES = [
    ["党员", function (r) { return r.members; }],
    ["报到率", function (r) { return C.percent(r.reported_in_rate); }],
    ["达标率", function (r) { return C.percent(r.compliant_rate); }],
    ["未达标", function (r) { return r.behind; }],
    ["零服务", function (r) { return r.zero_service; }],
    ["未报到", function (r) { return r.not_reported; }],
    ["服务时长（小时）", function (r) { return r.total_hours; }],
    ["人均（小时）", function (r) { return r.average_hours === null ? "—" : r.average_hours.toFixed(1); }]
  ];

  function show() {
    crumbs();
    detail.hidden = true;
    var level = state.path[state.path.length - 1];
    if (level.by) {
      membersEl.hidden = true;
      more.hidden = true;
      document.getElementById("withheld").textContent = "";
      C.api("/api/v1/periods/" + state.period.id + "/compliance?by=" + level.by + query(level.filters)).then(function (body) {
        C.table(groupsEl, [[KIND[level.by], function (r) { return r.name || "未分组"; }]].concat(FIGURES), body.groups, function (row) {
          state.path.push(child(level, row));
          show();
        });
      }).catch(function (error) { C.showError(error.message); });
      return;
    }
    groupsEl.hidden = true;
    state.cursor = null;
    members(level, false);
  }

  function members(level, append) {
    var url = "/api/v1/periods/" + state.period.id + "/compliance/members?limit=50" + query(level.filters) + (state.cursor ? "&cursor=" + encodeURIComponent(state.cursor) : "");
    C.api(url).then(function (page) {
      C.table(membersEl, [
        ["姓名", function (r) { return r.name; }],
        ["工作单位", function (r) { return r.unit ? r.unit.name : ""; }],
        ["社区", function (r) { return r.community ? r.community.name : ""; }],
        ["服务次数", function (r) { return r.services; }],
        ["服务时长（小时）", function (r) { return r.hours; }],
        ["达标情况", function (r) { return STATUS[r.status] || r.status; }]
      ], page.items, memberDetail, append);
      state.cursor = page.next_cursor;
      more.hidden = !page.next_cursor;
      document.getElementById("withheld").textContent = page.withheld ? "另有 " + page.withheld + " 名党员未授权向单位反馈，仅计入统计" : "";
    }).catch(function (error) { C.showError(error.message); });
  }

  function memberDetail(row) {
    C.api("/api/v1/periods/" + state.period.id + "/compliance/members/" + row.member_id).then(function (m) {
      detail.innerHTML = "";
      var h = document.createElement("h2");
      h.textContent = m.name + "（" + (STATUS[m.status] || m.status) + "）";
      detail.appendChild(h);
      [["工作单位", m.unit ? m.unit.name : ""], ["党组织", m.party_org ? m.party_org.name : "—"],
       ["街道", m.street ? m.street.name : "—"], ["社区", m.community ? m.community.name : "—"],
       ["本周期报到", m.reported_in ? "是" : "否"], ["服务次数", m.services], ["服务时长（小时）", m.hours]
      ].forEach(function (pair) {
        var p = document.createElement("p");
        p.textContent = pair[0] + "：" + pair[1];
        detail.appendChild(p);
      });
      detail.hidden = false;
    }).catch(function (error) { C.showError(error.message); });
  }

  function reset() { state.path = [root()]; show(); }

  document.querySelectorAll(".tab").forEach(function (tab) {
    tab.addEventListener("click", function () {
      document.querySelectorAll(".tab").forEach(function (t) { t.classList.remove("active"); });
      tab.classList.add("active");
      state.view = tab.dataset.view;
      reset();
    });
  });
  more.addEventListener("click", function () { members(state.path[state.path.length - 1], true); });
  document.getElementById("export").addEventListener("click", function () {
    var filters = Object.assign({ period_id: state.period.id }, state.path[state.path.length - 1].filters);
    C.runExport("compliance", filters, {
      box: document.getElementById("export-progress"), bar: document.getElementById("export-bar"),
      status: document.getElementById("export-status"), link: document.getElementById("export-link")
    });
  });

  if (!scope) { C.showError("当前账号没有可统计的管理范围"); return; }
  if (scope.kind === "unit" || scope.kind === "community") { document.getElementById("by-unit").hidden = scope.kind === "unit"; }
  C.periods(scope.city_id).then(function (found) {
    var select = document.getElementById("period");
    found.items.forEach(function (p) {
      var option = document.createElement("option");
      option.value = p.id;
      option.textContent = p.starts_on + " 至 " + p.ends_on;
      select.appendChild(option);
    });
    if (!found.current) { C.showError("本市尚未设置考核期间"); return; }
    state.period = found.current;
    select.value = found.current.id;
    select.addEventListener("change", function () {
      state.period = found.items.filter(function (p) { return String(p.id) === select.value; })[0];
      reset();
    });
    reset();
  }).catch(function (error) { C.showError(error.message); });
})();
