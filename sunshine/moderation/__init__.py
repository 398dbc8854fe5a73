"""The content check (内容安全): text others will read, checked by WeChat and held for review."""
