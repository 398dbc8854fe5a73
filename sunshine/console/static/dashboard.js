/* The dashboard: the current period's compliance by area and by unit, the report-in and
   compliance rates, confirmed hours by month, open anomalies and overdue records. Each figure
   comes from the API with the user's own scope; one the user may not read shows "—". */
(function () {
  "use strict";
  var api = window.Console.api;
  var scopes = window.Console.context.scopes;
  var charts = {};

  var percent = window.Console.percent;
  function set(id, text) { document.getElementById(id).textContent = text; }
  function iso(date) { return date.toISOString().slice(0, 10); }

  function bar(id, names, values, unit) {
    var el = document.getElementById(id);
    var chart = charts[id] || window.echarts.init(el);
    charts[id] = chart;
    chart.setOption({
      grid: { left: 48, right: 16, top: 16, bottom: 72 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: names, axisLabel: { rotate: 30, interval: 0 } },
      yAxis: { type: "value", max: unit === "%" ? 100 : null, axisLabel: { formatter: "{value}" + unit } },
      series: [{ type: "bar", data: values, itemStyle: { color: "#c8161d" } }]
    });
    el.dataset.points = String(values.length);
  }

  function currentPeriod(cityId) {
    return window.Console.periods(cityId).then(function (found) { return found.current; });
  }

  function grouping(scope) {
    if (scope.kind === "city") { return { by: "street", filter: "", title: "各街道达标率" }; }
    if (scope.kind === "street") { return { by: "community", filter: "&street_id=" + scope.id, title: "各社区达标率" }; }
    if (scope.kind === "community") { return { by: "party_org", filter: "&community_id=" + scope.id, title: "各党组织达标率" }; }
    return { by: "party_org", filter: "&unit_id=" + scope.id, title: "各党组织达标率" };
  }

  function compliance(period, scope) {
    var g = grouping(scope);
    set("chart-areas-title", g.title);
    api("/api/v1/periods/" + period.id + "/compliance?by=" + g.by + g.filter).then(function (body) {
      set("kpi-members", String(body.total.members));
      set("kpi-reported", percent(body.total.reported_in_rate));
      set("kpi-compliant", percent(body.total.compliant_rate));
      bar("chart-areas", body.groups.map(function (r) { return r.name || "未分组"; }),
        body.groups.map(function (r) { return r.compliant_rate === null ? 0 : +(r.compliant_rate * 100).toFixed(1); }), "%");
    }).catch(function (error) { window.Console.showError(error.message); });
    if (scope.kind === "unit" || scope.kind === "community") {
      document.getElementById("chart-units").parentNode.hidden = true;
      return;
    }
    api("/api/v1/periods/" + period.id + "/compliance?by=unit" + (scope.kind === "street" ? "&street_id=" + scope.id : ""))
      .then(function (body) {
        var rows = body.groups.slice().sort(function (a, b) { return b.members - a.members; }).slice(0, 15);
        bar("chart-units", rows.map(function (r) { return r.name || "未填单位"; }),
          rows.map(function (r) { return r.compliant_rate === null ? 0 : +(r.compliant_rate * 100).toFixed(1); }), "%");
      }).catch(function (error) { window.Console.showError(error.message); });
  }

  function months(period) {
    var start = new Date(period.starts_on + "T00:00:00Z");
    var end = new Date(Math.min(new Date(period.ends_on + "T00:00:00Z"), new Date()));
    var ranges = [];
    for (var d = new Date(start); d <= end; d = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1))) {
      var last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0));
      ranges.push({ label: (d.getUTCMonth() + 1) + "月", from: iso(d), to: iso(last < end ? last : end) });
    }
    Promise.all(ranges.map(function (r) {
      return api("/api/v1/service-records/totals?status=confirmed&from=" + r.from + "&to=" + r.to);
    })).then(function (totals) {
      bar("chart-months", ranges.map(function (r) { return r.label; }),
        totals.map(function (t) { return +(t.credited_minutes / 60).toFixed(1); }), "");
    }).catch(function () { document.getElementById("chart-months").parentNode.hidden = true; });
  }

  function counters() {
    api("/api/v1/anomalies?status=open&limit=100").then(function (page) {
      set("kpi-anomalies", page.items.length + (page.next_cursor ? "+" : ""));
    }).catch(function () { /* a role that reads no anomalies: "—" */ });
    api("/api/v1/service-records/totals?flag=overdue").then(function (totals) {
      set("kpi-overdue", String(totals.count));
    }).catch(function () { /* a role that reads no records: "—" */ });
  }

  var scope = scopes.filter(function (s) { return s.city_id; })[0];
  if (!scope) { window.Console.showError("当前账号没有可统计的管理范围"); return; }
  counters();
  currentPeriod(scope.city_id).then(function (period) {
    if (!period) { window.Console.showError("本市尚未设置考核期间"); return; }
    set("period-name", period.starts_on + " 至 " + period.ends_on);
    compliance(period, scope);
    months(period);
  }).catch(function (error) { window.Console.showError(error.message); });
  window.addEventListener("resize", function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });
})();
