"""The only module that talks to WeChat (through wechatpy).

One ``WeChatClient`` per process, created on first use. Its access token lives in Redis when
``REDIS_URL`` is set, so every worker shares one token (Redis down: 503 ``redis.unavailable``);
otherwise in process memory. A
transport adapter mounted on wechatpy's ``requests`` session for ``https://api.weixin.qq.com/``
gives every call a timeout (wechatpy sends the token fetch without one) and points the client
at ``WECHAT_API_BASE`` (staging, tests, the fake server). That reaches into wechatpy, which is
why wechatpy is pinned exactly.

The token comes from ``POST /cgi-bin/stable_token``, fetched once per expiry under a Redis
lock; a call answered 40001/42001 refreshes it once and is retried once (``_StableTokenClient``).

WeChat's errors become DomainErrors with clear codes; secrets never reach a log or a response.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
from flask import Flask, current_app
from requests.adapters import HTTPAdapter
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session import SessionStorage
from wechatpy.session.memorystorage import MemoryStorage
from wechatpy.session.redisstorage import RedisStorage

from sunshine import redis_store
from sunshine.errors import (
    DomainError,
    Forbidden,
    Invalid,
    TooManyRequests,
    Unauthorized,
    UpstreamError,
    UpstreamUnavailable,
)

log = logging.getLogger(__name__)

OFFICIAL_BASE = "https://api.weixin.qq.com"
_EXTENSION_KEY = "sunshine.wechat"
# Refresh shared tokens this long before WeChat expires them, so no worker uses a dying one.
_TOKEN_SAFETY_MARGIN = 300

T = TypeVar("T")


@dataclass(frozen=True)
class WxSession:
    """The result of code2Session. ``session_key`` must stay on the server; the app does not
    keep it (``auth.models.Account``)."""

    openid: str
    session_key: str
    unionid: str | None

    def __repr__(self) -> str:  # keep session_key out of any accidental log line
        return f"WxSession(openid={self.openid!r}, unionid={self.unionid!r})"


class _Transport(HTTPAdapter):
    """Default timeout on every call; rewrites the official host to the configured base."""

    def __init__(self, base: str, timeout: float) -> None:
        super().__init__(max_retries=0)
        self._base = base.rstrip("/")
        self._timeout = timeout

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        if self._base != OFFICIAL_BASE and request.url and request.url.startswith(OFFICIAL_BASE):
            request.url = self._base + request.url[len(OFFICIAL_BASE) :]
        return super().send(request, **kwargs)


class _EarlyExpiry(SessionStorage):
    """Stores tokens with a TTL shortened by a safety margin; Redis down is a 503.

    Without the shared token each worker would fetch its own, and every fetch ends the token
    the others hold; so no fallback to process memory when Redis fails, but a clear answer.
    """

    def __init__(self, inner: SessionStorage) -> None:
        self._inner = inner

    def get(self, key: str, default: Any = None) -> Any:
        with _cache_errors():
            return self._inner.get(key, default)

    def set(self, key: str, value: Any, ttl: int | None = None) -> None:
        if ttl is not None:
            ttl = max(60, int(ttl) - _TOKEN_SAFETY_MARGIN)
        with _cache_errors():
            self._inner.set(key, value, ttl)

    def delete(self, key: str) -> None:
        with _cache_errors():
            self._inner.delete(key)


@contextmanager
def _cache_errors() -> Iterator[None]:
    try:
        yield
    except redis_store.RedisError as exc:
        log.error("WeChat token cache: Redis unavailable: %s", type(exc).__name__)
        raise UpstreamUnavailable(
            code="redis.unavailable", message="服务暂时不可用，请稍后再试"
        ) from None


# Stable token ---------------------------------------------------------------------------------

_STALE_TOKEN: tuple[int, ...] = (40001, 40014, 42001)  # invalid, malformed or expired access token
_TOKEN_LOCK_SECONDS = 10


class _StableTokenClient(WeChatClient):
    """wechatpy's client with the stable token. With ``lock`` (Redis) the holder of
    ``<prefix>:token_lock`` fetches; the others poll the shared storage for its token."""

    def __init__(self, *args: Any, lock: Any = None, lock_key: str = "", **kwargs: Any) -> None:
        super().__init__(*args, auto_retry=False, **kwargs)
        self._lock, self._lock_key = lock, lock_key

    def fetch_access_token(self) -> dict[str, Any]:
        if self._lock is None:
            return self._fetch_stable()
        deadline = time.monotonic() + _TOKEN_LOCK_SECONDS
        while True:
            with _cache_errors():
                won = self._lock.set(self._lock_key, "1", nx=True, ex=_TOKEN_LOCK_SECONDS)
            if won:
                try:
                    cached = self.session.get(self.access_token_key)
                    return {"access_token": cached} if cached else self._fetch_stable()
                finally:
                    with _cache_errors():
                        self._lock.delete(self._lock_key)
            time.sleep(0.05)  # another process is fetching: wait for its token
            cached = self.session.get(self.access_token_key)
            if cached:
                return {"access_token": cached}
            if time.monotonic() > deadline:
                return self._fetch_stable()

    def _fetch_stable(self) -> dict[str, Any]:
        body = {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret}
        url = OFFICIAL_BASE + "/cgi-bin/stable_token"
        response = self._http.post(url, json=body, timeout=self.timeout)
        response.raise_for_status()  # an HTML error page: requests.HTTPError, "unavailable"
        result: dict[str, Any] = self._handle_result(response)  # raises on an errcode
        expires_in = int(result.get("expires_in", 7200))
        self.session.set(self.access_token_key, result["access_token"], expires_in)
        self.expires_at = int(time.time()) + expires_in
        return result

    def _request(self, method: str, url_or_endpoint: str, **kwargs: Any) -> Any:
        params = dict(kwargs.get("params") or {})
        try:
            return super()._request(method, url_or_endpoint, **{**kwargs, "params": params})
        except WeChatClientException as exc:
            if exc.errcode not in _STALE_TOKEN or "access_token" in (kwargs.get("params") or {}):
                raise
            log.info("WeChat access token refused (errcode %s): refreshing once", exc.errcode)
            used = params.get("access_token")
            if self.session.get(self.access_token_key) == used:  # nobody refreshed it yet
                self.session.delete(self.access_token_key)
            self.expires_at = None  # type: ignore[assignment]
            return super()._request(method, url_or_endpoint, **kwargs)


def build_client(
    *,
    appid: str,
    secret: str,
    api_base: str,
    timeout: float,
    redis_client: Any = None,
    redis_prefix: str = "sunshine:wechat",
) -> WeChatClient:
    """A wechatpy client wired to our transport and token storage."""
    inner = RedisStorage(redis_client, prefix=redis_prefix) if redis_client else MemoryStorage()
    client = _StableTokenClient(
        appid,
        secret,
        session=_EarlyExpiry(inner),
        timeout=timeout,
        lock=redis_client,
        lock_key=f"{redis_prefix}:token_lock",
    )
    client._http.mount(OFFICIAL_BASE + "/", _Transport(api_base, timeout))
    return client


def init_app(app: Flask) -> None:
    """Nothing is created at start-up; the client is built on first use in each process."""
    app.extensions[_EXTENSION_KEY] = None


def client() -> WeChatClient:
    """This process's client for the current app."""
    app = current_app
    existing = app.extensions.get(_EXTENSION_KEY)
    if existing is not None:
        return existing
    appid, secret = app.config.get("WECHAT_APPID"), app.config.get("WECHAT_SECRET")
    if not appid or not secret:
        raise UpstreamUnavailable(
            code="wechat.misconfigured", message="微信服务未配置，请联系管理员"
        )
    built = build_client(
        appid=appid,
        secret=secret,
        api_base=app.config["WECHAT_API_BASE"],
        timeout=app.config["WECHAT_TIMEOUT"],
        redis_client=redis_store.connection(),
    )
    app.extensions[_EXTENSION_KEY] = built
    return built


