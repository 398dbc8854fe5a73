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

  window.Console = {
    api: api,
    showError: showError,
    context: contextNode ? JSON.parse(contextNode.textContent) : { scopes: [] }
  };
})();
