/* Spreadsheet imports: the file goes to the same endpoint the API documents; a rejected file
   shows its row errors and the full report; nothing is imported unless every row is right. */
(function () {
  "use strict";
  var C = window.Console;
  var PATHS = { roster: "/api/v1/roster/imports", areas: "/api/v1/org/imports/areas", units: "/api/v1/org/imports/units" };
  var form = document.getElementById("import-form");
  var rejected = document.getElementById("rejected");
  var cities = {};
  C.context.scopes.forEach(function (s) { if (s.city_id) { cities[s.city_id] = s.kind === "city" ? s.name : "本市"; } });
  var select = document.getElementById("city");
  Object.keys(cities).forEach(function (id) {
    var option = document.createElement("option");
    option.value = id;
    option.textContent = cities[id];
    select.appendChild(option);
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    rejected.hidden = true;
    document.getElementById("error").hidden = true;
    var kind = document.getElementById("kind").value;
    var data = new FormData();
    data.append("file", document.getElementById("file").files[0]);
    C.upload(PATHS[kind] + "?city_id=" + select.value, data).then(function (batch) {
      C.notice("导入成功：共 " + batch.row_count + " 行，新增 " + batch.created_count + "，更新 " +
        batch.updated_count + "，未变 " + batch.unchanged_count + "。");
    }).catch(function (error) {
      C.showError(error.message);
      if (error.fields && error.fields.rows) {
        C.table(document.getElementById("row-errors"), [
          ["行", function (r) { return r.line; }],
          ["列", function (r) { return r.field; }],
          ["问题", function (r) { return r.message; }]
        ], error.fields.rows);
        var report = document.getElementById("report");
        report.href = error.fields.report[0];
        rejected.hidden = false;
      }
    });
  });
})();
