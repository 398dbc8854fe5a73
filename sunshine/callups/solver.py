"""The call-up's proposal: members to posts as a min-cost flow, solved with networkx.

The network: source → member (capacity 1: nobody twice) → post (capacity 1, cost from the
score) → sink (capacity = the post's open places), plus a bypass source → sink whose cost is
larger than any assignment could save, so the cheapest flow of value Σ places is the
**largest fill first** and, among largest fills, the **best total score**. Network simplex
(``nx.network_simplex``) finds the optimum of that linear programme, integral because the
constraint matrix of a network is totally unimodular.

The score of a member for a post is ``ranking.score`` (own community / street / city, skill
match, time fit: exactly as the feed and the invitation suggestions rank) plus up to
``BEHIND_POINTS`` for being behind the yearly requirement. Ties in score go to the member
further behind in minutes: the cost is ``(top score − score) × W + (top gap − gap)`` with W
larger than any sum of gap terms, so score is compared first and the gap second.

Keeping the graph small, exactly. Each post's eligible members are produced lazily, best
first, and only the first K of them get an edge. After solving, a post whose list was cut
is checked: if one of its K is left unassigned, no member beyond the cut could improve the
solution. Proof: take node potentials π proving the pruned flow optimal (every residual arc
has reduced cost ≥ 0). An unassigned member u can have π(u) = π(s), so its unused arc to
post j gives π(j) ≤ cost(u, j) + π(s). A member m beyond the cut has cost(m, j) ≥
cost(u, j), and π(m) ≥ π(s) (equal when m is unassigned or not in the graph; at least that
when assigned, through the residual arc back to s). So the missing arc's reduced cost
cost(m, j) + π(m) − π(j) is ≥ 0, and adding every such arc leaves the flow optimal.
Otherwise that post's K is doubled and the flow solved again; at worst K reaches the total
of places + 1, where one of the K is always unassigned. Posts that are the same for every
member (same task place, scope, time slot, skills and busy members) are merged into one
node first, so a call-up of fifty like posts is one list, not fifty.
"""

from __future__ import annotations

import heapq
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

import networkx as nx

from sunshine.ranking import score, street_path_of, time_slot

FIRST_CUT_SLACK = 10  # a post's first list: twice its places plus this


@dataclass(frozen=True, slots=True)
class PoolMember:
    """A member who may be proposed, as plain values (read in bulk, never ORM objects)."""

    id: int
    community_path: str
    available_weekday_daytime: bool
    available_evenings: bool
    available_weekends: bool
    skill_ids: frozenset[int]
    minutes_behind: int  # of the yearly requirement, never below 0
    behind_points: int
    placed_path: str = ""  # the grid the member is placed in, else "" (their community)

    @property
    def where(self) -> str:
        """Where a task's visibility finds the member (``tasks.service.placed_path``)."""
        return self.placed_path or self.community_path


@dataclass(frozen=True)
class OpenPost:
    """A post as the solver sees it: how many places to fill and who may not take it."""

    id: int
    places: int
    task_path: str
    # Members must be placed under one of these paths: the task's audience
    # (``tasks.audience``: its visible prefix, or its chosen streets).
    scope_paths: tuple[str, ...]
    starts_at: datetime
    skills: tuple[tuple[int, str], ...]  # the task's skills (id, name), by id
    busy: frozenset[int]  # members on a clashing shift, on this one, or invited to it

    def admits(self, member: PoolMember) -> bool:
        return any(member.where.startswith(path) for path in self.scope_paths)

    def reaches(self, region: str, inner: str = "") -> bool:
        """Whether a member placed under ``region`` (all: "") but not under ``inner`` may be
        admitted: a tier of such members is worth reading."""
        return any(
            (path.startswith(region) or region.startswith(path))
            and not (inner and path.startswith(inner))
            for path in self.scope_paths
        )


@dataclass(frozen=True)
class Choice:
    post_id: int
    member_id: int
    score: int
    reasons: list[str]


@dataclass
class Timings:
    """Where a proposal's time went, in seconds (the service fills ``load`` and ``store``),
    with the size of what was solved."""

    load: float = 0.0
    build: float = 0.0
    solve: float = 0.0
    store: float = 0.0
    rounds: int = 0
    edges: int = 0
    members: int = 0


