/* The console's common code: calls to the JSON API with the session cookie and, for changes,
   the page's CSRF token; errors shown in Chinese; logout. */
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var contextNode = document.getElementById("context");
  var errorBox = document.getElementById("error");

  function showError(message) {
    if (!errorBox) { return; }
    errorBox.textContent = message;
    errorBox.hidden = false;
  }

  /* Send a file (multipart) with the CSRF token; the answer as api() gives it. */
  function upload(path, formData) {
    return fetch(path, {
      method: "POST",
      headers: { "Accept": "application/json", "X-CSRF-Token": meta ? meta.content : "" },
      credentials: "same-origin",
      body: formData
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) {
          var error = new Error(body.message || "上传失败");
          error.status = response.status;
          error.code = body.code;
          error.fields = body.fields || {};
          throw error;
        }
        return body;
      });
    });
  }

  function api(path, options) {
    options = options || {};
    var headers = { "Accept": "application/json" };
    if (options.method && options.method !== "GET") {
      headers["X-CSRF-Token"] = meta ? meta.content : "";
      if (options.body !== undefined) { headers["Content-Type"] = "application/json"; }
    }
    return fetch(path, {
      method: options.method || "GET",
      headers: headers,
      credentials: "same-origin",
      body: options.body === undefined ? undefined : JSON.stringify(options.body)
    }).then(function (response) {
      if (response.status === 401) {
        window.location.href = "/console/login";
        throw new Error("登录已失效，请重新登录");
      }
      if (response.status === 204) { return null; }  // a DELETE: nothing to read
      return response.json().then(function (body) {
        if (!response.ok) {
          var error = new Error(body.message || "请求失败");
          error.status = response.status;
          error.code = body.code;
          throw error;
        }
        return body;
      });
    });
  }

  var logout = document.getElementById("logout");
  if (logout) {
    logout.addEventListener("click", function () {
      api("/console/logout", { method: "POST" }).then(function (body) {
        window.location.href = body.next;
      }).catch(function (error) { showError(error.message); });
    });
  }

  /* The city's periods, and the one to show first: the year in force, else any period in
     force, else the newest. */
  function periods(cityId) {
    return api("/api/v1/cities/" + cityId + "/periods?limit=100").then(function (page) {
      var today = new Date().toISOString().slice(0, 10);
      var inForce = page.items.filter(function (p) { return p.starts_on <= today && today <= p.ends_on; });
      var years = inForce.filter(function (p) { return p.kind === "year"; });
      return { items: page.items, current: years[0] || inForce[0] || page.items[0] || null };
    });
  }

  /* Fill a table: columns are [title, function(row) → text]; a row click calls onRow(row). */
  function table(el, columns, rows, onRow, append) {
    var head = el.querySelector("thead");
    var body = el.querySelector("tbody");
    head.innerHTML = "";
    var tr = document.createElement("tr");
    columns.forEach(function (c) { var th = document.createElement("th"); th.textContent = c[0]; tr.appendChild(th); });
    head.appendChild(tr);
    if (!append) { body.innerHTML = ""; }
    rows.forEach(function (row) {
      var line = document.createElement("tr");
      columns.forEach(function (c) {
        var td = document.createElement("td");
        var value = c[1](row);
        if (value instanceof Node) { td.appendChild(value); } else { td.textContent = value; }
        line.appendChild(td);
      });
      if (onRow) { line.className = "clickable"; line.addEventListener("click", function () { onRow(row); }); }
      body.appendChild(line);
    });
    if (!body.children.length) {
      var empty = document.createElement("tr");
      var cell = document.createElement("td");
      cell.colSpan = columns.length;
      cell.textContent = "没有数据";
      empty.appendChild(cell);
      body.appendChild(empty);
    }
    el.hidden = false;
  }

  /* Ask for an Excel export, follow its progress, offer the file when it is done. */
  function runExport(kind, filters, ui) {
    ui.box.hidden = false;
    ui.link.hidden = true;
    ui.bar.value = 0;
    ui.status.textContent = "已提交，等待生成…";
    return api("/api/v1/exports", { method: "POST", body: { kind: kind, filters: filters } }).then(function follow(job) {
      ui.bar.value = job.percentage;
      if (job.status === "done") {
        ui.status.textContent = "已完成，共 " + job.rows + " 行";
        ui.link.href = "/api/v1/exports/" + job.id + "/file";
        ui.link.hidden = false;
        return job;
      }
      if (job.status === "failed" || job.status === "expired") {
        ui.status.textContent = "导出失败（" + (job.error || job.status) + "）";
        return job;
      }
      ui.status.textContent = (job.status === "running" ? "生成中 " : "排队中 ") + job.percentage + "%";
      return new Promise(function (resolve) { window.setTimeout(resolve, 1500); }).then(function () {
        return api("/api/v1/exports/" + job.id).then(follow);
      });
    }).catch(function (error) { ui.status.textContent = error.message; });
  }

  /* A button that runs onClick(button) (for actions in a table row). */
  function button(label, onClick, className) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    if (className) { b.className = className; }
    b.addEventListener("click", function (event) { event.stopPropagation(); onClick(b); });
    return b;
  }

  function notice(text) {
    var box = document.getElementById("notice");
    if (!box) { return; }
    box.textContent = text;
    box.hidden = false;
  }

  /* A time in Asia/Shanghai, as the admins read it. */
  function localTime(iso) {
    return iso ? new Date(iso).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false }) : "—";
  }

  function percent(rate) { return rate === null || rate === undefined ? "—" : (rate * 100).toFixed(1) + "%"; }

  window.Console = {
    api: api,
    upload: upload,
    periods: periods,
    table: table,
    runExport: runExport,
    percent: percent,
    button: button,
    notice: notice,
    localTime: localTime,
    showError: showError,
    context: contextNode ? JSON.parse(contextNode.textContent) : { scopes: [] }
  };
})();
