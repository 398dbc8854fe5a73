/* A detachment: its roster (GET /detachments/{id}) and its team hours
   (GET /detachments/{id}/hours), the members' own confirmed hours. */
(function () {
  "use strict";
  var C = window.Console;
  var roster = document.getElementById("roster");
  var base = "/api/v1/detachments/" + roster.dataset.detachment;
  function set(id, value) { document.getElementById(id).textContent = value; }

  C.api(base).then(function (d) {
    set("detachment-title", d.name);
    set("detachment-summary", [d.active ? "启用" : "已停用", "队长：" + (d.leader ? d.leader.name : "—"),
      "成员 " + d.member_count + " 人", d.description || ""].filter(Boolean).join(" · "));
    C.table(roster, [
      ["姓名", function (m) { return m.name + (m.is_leader ? "（队长）" : ""); }],
      ["党员编号", function (m) { return String(m.member_id); }],
      ["居住社区", function (m) { return m.community || "—"; }],
      ["工作单位", function (m) { return m.unit || "—"; }],
      ["加入时间", function (m) { return C.localTime(m.joined_at); }]
    ], d.members);
  }).catch(function (error) { C.showError(error.message); });

  function hours() {
    var query = [];
    var from = document.getElementById("from").value;
    var to = document.getElementById("to").value;
    if (from) { query.push("from=" + from); }
    if (to) { query.push("to=" + to); }
    C.api(base + "/hours?" + query.join("&")).then(function (h) {
      set("team-hours", "支队合计 " + h.team_hours.toFixed(1) + " 小时，" + h.team_records + " 条记录");
      C.table(document.getElementById("hours"), [
        ["姓名", function (m) { return m.name + (m.current ? "" : "（已离队）"); }],
        ["支队记录", function (m) { return String(m.team_records); }],
        ["支队时长（小时）", function (m) { return m.team_hours.toFixed(1); }],
        ["全部记录", function (m) { return String(m.all_records); }],
        ["全部时长（小时）", function (m) { return m.all_hours.toFixed(1); }]
      ], h.members);
    }).catch(function (error) { C.showError(error.message); });
  }

  document.getElementById("span").addEventListener("submit", function (event) { event.preventDefault(); hours(); });
  hours();
})();
