"""Call-ups (动员): an org or street admin fills many posts across communities on one day.

The admin names the shifts and how many of each one's places to fill; the system proposes
who (``solver``: largest fill, then best score, nobody twice); the admin adds and
removes people; confirming re-checks every assignment under the shift row locks and, all or
nothing, gives each member a confirmed signup holding the place and a pending invitation
telling them about it. Declining that invitation gives the place up.

Every change locks the call-up row first, so two admins working on one call-up take turns.

``callups`` (a call-up itself: get, create, cancel), ``proposal`` (propose, assign,
unassign) and ``confirmation`` (confirm); callers import from here.
"""

from sunshine.callups.service.callups import EDITABLE, cancel, create, editable, get
from sunshine.callups.service.confirmation import confirm
from sunshine.callups.service.proposal import assign, propose, unassign

__all__ = [
    "EDITABLE",
    "assign",
    "cancel",
    "confirm",
    "create",
    "editable",
    "get",
    "propose",
    "unassign",
]
