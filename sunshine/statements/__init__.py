"""Service statements (志愿服务记录证明): a member's confirmed service over a period, issued in
the name of the organisation that organised and confirmed it, with a number and a
verification code that anyone can check (docs/statements.md)."""
