/* The full-screen rotating check-in code: the current code from the API drawn as a QR code,
   asked for again every few seconds (a new one every 30 s), with the live check-in count. */
(function () {
  "use strict";
  var api = window.Console.api;
  var shiftId = document.getElementById("checkin").dataset.shift;
  var qr = document.getElementById("qr");
  var status = document.getElementById("checkin-status");
  var shown = null;
  var POLL_MS = 5000;

  function hhmm(iso) {
    var d = new Date(iso);
    return d.toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });
  }

  api("/api/v1/shifts/" + shiftId).then(function (shift) {
    document.getElementById("shift-title").textContent = shift.task.title;
    document.getElementById("shift-time").textContent = hhmm(shift.starts_at) + " — " + hhmm(shift.ends_at) + " · " + shift.task.address;
  }).catch(function (error) { window.Console.showError(error.message); });

  function code() {
    api("/api/v1/shifts/" + shiftId + "/checkin-code").then(function (body) {
      if (body.code !== shown) {
        shown = body.code;
        qr.src = "/console/qr.svg?text=" + encodeURIComponent(body.code);
        qr.dataset.code = body.code;
        qr.hidden = false;
      }
      status.textContent = "签到码有效，自动更换中";
      status.className = "checkin-status ok";
    }).catch(function (error) {
      qr.hidden = true;
      shown = null;
      status.textContent = error.message;
      status.className = "checkin-status failed";
    });
  }

  function count() {
    api("/api/v1/shifts/" + shiftId + "/signups").then(function (roster) {
      var held = roster.filter(function (s) { return s.status === "confirmed"; });
      document.getElementById("signed-up").textContent = String(held.length);
      document.getElementById("checked-in").textContent = String(held.filter(function (s) { return s.attendance; }).length);
    }).catch(function () { /* the count is a courtesy; the code matters */ });
  }

  document.getElementById("fullscreen").addEventListener("click", function () {
    if (document.documentElement.requestFullscreen) { document.documentElement.requestFullscreen(); }
  });
  code();
  count();
  window.setInterval(code, POLL_MS);
  window.setInterval(count, POLL_MS * 2);
})();
