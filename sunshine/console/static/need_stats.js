/* 心愿诉求统计: GET /api/v1/needs/stats for an area in the user's scope — response time,
   on-time, completion and satisfaction rates — with a row per child area (click to go down)
   and a chart of the children's completion and satisfaction rates. */
(function () {
  "use strict";
  var C = window.Console;
  var areas = C.context.scopes.filter(function (s) { return ["city", "street", "community"].indexOf(s.kind) >= 0; });
  var select = document.getElementById("area");
  var up = document.getElementById("up");
  var trail = [];  // the areas gone down from, to go back up
  var chart = null;

  function hours(v) { return v === null || v === undefined ? "—" : v.toFixed(1); }

  function draw(children) {
    var el = document.getElementById("chart-rates");
    chart = chart || window.echarts.init(el);
    function rates(name) {
      return children.map(function (c) { return c[name] === null ? 0 : +(c[name] * 100).toFixed(1); });
    }
    chart.setOption({
      grid: { left: 48, right: 16, top: 32, bottom: 72 },
      tooltip: { trigger: "axis" },
      legend: { data: ["办结率", "满意率"] },
      xAxis: { type: "category", data: children.map(function (c) { return c.area.name; }), axisLabel: { rotate: 30, interval: 0 } },
      yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      series: [
        { name: "办结率", type: "bar", data: rates("completion_rate"), itemStyle: { color: "#c8161d" } },
        { name: "满意率", type: "bar", data: rates("satisfaction_rate"), itemStyle: { color: "#faad14" } }
      ]
    });
    el.dataset.points = String(children.length);
  }

  function load(areaId) {
    var query = "area_id=" + areaId;
    var from = document.getElementById("from").value;
    var to = document.getElementById("to").value;
    if (from) { query += "&from=" + from; }
    if (to) { query += "&to=" + to; }
    C.api("/api/v1/needs/stats?" + query).then(function (body) {
      document.getElementById("area-name").textContent = body.area.name;
      document.getElementById("error").hidden = true;
      var rows = [body].concat(body.children);
      var table = document.getElementById("figures");
      C.table(table, [
        ["区域", function (r) { return r === body ? r.area.name + "（合计）" : r.area.name; }],
        ["提交", function (r) { return String(r.submitted); }],
        ["已答复", function (r) { return String(r.answered); }],
        ["响应时长中位数（小时）", function (r) { return hours(r.response_hours_median); }],
        ["平均响应时长（小时）", function (r) { return hours(r.response_hours_average); }],
        ["已受理", function (r) { return String(r.accepted); }],
        ["已办结", function (r) { return String(r.done); }],
        ["按期率", function (r) { return C.percent(r.on_time_rate); }],
        ["办结率", function (r) { return C.percent(r.completion_rate); }],
        ["评价数", function (r) { return String(r.rated); }],
        ["满意率", function (r) { return C.percent(r.satisfaction_rate); }]
      ], rows, function (r) {
        if (r === body || r.area.level === "grid") { return; }
        trail.push(areaId);
        load(r.area.id);
      });
      table.querySelector("tbody tr").className = "total";
      up.hidden = !trail.length;
      draw(body.children);
    }).catch(function (error) { C.showError(error.message); });
  }

  if (!areas.length) { C.showError("当前账号没有可统计的区域"); return; }
  areas.forEach(function (s) {
    var o = document.createElement("option");
    o.value = s.id;
    o.textContent = s.label + " · " + s.name;
    select.appendChild(o);
  });
  document.getElementById("query").addEventListener("submit", function (event) {
    event.preventDefault();
    trail = [];
    load(select.value);
  });
  up.addEventListener("click", function () { load(trail.pop()); });
  window.addEventListener("resize", function () { if (chart) { chart.resize(); } });
  load(select.value);
})();
