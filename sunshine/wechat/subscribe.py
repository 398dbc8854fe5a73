"""Sending subscribe messages (the notification sender's one WeChat call)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import requests
from flask import current_app
from wechatpy.exceptions import WeChatClientException

from sunshine.errors import UpstreamUnavailable
from sunshine.wechat.core import _STALE_TOKEN, client, log

# Subscribe messages -----------------------------------------------------------------------------

# Worth a retry later: busy, rate-limited, a token still refused after its one refresh.
_TRANSIENT = frozenset({-1, 45009, 45011, *_STALE_TOKEN})
QUOTA_REFUSED = 43101  # the user refused, or no accept is left for this template


@dataclass(frozen=True)
class SendResult:
    """Sent, or the errcode (None: no answer) and whether a retry may succeed."""

    sent: bool
    errcode: int | None = None
    transient: bool = False


def send_subscribe_message(
    openid: str, template_id: str, data: Mapping[str, str], *, page: str | None
) -> SendResult:
    """Send one subscribe message (``data``: key → value within WeChat's limits); never
    raises. Transient: no answer, an HTTP error, -1, 45009/45011, the token cache down."""
    state = current_app.config["WECHAT_MINIPROGRAM_STATE"]
    values = {key: {"value": value} for key, value in data.items()}
    body = {"touser": openid, "template_id": template_id, "data": values, "lang": "zh_CN"}
    body.update({"miniprogram_state": state, **({"page": page} if page else {})})
    try:
        client().wxa._post("cgi-bin/message/subscribe/send", data=body)
    except WeChatClientException as exc:
        errcode = exc.errcode
        log.info("WeChat subscribe send refused: errcode %s", errcode)
        return SendResult(False, errcode, errcode is None or errcode in _TRANSIENT)
    except (requests.RequestException, UpstreamUnavailable) as exc:  # no answer; Redis down
        log.warning("WeChat subscribe send failed: %s", type(exc).__name__)
        return SendResult(False, None, True)
    return SendResult(True)
