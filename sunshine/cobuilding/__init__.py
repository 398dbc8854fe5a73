"""单位报到 and 共驻共建: work units report in to communities and take on projects there."""
