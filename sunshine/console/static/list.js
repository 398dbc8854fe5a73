/* Draws any list page declared in sunshine/console/lists.py: filters, a paged table, the
   actions on each row (each one API call, asking first for what it needs), a create form. */
(function () {
  "use strict";
  var C = window.Console;
  var config = JSON.parse(document.getElementById("list-config").textContent);
  var scope = C.context.scopes.filter(function (s) { return s.city_id; })[0];
  var table = document.getElementById("rows");
  var more = document.getElementById("more");
  var state = { cursor: null, period: null, filters: {} };

  function at(row, path) {
    return path.split(".").reduce(function (v, k) { return v === null || v === undefined ? v : v[k]; }, row);
  }

  function shown(column, row) {
    var v = at(row, column.path);
    if (v === null || v === undefined || v === "") { return "—"; }
    if (column.format === "time") { return C.localTime(v); }
    if (column.format === "map") { return column.labels[v] || v; }
    if (column.format === "percent") { return C.percent(v); }
    if (column.format === "join") { return Object.keys(v).map(function (k) { return v[k]; }).join(" / "); }
    if (column.format === "names") { return v.map(function (x) { return x.name; }).join("、") || "—"; }
    if (column.format === "link") {
      var a = document.createElement("a");
      a.href = path(column.href, row);
      a.className = column.text ? "page-link" : "file-link";
      a.textContent = column.text || "下载" + column.label;
      return a;
    }
    return String(v);
  }

  function input(field) {
    var el;
    if (field.kind === "period") {
      el = document.createElement("select");
      if (scope) {
        C.periods(scope.city_id).then(function (found) {
          found.items.forEach(function (p) {
            var o = document.createElement("option");
            o.value = p.id;
            o.textContent = p.starts_on + " 至 " + p.ends_on;
            el.appendChild(o);
          });
          if (found.current) { el.value = found.current.id; }
        }).catch(function (error) { C.showError(error.message); });
      }
    } else if (field.kind === "select") {
      el = document.createElement("select");
      var blank = document.createElement("option");
      blank.value = "";
      blank.textContent = field.required ? "请选择" : "全部";
      el.appendChild(blank);
      Object.keys(field.options).forEach(function (k) {
        var o = document.createElement("option");
        o.value = k;
        o.textContent = field.options[k];
        el.appendChild(o);
      });
    } else if (field.kind === "textarea") {
      el = document.createElement("textarea");
      el.rows = 3;
      el.placeholder = field.label + (field.required ? "（必填）" : "");
    } else {
      el = document.createElement("input");
      el.type = field.kind === "number" || field.kind === "date" ? field.kind : "text";
      el.placeholder = field.label + (field.required ? "（必填）" : "");
    }
    el.name = field.name;
    return el;
  }

  function value(field, el) {
    if (el.value === "") { return undefined; }
    if (field.kind === "ids") { return el.value.split(/[,，、\s]+/).filter(Boolean).map(Number); }
    return field.kind === "number" || field.kind === "period" ? Number(el.value) : el.value;
  }

  var community = C.context.scopes.filter(function (s) { return s.kind === "community"; })[0];

  /* A path with its {name}s filled: from the row when it has that field, else the page's
     period, the user's city or community. */
  function path(template, row) {
    return template.replace(/\{([a-z_]+)\}/g, function (whole, name) {
      var fromRow = row ? at(row, name) : undefined;
      if (fromRow !== undefined && fromRow !== null) { return fromRow; }
      if (name === "period_id") { return state.period ? state.period.id : "0"; }
      if (name === "city_id") { return scope ? scope.city_id : "0"; }
      if (name === "community_id") { return community ? community.id : "0"; }
      return whole;
    });
  }

  function endpoint() {
    return path(config.endpoint, null);
  }

  function visible(action, row) {
    return Object.keys(action.when).every(function (path) {
      var want = action.when[path];
      var v = at(row, path);
      if (want === "") { return v === null || v === undefined; }
      if (want === "*") { return v !== null && v !== undefined; }
      return v === want;
    });
  }

  /* The action's body with each "$path" taken from the row, at any depth. */
  function filled(template, row) {
    if (typeof template === "string" && template.charAt(0) === "$") { return at(row, template.slice(1)); }
    if (template && typeof template === "object") {
      var out = {};
      Object.keys(template).forEach(function (k) { out[k] = filled(template[k], row); });
      return out;
    }
    return template;
  }

  function send(action, row, extra) {
    var body = Object.assign(filled(action.body, row), extra);
    var options = { method: action.method };
    if (action.method !== "DELETE") { options.body = body; }
    return C.api(path(action.path, row), options).then(function (result) {
      C.notice(action.label + "：已完成");
      if (result && result.kind && result.status === "done") {  // an export written at once
        var a = document.createElement("a");
        a.href = "/api/v1/exports/" + result.id + "/file";
        a.className = "file-link";
        a.textContent = " 下载文件";
        document.getElementById("notice").appendChild(a);
        return;
      }
      load(false);
    }).catch(function (error) { C.showError(error.message); });
  }

  /* The actions this user may take somewhere (the API decides on each row). */
  var held = config.actions.filter(function (a) {
    return !a.permission || C.context.permissions.indexOf(a.permission) >= 0;
  });

  function actions(row) {
    var box = document.createElement("span");
    held.filter(function (a) { return visible(a, row); }).forEach(function (action) {
      box.appendChild(C.button(action.label, function () {
        if (!action.fields.length) { send(action, row, {}); return; }
        var inputs = action.fields.map(function (f) { var el = input(f); box.appendChild(el); return el; });
        box.appendChild(C.button("确定" + action.label, function () {
          var extra = {};
          action.fields.forEach(function (f, i) { var v = value(f, inputs[i]); if (v !== undefined) { extra[f.name] = v; } });
          send(action, row, extra);
        }, "primary"));
      }, "action"));
    });
    return box;
  }

  function load(append) {
    if (!append) { state.cursor = null; }
    var params = Object.keys(state.filters).filter(function (k) { return state.filters[k] !== undefined; })
      .map(function (k) { return k + "=" + encodeURIComponent(state.filters[k]); });
    params.push("limit=50");
    if (state.cursor) { params.push("cursor=" + encodeURIComponent(state.cursor)); }
    C.api(endpoint() + "?" + params.join("&")).then(function (page) {
      var rows = Array.isArray(page) ? page : page.items;
      var columns = config.columns.map(function (c) { return [c.label, function (row) { return shown(c, row); }]; });
      if (held.length) { columns.push(["操作", actions]); }
      C.table(table, columns, rows, null, append);
      state.cursor = Array.isArray(page) ? null : page.next_cursor;
      more.hidden = !state.cursor;
    }).catch(function (error) { C.showError(error.message); });
  }

  function filters() {
    var bar = document.getElementById("filters");
    config.filters.forEach(function (f) {
      var label = document.createElement("label");
      label.textContent = f.label + " ";
      var el = input(f);
      el.addEventListener("change", function () { state.filters[f.name] = value(f, el); load(false); });
      label.appendChild(el);
      bar.appendChild(label);
    });
  }

  function create() {
    if (!config.create || C.context.permissions.indexOf(config.create.permission) < 0) { return; }
    var form = document.getElementById("create");
    document.getElementById("create-title").textContent = config.create.label;
    var inputs = config.create.fields.map(function (f) {
      var label = document.createElement("label");
      label.textContent = f.label;
      var el = input(f);
      label.appendChild(el);
      document.getElementById("create-fields").appendChild(label);
      return el;
    });
    form.hidden = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = {};
      var target = config.create.path;
      config.create.fields.forEach(function (f, i) {
        var v = value(f, inputs[i]);
        if (target.indexOf("{" + f.name + "}") >= 0) { target = target.replace("{" + f.name + "}", v); return; }
        if (v !== undefined) { body[f.name] = v; }
      });
      C.api(path(target, null), { method: "POST", body: body }).then(function () {
        C.notice(config.create.label + "：已完成");
        form.reset();
        load(false);
      }).catch(function (error) { C.showError(error.message); });
    });
  }

  if (config.hint) { var hint = document.getElementById("hint"); hint.textContent = config.hint; hint.hidden = false; }
  filters();
  create();
  more.addEventListener("click", function () { load(true); });
  if (!config.needs_period) { load(false); return; }
  if (!scope) { C.showError("当前账号没有可统计的管理范围"); return; }
  C.periods(scope.city_id).then(function (found) {
    var bar = document.getElementById("filters");
    var label = document.createElement("label");
    label.textContent = "考核周期 ";
    var select = document.createElement("select");
    select.id = "period";
    found.items.forEach(function (p) {
      var o = document.createElement("option");
      o.value = p.id;
      o.textContent = p.starts_on + " 至 " + p.ends_on;
      select.appendChild(o);
    });
    label.appendChild(select);
    bar.insertBefore(label, bar.firstChild);
    if (!found.current) { C.showError("本市尚未设置考核期间"); return; }
    state.period = found.current;
    select.value = found.current.id;
    select.addEventListener("change", function () {
      state.period = found.items.filter(function (p) { return String(p.id) === select.value; })[0];
      load(false);
    });
    load(false);
  }).catch(function (error) { C.showError(error.message); });
})();
