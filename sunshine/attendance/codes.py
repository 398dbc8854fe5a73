"""Check-in codes.

**Rotating code.** ``r<shift>.<step>.<mac>``: the shift and the current 30-second step,
signed with a key derived from ``SECRET_KEY`` (HMAC-SHA256, truncated to 96 bits). The person
in charge shows it as a QR code that changes every step; a check-in accepts the current and
the previous step only, so a photo of it is useless a minute later. The key never leaves the
server: the phone only ever sees codes.

**Venue code.** ``v<random>``: a printed mini-program code's scene (≤ 32 characters from the
set WeChat allows), drawn at random once per task and looked up in ``venue_code``. It is not
a secret — anyone can photograph a poster — so a check-in with it must send the phone's
location, and the distance to the task's point decides.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app

from sunshine.errors import Invalid

STEP_SECONDS = 30
ACCEPTED_STEPS = 2  # the current step and the one before it
_ROTATING = re.compile(r"^r(\d{1,12})\.(\d{1,12})\.([A-Za-z0-9_-]{16})$")
_VENUE = re.compile(r"^v[A-Za-z0-9_-]{16}$")
EARTH_RADIUS_M = 6_371_008.8


def _key() -> bytes:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, b"sunshine/checkin-code/v1", hashlib.sha256).digest()


def _mac(shift_id: int, step: int) -> str:
    digest = hmac.new(_key(), f"{shift_id}.{step}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:12]).decode()


def step_of(moment: datetime) -> int:
    return int(moment.timestamp()) // STEP_SECONDS


@dataclass(frozen=True)
class RotatingCode:
    code: str
    step: int
    expires_at: datetime  # when the phone should fetch the next one


def rotating_code(shift_id: int, now: datetime) -> RotatingCode:
    step = step_of(now)
    return RotatingCode(
        code=f"r{shift_id}.{step}.{_mac(shift_id, step)}",
        step=step,
        expires_at=datetime.fromtimestamp((step + 1) * STEP_SECONDS, UTC),
    )


def bad_code() -> Invalid:
    """The one answer to a code that is not ours (forged, malformed, unknown scene)."""
    return Invalid("签到码无效", code="punch.bad_code", fields={"code": ["无法识别的签到码"]})


def is_rotating(code: str) -> bool:
    return code.startswith("r")


def read_rotating(code: str, now: datetime) -> int:
    """The shift a rotating code is for; refuses forged, malformed and expired codes."""
    match = _ROTATING.match(code)
    if match is None:
        raise bad_code()
    shift_id, step = int(match[1]), int(match[2])
    if not hmac.compare_digest(match[3], _mac(shift_id, step)):
        raise bad_code()
    if not 0 <= step_of(now) - step < ACCEPTED_STEPS:
        raise Invalid(
            "签到码已过期，请扫描负责人手机上的最新签到码",
            code="punch.code_expired",
            fields={"code": ["已过期"]},
        )
    return shift_id


def new_venue_scene() -> str:
    return "v" + secrets.token_urlsafe(12)  # 16 characters of [A-Za-z0-9_-]


def check_venue_scene(code: str) -> str:
    if _VENUE.match(code) is None:
        raise bad_code()
    return code


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))