# errcodes whose meaning is the same for every call.
_COMMON_ERRORS: dict[int, Callable[[], DomainError]] = {
    -1: lambda: UpstreamUnavailable(code="wechat.busy", message="微信服务繁忙，请稍后再试"),
    45009: lambda: TooManyRequests(
        code="wechat.rate_limited", message="微信接口调用太频繁，请稍后再试"
    ),
    45011: lambda: TooManyRequests(code="wechat.rate_limited", message="操作太频繁，请稍后再试"),
    40013: lambda: _misconfigured(),
    40125: lambda: _misconfigured(),
    40164: lambda: _misconfigured(),
    41002: lambda: _misconfigured(),
    41004: lambda: _misconfigured(),
}


def _misconfigured() -> DomainError:
    return UpstreamUnavailable(
        code="wechat.misconfigured", message="微信服务配置异常，请联系管理员"
    )


def _call(
    operation: str,
    fn: Callable[[], T],
    errors: Mapping[int, Callable[[], DomainError]] | None = None,
) -> T:
    """Run one WeChat call, turning every failure into a DomainError."""
    try:
        return fn()
    except WeChatClientException as exc:
        errcode = exc.errcode
        if errcode is None:  # an HTTP error status from WeChat (or a proxy in front of it)
            status = getattr(exc.response, "status_code", None)
            log.warning("WeChat %s failed: HTTP %s", operation, status)
            raise UpstreamUnavailable(
                code="wechat.unavailable", message="微信服务暂时无法访问，请稍后再试"
            ) from None
        factory = (errors or {}).get(errcode) or _COMMON_ERRORS.get(errcode)
        if factory is None:
            log.warning("WeChat %s failed: errcode %s", operation, errcode)
            raise UpstreamError(
                code="wechat.error", message="微信服务返回错误，请稍后再试"
            ) from None
        error = factory()
        level = logging.ERROR if error.code == "wechat.misconfigured" else logging.INFO
        log.log(level, "WeChat %s refused: errcode %s", operation, errcode)
        raise error from None
    except requests.RequestException as exc:
        log.warning("WeChat %s unreachable: %s", operation, type(exc).__name__)
        raise UpstreamUnavailable(
            code="wechat.unavailable", message="微信服务暂时无法访问，请稍后再试"
        ) from None


