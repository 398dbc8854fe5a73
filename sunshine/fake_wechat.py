"""A WeChat-compatible fake server for tests and the demo, never for production.

It speaks the same HTTP and JSON as api.weixin.qq.com for the calls Sunshine makes, so the
real wechatpy client is exercised end to end. Tests drive it from Python (``issue_code``,
``fail``, ``delay``, ``outage``); the demo drives it over HTTP (``POST /__fake__/wx.login``
gives the code that ``wx.login`` would give a mini-program). The text check's verdict comes
from keywords in the content: 违规 risky, 待审 review, 繁忙 WeChat busy (-1).

Production configuration cannot reach it: production requires an https:// WECHAT_API_BASE
and the demo command refuses to run there.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

_SCENE = re.compile(r"^[A-Za-z0-9!#$&'()*+,/:;=?@\-._~]{1,32}$")
# A 1x1 PNG: the body of a generated mini-program code.
_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@dataclass
class _Failure:
    errcode: int
    errmsg: str
    times: int


@dataclass
class FakeState:
    """Everything the fake knows; guarded by one lock."""

    appid: str
    secret: str
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    used_codes: set[str] = field(default_factory=set)
    session_keys: dict[str, str] = field(default_factory=dict)  # openid -> the last one issued
    phone_codes: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, float] = field(default_factory=dict)
    failures: dict[str, deque[_Failure]] = field(default_factory=dict)
    delays: dict[str, float] = field(default_factory=dict)
    outage_status: int | None = None
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    sent_messages: list[dict[str, Any]] = field(default_factory=list)
    token_seq: int = 0
    checked_texts: list[dict[str, Any]] = field(default_factory=list)  # msg_sec_check bodies
    stale_openids: set[str] = field(default_factory=set)  # "not visited within 2 hours"
    stable_token: str | None = None  # what stable_token hands out until it expires


# The text check's verdict is decided by keywords in the content (tests and the demo).
TEXT_RISKY, TEXT_REVIEW, TEXT_BUSY = "违规", "待审", "繁忙"


def _text_check_refusal(body: dict[str, Any], stale_openids: set[str]) -> Response | None:
    """What WeChat answers a malformed v2 check, or one whose author has not visited lately."""
    if body.get("version") != 2 or body.get("scene") not in (1, 2, 3, 4):
        return _error(40003, "invalid args: version 2 needs scene 1-4")
    if not body.get("openid") or body["openid"] in stale_openids:
        return _error(61010, "user visit record expired")
    if not 0 < len(str(body.get("content", ""))) <= 2500:
        return _error(87014, "invalid content length")
    return None


def _error(errcode: int, errmsg: str) -> Response:
    # WeChat answers errors with HTTP 200 and an errcode in the body.
    return jsonify({"errcode": errcode, "errmsg": f"{errmsg} rid: {secrets.token_hex(4)}"})


def create_fake_app(fake: FakeWeChat) -> Flask:
    """The fake's WSGI app."""
    app = Flask("fake_wechat")
    state, lock = fake.state, fake._lock

    @app.before_request
    def _intercept() -> Response | None:
        path = request.path
        if path.startswith("/__fake__/"):
            return None
        with lock:
            state.calls.append((path, dict(request.args)))
            delay = state.delays.get(path, state.delays.get("*", 0.0))
            outage = state.outage_status
            queue = state.failures.get(path)
            failure = queue[0] if queue else None
            if failure is not None:
                failure.times -= 1
                if failure.times <= 0:
                    queue.popleft()  # type: ignore[union-attr]
        if delay:
            time.sleep(delay)
        if outage is not None:
            return Response("<html><body>502 Bad Gateway</body></html>", status=outage)
        if failure is not None:
            return _error(failure.errcode, failure.errmsg)
        return None

    def _token_ok() -> Response | None:
        token = request.args.get("access_token", "")
        with lock:
            expires = state.tokens.get(token)
        if expires is None:
            return _error(40001, "invalid credential, access_token is invalid or not latest")
        if expires < time.time():
            return _error(42001, "access_token expired")
        return None

    def _issue_token() -> Response:
        with lock:
            state.token_seq += 1
            token = f"FAKE_ACCESS_TOKEN_{state.token_seq}_{secrets.token_hex(8)}"
            state.tokens[token] = time.time() + 7200
        return jsonify({"access_token": token, "expires_in": 7200})

    def _check_app(appid: str | None, secret: str | None) -> Response | None:
        if appid != state.appid:
            return _error(40013, "invalid appid")
        if secret != state.secret:
            return _error(40125, "invalid appsecret")
        return None

    @app.get("/cgi-bin/token")
    def token() -> Response:
        if request.args.get("grant_type") != "client_credential":
            return _error(40002, "invalid grant_type")
        return _check_app(request.args.get("appid"), request.args.get("secret")) or _issue_token()

    @app.post("/cgi-bin/stable_token")
    def stable_token() -> Response:
        # As WeChat: the same token while it is valid (unless force_refresh), a new one after.
        body = request.get_json(force=True, silent=True) or {}
        if body.get("grant_type") != "client_credential":
            return _error(40002, "invalid grant_type")
        bad = _check_app(body.get("appid"), body.get("secret"))
        if bad is not None:
            return bad
        with lock:
            current = state.stable_token
            expires = state.tokens.get(current or "", 0.0)
            if current and expires > time.time() and not body.get("force_refresh"):
                return jsonify({"access_token": current, "expires_in": int(expires - time.time())})
        issued = _issue_token()
        with lock:
            state.stable_token = issued.get_json()["access_token"]
        return issued

    @app.get("/sns/jscode2session")
    def jscode2session() -> Response:
        bad = _check_app(request.args.get("appid"), request.args.get("secret"))
        if bad is not None:
            return bad
        code = request.args.get("js_code", "")
        with lock:
            if code in state.used_codes:
                return _error(40163, "code been used")
            identity = state.codes.pop(code, None)
            if identity is None:
                return _error(40029, "invalid code")
            state.used_codes.add(code)
            session_key = state.session_keys[identity["openid"]] = secrets.token_urlsafe(16)
        body = {"openid": identity["openid"], "session_key": session_key}
        if identity.get("unionid"):
            body["unionid"] = identity["unionid"]
        return jsonify(body)

    @app.post("/wxa/business/getuserphonenumber")
    def phone_number() -> Response:
        bad = _token_ok()
        if bad is not None:
            return bad
        code = (request.get_json(force=True, silent=True) or {}).get("code", "")
        with lock:
            phone = state.phone_codes.pop(code, None)
        if phone is None:
            return _error(40029, "invalid code")
        return jsonify(
            {
                "errcode": 0,
                "errmsg": "ok",
                "phone_info": {
                    "phoneNumber": phone,
                    "purePhoneNumber": phone,
                    "countryCode": "86",
                    "watermark": {"timestamp": int(time.time()), "appid": state.appid},
                },
            }
        )

    @app.post("/wxa/getwxacodeunlimit")
    def wxa_code() -> Response:
        bad = _token_ok()
        if bad is not None:
            return bad
        body = request.get_json(force=True, silent=True) or {}
        if not _SCENE.match(str(body.get("scene", ""))):
            return _error(40169, "invalid length for scene, or the data is not json string")
        page = body.get("page")
        if page is not None and (page.startswith("/") or not page):
            return _error(41030, "invalid page")
        return Response(_PNG, mimetype="image/png")

    @app.post("/cgi-bin/message/subscribe/send")
    def subscribe_send() -> Response:
        bad = _token_ok()
        if bad is not None:
            return bad
        body = request.get_json(force=True, silent=True) or {}
        if not body.get("touser") or not body.get("template_id"):
            return _error(47003, "argument invalid!")
        for value in (body.get("data") or {}).values():
            if not isinstance(value, dict) or len(str(value.get("value", ""))) > 20:
                return _error(47003, "argument invalid! data.value exceeds limit")
        with lock:
            state.sent_messages.append(body)
        return jsonify({"errcode": 0, "errmsg": "ok", "msgid": secrets.randbelow(10**12)})

    @app.post("/wxa/msg_sec_check")
    def msg_sec_check() -> Response:
        bad = _token_ok()
        if bad is not None:
            return bad
        body = request.get_json(force=True, silent=True) or {}
        content = str(body.get("content", ""))
        with lock:
            refused = _text_check_refusal(body, state.stale_openids)
            if refused is None:
                state.checked_texts.append(body)
        if refused is not None:
            return refused
        suggest, label = "pass", 100
        if TEXT_BUSY in content:
            return _error(-1, "system error")
        if TEXT_RISKY in content:
            suggest, label = "risky", 20001
        elif TEXT_REVIEW in content:
            suggest, label = "review", 21000
        return jsonify(
            {
                "errcode": 0,
                "errmsg": "ok",
                "result": {"suggest": suggest, "label": label},
                "detail": [
                    {"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label}
                ],
                "trace_id": secrets.token_hex(8),
            }
        )

    # Control endpoints, for the demo and manual trials.
    @app.post("/__fake__/wx.login")
    def control_login() -> Response:
        body = request.get_json(force=True, silent=True) or {}
        return jsonify({"code": fake.issue_code(body.get("openid"), body.get("unionid"))})

    @app.post("/__fake__/phone")
    def control_phone() -> Response:
        body = request.get_json(force=True, silent=True) or {}
        return jsonify({"code": fake.issue_phone_code(str(body.get("phone", "13800138000")))})

    return app


class _QuietHandler(WSGIRequestHandler):
    """No access log: WeChat URLs carry the AppSecret and tokens in their query strings."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class FakeWeChat:
    """A running fake WeChat API on 127.0.0.1."""

    def __init__(self, appid: str = "wxfake0000000000", secret: str | None = None) -> None:
        self._lock = threading.Lock()
        self.state = FakeState(appid=appid, secret=secret or secrets.token_hex(16))
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def appid(self) -> str:
        return self.state.appid

    @property
    def secret(self) -> str:
        return self.state.secret

    @property
    def url(self) -> str:
        assert self._server is not None, "fake WeChat server is not running"
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self, port: int = 0) -> FakeWeChat:
        """Serve on 127.0.0.1 (a free port unless one is given) in a daemon thread."""
        app = create_fake_app(self)
        self._server = make_server(
            "127.0.0.1", port, app, threaded=True, request_handler=_QuietHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # Controls ------------------------------------------------------------------------------

    def issue_code(self, openid: str | None = None, unionid: str | None = None) -> str:
        """What ``wx.login`` hands the mini-program: a single-use code for this user."""
        code = secrets.token_hex(16)
        with self._lock:
            self.state.codes[code] = {
                "openid": openid or "o" + secrets.token_urlsafe(20),
                "unionid": unionid,
            }
        return code

    def issue_phone_code(self, phone: str) -> str:
        """What ``getPhoneNumber`` hands the mini-program."""
        code = secrets.token_hex(16)
        with self._lock:
            self.state.phone_codes[code] = phone
        return code

    def fail(self, path: str, errcode: int, errmsg: str = "fake failure", times: int = 1) -> None:
        """The next ``times`` calls to ``path`` answer with this errcode."""
        with self._lock:
            self.state.failures.setdefault(path, deque()).append(_Failure(errcode, errmsg, times))

    def delay(self, seconds: float, path: str = "*") -> None:
        """Answer calls to ``path`` (every path by default) only after ``seconds``."""
        with self._lock:
            self.state.delays[path] = seconds

    def outage(self, status: int | None = 502) -> None:
        """Answer every API call with an HTML error page (None ends the outage)."""
        with self._lock:
            self.state.outage_status = status

    def expire_tokens(self) -> None:
        """Make every issued access token expired."""
        with self._lock:
            for token in self.state.tokens:
                self.state.tokens[token] = 0.0

    def revoke_tokens(self) -> None:
        """Make every issued access token invalid (40001), as a forced refresh elsewhere does."""
        with self._lock:
            self.state.tokens.clear()

    def sent_to(self, openid: str) -> list[dict[str, Any]]:
        """The subscribe messages sent to ``openid``, oldest first."""
        with self._lock:
            return [m for m in self.state.sent_messages if m.get("touser") == openid]

    def calls_to(self, path: str) -> int:
        with self._lock:
            return sum(1 for p, _ in self.state.calls if p == path)

    def forget_visit(self, openid: str) -> None:
        """The text check answers 61010 for this author (no visit within 2 hours)."""
        with self._lock:
            self.state.stale_openids.add(openid)

    def reset(self) -> None:
        """Forget failures, delays, outages and recorded calls (issued tokens stay valid)."""
        with self._lock:
            self.state.failures.clear()
            self.state.delays.clear()
            self.state.outage_status = None
            self.state.calls.clear()
            self.state.sent_messages.clear()
            self.state.checked_texts.clear()
            self.state.stale_openids.clear()