def rate(member: PoolMember, post: OpenPost) -> tuple[int, list[str]]:
    """The member's score for the post, with the reasons shown to the admin."""
    matched = [name for skill_id, name in post.skills if skill_id in member.skill_ids]
    return score(
        member,
        member.community_path,
        task_path=post.task_path,
        matched_skills=matched,
        starts_at=post.starts_at,
        behind=(member.minutes_behind, member.behind_points),
    )


def community_path_of(path: str) -> str:
    """The community a path lies in (its first three parts: city, street, community)."""
    return "/" + "/".join(path.strip("/").split("/")[:3]) + "/"


Key = tuple[int, int, int]  # (score, minutes behind, −member id): larger is better


class Pool:
    """The members who may be proposed, in fairness order (furthest behind first), indexed by
    community, street and skill so that each post's list is read lazily, best first."""

    def __init__(self, members: Iterable[PoolMember]) -> None:
        self.everyone = sorted(members, key=lambda m: (-m.behind_points, -m.minutes_behind, m.id))
        self.by_community: dict[str, list[PoolMember]] = defaultdict(list)
        self.by_street: dict[str, list[PoolMember]] = defaultdict(list)
        self.by_skill: dict[int, list[PoolMember]] = defaultdict(list)
        for m in self.everyone:
            self.by_community[m.community_path].append(m)
            self.by_street[street_path_of(m.community_path)].append(m)
            for skill_id in m.skill_ids:
                self.by_skill[skill_id].append(m)

    def ranked(self, post: OpenPost) -> Iterator[tuple[Key, PoolMember]]:
        """Every member eligible for the post, best first.

        Members with a skill the task asks for are scored one by one. Everyone else falls in
        six tiers of equal ``ranking.score``: their community's relation to the task's (the
        same community, the same street, elsewhere) times whether they are free then; inside
        a tier the pool's fairness order is already the score order, so the tiers are merged
        lazily and only as much is scored as is read.
        """
        wanted = {skill_id for skill_id, _ in post.skills}
        skilled: dict[int, PoolMember] = {}
        for skill_id in wanted:
            for m in self.by_skill.get(skill_id, ()):
                if m.id not in post.busy and post.admits(m):
                    skilled[m.id] = m
        scored = sorted(((self._key(m, post), m) for m in skilled.values()), reverse=True)
        # The task's community (a grid's task: the grid's) and street, "" above them: each
        # tier (own community, the rest of its street, everyone else) has one place score.
        depth = post.task_path.count("/") - 1
        own = community_path_of(post.task_path) if depth >= 3 else ""
        task_street = street_path_of(post.task_path) if depth >= 2 else ""
        slot = time_slot(post.starts_at)
        tiers: list[tuple[list[PoolMember], str]] = []
        # Only the tiers the post's scopes reach: a tier with nobody eligible would be
        # scanned to its end for nothing.
        if own and post.reaches(own):
            tiers.append((self.by_community.get(own, []), ""))
        if task_street and post.reaches(task_street, own):
            tiers.append((self.by_street.get(task_street, []), own))  # minus own community
        if post.reaches("", task_street):
            tiers.append((self.everyone, task_street))  # minus the task's street
        streams: list[Iterator[tuple[Key, PoolMember]]] = [iter(scored)]
        for members, outside in tiers:
            for free in (True, False):
                streams.append(self._tier(members, outside, slot, free, skilled, post))
        return heapq.merge(*streams, reverse=True)

    def _tier(
        self,
        members: list[PoolMember],
        outside: str,
        slot: str,
        free: bool,
        skilled: dict[int, PoolMember],
        post: OpenPost,
    ) -> Iterator[tuple[Key, PoolMember]]:
        last: Key | None = None
        for m in members:
            if (
                getattr(m, slot) != free
                or (outside and m.community_path.startswith(outside))
                or m.id in skilled
                or m.id in post.busy
                or not post.admits(m)
            ):
                continue
            key = self._key(m, post)
            # The pruning is exact only if each tier comes out best first; ranking.score
            # depending on anything else would break that, so it is checked, not assumed.
            if last is not None and key > last:
                raise RuntimeError("call-up tier out of order: ranking.score changed shape")
            last = key
            yield key, m

    @staticmethod
    def _key(m: PoolMember, post: OpenPost) -> Key:
        return rate(m, post)[0], m.minutes_behind, -m.id