_LOGIN_ERRORS: dict[int, Callable[[], DomainError]] = {
    40029: lambda: Unauthorized(code="auth.invalid_code", message="登录凭证无效，请重新登录"),
    40163: lambda: Unauthorized(code="auth.code_used", message="登录凭证已使用，请重新登录"),
    40226: lambda: Forbidden(
        code="auth.risky_user", message="微信判定该账号存在风险，暂时无法登录"
    ),
}


def code_to_session(js_code: str) -> WxSession:
    """Exchange a ``wx.login`` code. Never retried: a code works once."""
    result = _call("code2Session", lambda: client().wxa.code_to_session(js_code), _LOGIN_ERRORS)
    openid, session_key = result.get("openid"), result.get("session_key")
    if not openid or not session_key:
        log.warning("WeChat code2Session answered without openid/session_key")
        raise UpstreamError(code="wechat.error", message="微信服务返回错误，请稍后再试")
    return WxSession(openid=openid, session_key=session_key, unionid=result.get("unionid") or None)


_PHONE_ERRORS: dict[int, Callable[[], DomainError]] = {
    40029: lambda: Invalid(
        "手机号授权已失效，请重新授权",
        code="phone.invalid_code",
        fields={"code": ["授权码无效或已使用"]},
    ),
    1400001: lambda: UpstreamUnavailable(
        code="wechat.quota_exhausted", message="手机号验证次数已用完，请联系管理员"
    ),
}


def get_phone_number(code: str) -> str:
    """Exchange a ``getPhoneNumber`` code for the user's phone number (billed per call).

    Mainland numbers come back as 11 digits; others as ``+<country code> <number>``.
    """
    result = _call(
        "getuserphonenumber",
        lambda: client().wxa._post("wxa/business/getuserphonenumber", data={"code": code}),
        _PHONE_ERRORS,
    )
    info = result.get("phone_info") or {}
    phone, country = info.get("purePhoneNumber"), str(info.get("countryCode") or "86")
    if not phone:
        log.warning("WeChat getuserphonenumber answered without a phone number")
        raise UpstreamError(code="wechat.error", message="微信服务返回错误，请稍后再试")
    return str(phone) if country == "86" else f"+{country} {phone}"


_CODE_ERRORS: dict[int, Callable[[], DomainError]] = {
    41030: lambda: UpstreamError(
        code="wechat.bad_page", message="小程序签到页面不存在，请联系管理员检查配置"
    ),
    45009: lambda: TooManyRequests(
        code="wechat.rate_limited", message="生成小程序码过于频繁，请稍后再试"
    ),
}


def mini_program_code(scene: str, page: str | None = None) -> tuple[bytes, str]:
    """A mini-program code (``getwxacodeunlimit``) opening ``page`` (by default the check-in
    page) with ``scene``.

    Returns the image and its content type. The scene must be ≤ 32 allowed characters.
    """
    page = page or current_app.config["WECHAT_CHECKIN_PAGE"]
    response = _call(
        "getwxacodeunlimit",
        lambda: client().wxa.get_wxa_code_unlimited(scene, width=430, page=page),
        _CODE_ERRORS,
    )
    content_type = str(response.headers.get("Content-Type", ""))
    if not content_type.startswith("image/") or not response.content:
        log.warning("WeChat getwxacodeunlimit answered without an image")
        raise UpstreamError(code="wechat.error", message="微信服务返回错误，请稍后再试")
    return response.content, content_type.split(";")[0]
