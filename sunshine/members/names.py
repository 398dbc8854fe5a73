"""Names as shown to the public: the first and last character kept, the rest masked."""

from __future__ import annotations


def mask_name(name: str) -> str:
    """张三明 → 张*明, 李四 → 李*, 欧阳娜娜 → 欧**娜; a one-character name stays as it is."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