@dataclass
class _Group:
    """Posts that are the same for every member, filled as one node."""

    posts: list[OpenPost]
    places: int
    stream: Iterator[tuple[Key, PoolMember]]
    kept: list[tuple[Key, PoolMember]] = field(default_factory=list)
    exhausted: bool = False

    def read(self, n: int) -> None:
        for _ in range(n):
            item = next(self.stream, None)
            if item is None:
                self.exhausted = True
                return
            self.kept.append(item)


def _groups(pool: Pool, posts: Iterable[OpenPost]) -> list[_Group]:
    alike: dict[tuple[object, ...], list[OpenPost]] = defaultdict(list)
    for post in posts:
        if post.places > 0:
            signature = (
                post.task_path,
                post.scope_paths,
                time_slot(post.starts_at),
                post.skills,
                post.busy,
            )
            alike[signature].append(post)
    groups = []
    for same in alike.values():
        places = sum(p.places for p in same)
        group = _Group(posts=same, places=places, stream=pool.ranked(same[0]))
        group.read(2 * places + FIRST_CUT_SLACK)
        groups.append(group)
    return groups


def _solve(groups: list[_Group]) -> dict[int, int]:
    """Min-cost flow over the kept edges: member id → index of the group it fills."""
    total = sum(g.places for g in groups)
    top_score = max(key[0] for g in groups for key, _ in g.kept) + 1
    top_gap = max(key[1] for g in groups for key, _ in g.kept)
    weight = (total + 1) * (top_gap + 1)  # more than any sum of gap terms
    graph = nx.DiGraph()
    graph.add_node("s", demand=-total)
    graph.add_node("t", demand=total)
    biggest = top_score * weight + top_gap
    graph.add_edge("s", "t", capacity=total, weight=biggest * total + 1)  # places left empty
    for index, group in enumerate(groups):
        node = ("post", index)
        graph.add_edge(node, "t", capacity=group.places, weight=0)
        for (points, gap, _), member in group.kept:
            if member.id not in graph:
                graph.add_edge("s", member.id, capacity=1, weight=0)
            graph.add_edge(
                member.id, node, capacity=1, weight=(top_score - points) * weight + top_gap - gap
            )
    _, flow = nx.network_simplex(graph)
    chosen = {}
    for member_id, out in flow["s"].items():
        if member_id == "t" or not out:
            continue
        for node, units in flow[member_id].items():
            if units:
                chosen[member_id] = node[1]
    return chosen


def propose(
    members: Iterable[PoolMember], posts: Iterable[OpenPost], timings: Timings | None = None
) -> list[Choice]:
    """The best assignment of the members to the posts' open places (see the module doc)."""
    timings = timings if timings is not None else Timings()
    started = time.perf_counter()
    pool = Pool(members)
    timings.members = len(pool.everyone)
    groups = [g for g in _groups(pool, posts) if g.kept]
    timings.build += time.perf_counter() - started
    chosen: dict[int, int] = {}
    while groups:
        started = time.perf_counter()
        chosen = _solve(groups)
        timings.solve += time.perf_counter() - started
        timings.rounds += 1
        timings.edges = sum(len(g.kept) for g in groups)
        started = time.perf_counter()
        cut_short = [
            g
            for g in groups
            if not g.exhausted and all(m.id in chosen for _, m in g.kept)  # none left over
        ]
        for group in cut_short:
            group.read(len(group.kept))
        timings.build += time.perf_counter() - started
        if not cut_short:
            break
    choices = []
    for index, group in enumerate(groups):
        taken = [m for key, m in group.kept if chosen.get(m.id) == index]  # best first
        posts = iter(sorted(group.posts, key=lambda p: p.id))
        post, left = next(posts), 0
        left = post.places
        for member in taken:
            while left == 0:
                post = next(posts)
                left = post.places
            points, reasons = rate(member, post)
            choices.append(Choice(post.id, member.id, points, reasons))
            left -= 1
    return choices
