"""The access log's masking of query values (sunshine/ops/gunicorn_hooks.py); the log lines
themselves are checked through gunicorn in tests/ops/test_gunicorn.py."""

from __future__ import annotations

import pytest

from sunshine.ops.gunicorn_hooks import mask_query, mask_url


@pytest.mark.parametrize(
    ("query", "masked"),
    [
        ("", ""),
        ("q=13912345678", "q=***"),
        ("name=%E7%8E%8B&cursor=5&limit=20", "name=***&cursor=5&limit=20"),
        ("city_id=7&area_id=3&status=verified", "city_id=7&area_id=3&status=verified"),
        ("code=081xYz&js_code=abc&phone=139", "code=***&js_code=***&phone=***"),
        ("q=a&q=b&flag", "q=***&q=***&flag=***"),
        ("since=2026-01-01T00%3A00%3A00%2B08%3A00", "since=2026-01-01T00%3A00%3A00%2B08%3A00"),
        ("%E5%A7%93%E5%90%8D=%E7%8E%8B", "%E5%A7%93%E5%90%8D=***"),
    ],
)
def test_only_values_known_to_be_harmless_are_kept(query: str, masked: str) -> None:
    assert mask_query(query) == masked


def test_a_url_keeps_its_path_and_masks_its_query() -> None:
    assert mask_url("/api/v1/members?q=张三&cursor=9") == "/api/v1/members?q=***&cursor=9"
    assert mask_url("/api/v1/members") == "/api/v1/members"
