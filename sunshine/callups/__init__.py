"""Call-ups (动员): many posts across the communities of a street or city on one day, filled
from thousands of members at once — fairly, nobody twice — then reviewed and confirmed.

``service`` holds the rules, ``pool`` reads what a proposal needs in bulk, ``solver`` is the
min-cost flow, ``views`` shapes what the admin sees; ``schemas`` and ``routes`` as usual.
"""
