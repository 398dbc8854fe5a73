/* One call-up: its posts and who is assigned where, with the proposal to adjust before it is
   confirmed — remove an assignment, assign a member to a post, propose again, confirm. Each
   change is one API call; the API decides what may change (callup.* refusals shown as they are). */
(function () {
  "use strict";
  var C = window.Console;
  var table = document.getElementById("assignments");
  var base = "/api/v1/call-ups/" + table.dataset.callUp;
  var postSelect = document.getElementById("assign-post");
  var STATUS = { draft: "草稿", proposed: "已生成方案", confirmed: "已确认", cancelled: "已取消" };
  var SOURCE = { proposed: "建议", manual: "手工" };
  var ANSWER = { pending: "待答复", accepted: "已接受", declined: "已谢绝" };

  function shiftTime(shift) {
    return C.localTime(shift.starts_at) + " 至 " + C.localTime(shift.ends_at);
  }

  function postName(post) {
    return post.task.title + "（" + shiftTime(post.shift) + "）";
  }

  function draw(callUp) {
    var editable = callUp.status === "draft" || callUp.status === "proposed";
    var names = {};
    callUp.posts.forEach(function (p) { names[p.id] = postName(p); });
    document.getElementById("call-up-title").textContent = callUp.title;
    document.getElementById("call-up-summary").textContent = [
      callUp.day, callUp.area.name, STATUS[callUp.status] || callUp.status,
      "岗位 " + callUp.totals.posts + " 个", "名额 " + callUp.totals.places + " 个",
      "已安排 " + callUp.totals.filled + " 人"
    ].join(" · ");
    document.getElementById("propose").hidden = !editable;
    document.getElementById("confirm").hidden = !editable;
    document.getElementById("assign").hidden = !editable;
    C.table(document.getElementById("posts"), [
      ["任务", function (p) { return p.task.title; }],
      ["社区", function (p) { return p.task.area ? p.task.area.name : "—"; }],
      ["班次", function (p) { return shiftTime(p.shift); }],
      ["名额", function (p) { return p.places; }],
      ["已安排", function (p) { return p.filled; }]
    ], callUp.posts);
    var chosen = postSelect.value;
    postSelect.textContent = "";
    callUp.posts.forEach(function (p) {
      var o = document.createElement("option");
      o.value = p.id;
      o.textContent = postName(p) + " 余 " + Math.max(0, p.places - p.filled);
      postSelect.appendChild(o);
    });
    if (chosen) { postSelect.value = chosen; }
    var columns = [
      ["岗位", function (a) { return names[a.post_id] || "—"; }],
      ["党员", function (a) { return a.member.name + "（" + a.member.id + "）"; }],
      ["报到社区", function (a) { return a.community ? a.community.name : "—"; }],
      ["理由", function (a) { return a.reasons.join("；") || "—"; }],
      ["来源", function (a) { return SOURCE[a.source] || a.source; }],
      ["答复", function (a) { return a.answer ? ANSWER[a.answer] || a.answer : "—"; }]
    ];
    if (editable) {
      columns.push(["操作", function (a) {
        return C.button("移除", function () {
          C.api(base + "/assignments/" + a.id, { method: "DELETE" }).then(function () {
            C.notice("已移除：" + a.member.name);
            load();
          }).catch(function (error) { C.showError(error.message); });
        }, "action");
      }]);
    }
    C.table(table, columns, callUp.assignments);
  }

  function load() {
    return C.api(base).then(draw).catch(function (error) { C.showError(error.message); });
  }

  function change(path, body, done) {
    C.api(base + path, { method: "POST", body: body }).then(function (result) {
      C.notice(done(result));
      load();
    }).catch(function (error) { C.showError(error.message); });
  }

  document.getElementById("assign").addEventListener("submit", function (event) {
    event.preventDefault();
    var member = document.getElementById("assign-member");
    if (!member.value) { C.showError("请填写党员编号"); return; }
    change("/assignments", { post_id: Number(postSelect.value), member_id: Number(member.value) }, function (a) {
      member.value = "";
      return "已安排：" + a.member.name;
    });
  });
  document.getElementById("propose").addEventListener("click", function () {
    change("/proposal", undefined, function () { return "已重新生成方案"; });
  });
  document.getElementById("confirm").addEventListener("click", function () {
    change("/confirm", undefined, function () { return "动员已确认，已向党员发出邀请"; });
  });
  load();
})();
