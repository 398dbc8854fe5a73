/* The login page: ask every 1.5 s whether the mini-program confirmed the ticket. */
(function () {
  "use strict";
  var box = document.getElementById("login");
  var status = document.getElementById("login-status");
  var refresh = document.getElementById("refresh");
  var ticket = box.dataset.ticket;
  var deadline = Date.now() + Number(box.dataset.ttl) * 1000;

  function stop(message) {
    status.textContent = message;
    status.className = "status failed";
    refresh.hidden = false;
  }

  function poll() {
    if (Date.now() > deadline) { stop("二维码已过期，请刷新页面后重新扫码"); return; }
    fetch("/console/login/" + ticket + "/session", { method: "POST", credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (body) {
          if (response.status === 202) { window.setTimeout(poll, 1500); return; }
          if (response.ok) { status.textContent = "登录成功，正在进入…"; window.location.href = body.next; return; }
          stop(body.message || "登录失败，请刷新页面");
        });
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
})();
