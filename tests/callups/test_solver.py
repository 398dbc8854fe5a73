"""The call-up solver on its own: the pruned graph gives the optimum of the full one."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import networkx as nx
import pytest

from sunshine import ranking
from sunshine.callups import solver
from sunshine.callups.solver import OpenPost, PoolMember

SATURDAY_9AM = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)  # Asia/Shanghai


def instance(
    rng: random.Random, members: int, posts: int, *, max_places: int, busy: float
) -> tuple[list[PoolMember], list[OpenPost]]:
    communities = [f"/1/{s}/{s * 100 + c}/" for s in (2, 3, 4) for c in range(3)]
    pool = []
    for i in range(1, members + 1):
        served = rng.choice([0, 0, 60, 120, 600, 1440, 2000, rng.randrange(1440)])
        gap, points = ranking.behind(served, 1440)
        home = rng.choice(communities)
        pool.append(
            PoolMember(
                id=i,
                community_path=home,
                placed_path=rng.choice(["", "", f"{home}{len(home)}1/", f"{home}{len(home)}2/"]),
                available_weekday_daytime=rng.random() < 0.3,
                available_evenings=rng.random() < 0.5,
                available_weekends=rng.random() < 0.6,
                skill_ids=frozenset(rng.sample([1, 2, 3], rng.randint(0, 2)))
                if rng.random() < 0.4
                else frozenset(),
                minutes_behind=gap,
                behind_points=points,
            )
        )
    open_posts = []
    for j in range(1, posts + 1):
        community = rng.choice(communities)
        street = "/".join(community.split("/")[:3]) + "/"
        grid = f"{community}{len(community)}1/"
        task_path = rng.choice([street, community, community, community, grid, "/1/"])
        # A task is seen under its own place or one above it; a grid's task only in its grid;
        # a city body's task city-wide or by chosen streets (tasks.audience).
        scopes: list[tuple[str, ...]] = [("/1/",)]
        if task_path == "/1/":
            scopes += [("/1/2/",), ("/1/2/", "/1/4/"), ("/1/3/", "/1/4/")]
        elif task_path == grid:
            scopes = [(grid,)]
        else:
            scopes += [(street,)] + ([(community,)] if task_path == community else [])
        open_posts.append(
            OpenPost(
                id=j,
                places=rng.randint(1, max_places),
                task_path=task_path,
                scope_paths=rng.choice(scopes),
                starts_at=SATURDAY_9AM + timedelta(hours=rng.choice([0, 10, 48 + 9, 48 + 0])),
                skills=tuple(
                    (s, f"技能{s}") for s in sorted(rng.sample([1, 2, 3], rng.randint(0, 2)))
                ),
                busy=frozenset(m.id for m in pool if rng.random() < busy),
            )
        )
    return pool, open_posts


def brute_force(pool: list[PoolMember], posts: list[OpenPost]) -> tuple[int, int, int]:
    """Max-flow-min-cost over every eligible pair: (fill, total score, total gap)."""
    graph = nx.DiGraph()
    pairs = {}
    for post in posts:
        graph.add_edge(("post", post.id), "t", capacity=post.places, weight=0)
        for m in pool:
            if m.id not in post.busy and any(m.where.startswith(p) for p in post.scope_paths):
                pairs[m.id, post.id] = (solver.rate(m, post)[0], m.minutes_behind)
    if not pairs:
        return 0, 0, 0
    top = max(p for p, _ in pairs.values()) + 1
    weight = (sum(p.places for p in posts) + 1) * 1441
    for (member_id, post_id), (points, gap) in pairs.items():
        graph.add_edge("s", ("m", member_id), capacity=1, weight=0)
        graph.add_edge(
            ("m", member_id),
            ("post", post_id),
            capacity=1,
            weight=(top - points) * weight + 1440 - gap,
        )
    flow = nx.max_flow_min_cost(graph, "s", "t")
    used = [pair for pair in pairs if flow[("m", pair[0])][("post", pair[1])]]
    return len(used), sum(pairs[p][0] for p in used), sum(pairs[p][1] for p in used)


def summary(
    choices: list[solver.Choice], pool: list[PoolMember], posts: list[OpenPost]
) -> tuple[int, int, int]:
    members = {m.id: m for m in pool}
    by_id = {p.id: p for p in posts}
    assert len({c.member_id for c in choices}) == len(choices)  # nobody twice
    for post in posts:
        assert sum(1 for c in choices if c.post_id == post.id) <= post.places
    for c in choices:
        post, member = by_id[c.post_id], members[c.member_id]
        assert member.id not in post.busy and post.admits(member)
        assert (c.score, c.reasons) == solver.rate(member, post)
    return (
        len(choices),
        sum(c.score for c in choices),
        sum(members[c.member_id].minutes_behind for c in choices),
    )


@pytest.mark.parametrize("seed", range(4))
def test_pruned_proposal_is_as_good_as_the_full_graph(seed: int) -> None:
    rng = random.Random(seed)
    rounds = set()
    for _ in range(12):
        pool, posts = instance(
            rng,
            rng.choice([20, 60, 150]),
            rng.choice([2, 6, 15]),
            max_places=rng.choice([2, 6, 20]),
            busy=rng.choice([0.0, 0.05, 0.3]),
        )
        timings = solver.Timings()
        choices = solver.propose(pool, posts, timings)
        rounds.add(timings.rounds)
        assert summary(choices, pool, posts) == brute_force(pool, posts)
    assert max(rounds) > 1  # cut lists were lengthened and solved again


def test_identical_posts_share_one_list_and_fill_in_score_order() -> None:
    pool = [
        PoolMember(i, "/1/2/200/", False, False, True, frozenset(), 1440 - i * 60, 10 - i // 3)
        for i in range(1, 13)
    ]
    posts = [
        OpenPost(j, 3, "/1/2/", ("/1/2/",), SATURDAY_9AM, (), frozenset()) for j in range(1, 5)
    ]
    timings = solver.Timings()

    choices = solver.propose(pool, posts, timings)

    assert timings.rounds == 1 and timings.edges == 12  # one node for the four posts
    assert [c.member_id for c in choices] == list(range(1, 13))  # furthest behind first
    assert [c.post_id for c in choices] == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]
    assert choices[0].reasons == ["本街道", "时间合适：周末", "本年度还差 23 小时"]


def test_behind_counts_points_up_to_ten_for_the_whole_requirement() -> None:
    assert ranking.behind(0, 1440) == (1440, 10)
    assert ranking.behind(360, 1440) == (1080, 7)
    assert ranking.behind(2000, 1440) == (0, 0)
    assert ranking.behind(0, 0) == (0, 0)
    assert ranking.behind_reason(330) == "本年度还差 5.5 小时"


def test_a_score_that_stops_being_constant_inside_a_tier_is_caught(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pool, posts = instance(random.Random(1), 60, 3, max_places=20, busy=0.0)
    real = solver.score

    def uneven(member, *args, **kwargs):  # type: ignore[no-untyped-def]
        points, reasons = real(member, *args, **kwargs)
        return points + member.id % 7, reasons

    monkeypatch.setattr(solver, "score", uneven)
    with pytest.raises(RuntimeError, match="out of order"):
        solver.propose(pool, posts)
