"""The only module that talks to WeChat (through wechatpy).

One ``WeChatClient`` per process, created on first use. Its access token lives in Redis when
``REDIS_URL`` is set, so every worker shares one token (Redis down: 503 ``redis.unavailable``);
otherwise in process memory. A
transport adapter mounted on wechatpy's ``requests`` session for ``https://api.weixin.qq.com/``
gives every call a timeout (wechatpy sends the token fetch without one) and points the client
at ``WECHAT_API_BASE`` (staging, tests, the fake server). That reaches into wechatpy, which is
why wechatpy is pinned exactly.

WeChat's errors become DomainErrors with clear codes; secrets never reach a log or a response.
"""

from __future__ import annotations

import logging
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
    client = WeChatClient(appid, secret, session=_EarlyExpiry(inner), timeout=timeout)
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


# Text security check (msg_sec_check v2) -------------------------------------------------------

TEXT_CHECK_MAX = 2500  # characters WeChat accepts in one msg_sec_check call


@dataclass(frozen=True)
class TextVerdict:
    """WeChat's answer on one text: ``suggest`` is pass / review / risky.

    ``author_unknown`` marks a text WeChat would not judge because the author's openid has not
    opened the mini-program in the last 2 hours (v2 needs one that has): a person decides.
    """

    suggest: str
    label: int | None = None
    trace_id: str | None = None
    author_unknown: bool = False


# 40003: openid unknown to this AppID; 61010: the user has not visited within 2 hours.
_AUTHOR_UNKNOWN = (40003, 61010)


def check_text(*, openid: str, scene: int, content: str) -> TextVerdict:
    """Ask WeChat's text check (v2) about ``content`` written by ``openid`` in ``scene``
    (1 资料, 2 评论, 3 论坛, 4 社交日志). Not in wechatpy 1.8.18 (it has v1 only): called
    through the client's ``_post``. Failures are DomainErrors (503/502), as everywhere."""
    data = {"content": content, "version": 2, "scene": scene, "openid": openid}
    try:
        result = _call("msg_sec_check", lambda: _raw_text_check(data))
    except _AuthorUnknown:
        return TextVerdict(suggest="review", author_unknown=True)
    verdict = result.get("result") or {}
    suggest = verdict.get("suggest")
    if suggest not in ("pass", "review", "risky"):
        log.warning("WeChat msg_sec_check answered without a verdict")
        raise UpstreamError(code="wechat.error", message="微信服务返回错误，请稍后再试")
    label = verdict.get("label")
    return TextVerdict(
        suggest=suggest,
        label=label if isinstance(label, int) else None,
        trace_id=result.get("trace_id"),
    )


class _AuthorUnknown(Exception):
    pass


def _raw_text_check(data: dict[str, Any]) -> dict[str, Any]:
    try:
        return client().wxa._post("wxa/msg_sec_check", data=data)
    except WeChatClientException as exc:
        if exc.errcode in _AUTHOR_UNKNOWN:
            raise _AuthorUnknown from None
        raise
