"""Issue 17's "done when", over HTTP at Xiaoyi scale: each scenario run through the API with
every request timed and every outcome asserted (a proof, not only a timing).

It wipes and migrates the database (PostgreSQL ``bench_double_report`` unless
``--database-url``), starts the fake WeChat (the content check and logins go to it), and loads
the demo city at full size with ``sunshine.demo.seed`` (孝义市: 16 streets and towns, 305
communities and villages, a roster of 15,000, a year of history, and the other half of 双报到:
units reporting in, residents' wishes, grids, bodies, detachments, campaigns). Then, in this
process through the Flask test client, as the accounts who would act:

1. a unit that has not reported in reports in to its paired community, which admits it; the
   agreement is written and countersigned; a project is planned, started, staffed with two of
   the unit's members and confirmed done;
2. a resident submits a wish; the community accepts it before its answer is due, makes a wish
   task of it and closes it done; the resident rates it 满意, and the community's satisfaction
   figures count it;
3. the first community's grid liaison posts a grid task and publishes it: a member of the
   grid finds it in the feed (timed over ``--feeds`` requests), one of another grid does not;
4. the practice centre posts a city-wide shift of 5 places; the detachment's leader signs six
   members up in one call (409, nothing written), five (201, all confirmed), then a sixth
   (409, still five);
5. the org department asks for the compliance export filtered by the 创城 campaign; the job
   writes it, and its rows and services are those of the filtered compliance page.

A failed check exits 1. ``--smoke``: a small city (42 communities, roster 2,000).

    .venv/bin/python bench/double_report.py
    .venv/bin/python bench/double_report.py --smoke
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from typing import Any

from _lib import smoke
from _lib.app import fake_wechat, make_app, token_for
from _lib.databases import migrate, prepare_database
from _lib.done_when import (
    Run,
    campaign_export,
    check,
    grid_task,
    team_signup,
    unit_reports_in,
    wish_answered_and_rated,
)
from _lib.report import log, machine_facts
from sqlalchemy import func, select

from sunshine import demo
from sunshine.access import service as access
from sunshine.access.models import Role
from sunshine.auth.models import Account
from sunshine.bodies.models import CityBody
from sunshine.campaigns.models import Campaign
from sunshine.cobuilding.models import UnitReportIn
from sunshine.demo import XIAOYI, CityShape
from sunshine.detachments.models import Detachment, DetachmentMember
from sunshine.extensions import db
from sunshine.members.models import Member, MemberStatus
from sunshine.org.models import Area, AreaLevel, PartyOrgKind, WorkUnit
from sunshine.reportin.models import ReportIn, ReportInStatus
from sunshine.tasks.models import TaskCategory

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench_double_report"
SMOKE_CITY = CityShape(
    communities_per_street=6,
    villages=11,
    grids_per_community=(2, 2),
    schools=(1, 1, 1),
    roster_size=2000,
)


def _account(openid: str, role: Role | None = None, **scope: int) -> dict[str, str]:
    account = db.session.scalar(select(Account).where(Account.openid == openid))
    if account is None:
        account = Account(openid=openid)
        db.session.add(account)
        db.session.flush()
    if role is not None:
        access.create_grant(actor=None, account_id=account.id, role=role, **scope)
    return token_for(account.id)


def setup(shape: CityShape) -> dict[str, Any]:
    """The demo city, and who and what each scenario acts on (in an app context)."""
    started = time.perf_counter()
    log(demo.seed(shape))
    db.session.commit()
    seconds = time.perf_counter() - started
    city = db.session.scalars(select(Area).where(Area.division_code == demo.CITY[1])).one()
    first = db.session.scalars(
        select(Area).where(Area.level == AreaLevel.COMMUNITY).order_by(Area.id)
    ).first()
    assert first is not None
    grids = list(
        db.session.scalars(select(Area).where(Area.parent_id == first.id).order_by(Area.id))
    )
    reported = select(UnitReportIn.unit_id)
    unit_id = db.session.scalars(
        select(Member.unit_id)
        .where(Member.status == MemberStatus.VERIFIED, Member.unit_id.not_in(reported))
        .group_by(Member.unit_id)
        .having(func.count() >= 2)
        .order_by(Member.unit_id)
    ).first()
    unit = db.session.get_one(WorkUnit, unit_id)
    target = unit.paired_communities[0]
    demo_member = db.session.scalars(
        select(Member)
        .join(Account, Account.id == Member.account_id)
        .where(Account.openid == demo.DEMO_MEMBER_OPENID)
    ).one()

    def placed(grid: Area) -> Member:
        return db.session.scalars(
            select(Member)
            .join(ReportIn, ReportIn.member_id == Member.id)
            .where(
                ReportIn.grid_id == grid.id,
                ReportIn.status == ReportInStatus.ACTIVE,
                Member.id != demo_member.id,
            )
            .order_by(Member.id)
        ).first()  # type: ignore[return-value]

    detachment = db.session.scalars(
        select(Detachment).where(Detachment.leader_member_id == demo_member.id)
    ).one()
    active = select(ReportIn.member_id).where(ReportIn.status == ReportInStatus.ACTIVE)
    team = list(
        db.session.scalars(
            select(DetachmentMember.member_id)
            .where(
                DetachmentMember.detachment_id == detachment.id,
                DetachmentMember.left_at.is_(None),
                DetachmentMember.member_id != demo_member.id,
                DetachmentMember.member_id.in_(active),
            )
            .order_by(DetachmentMember.member_id)
            .limit(6)
        )
    )
    grid_member, other_member = placed(grids[0]), placed(grids[1])
    data = {
        "seed_seconds": seconds,
        "city": city.id,
        "unit": unit.id,
        "party_org": next(o.id for o in unit.party_orgs if o.kind != PartyOrgKind.BRANCH),
        "target": target.id,
        "unit_members": list(
            db.session.scalars(select(Member.id).where(Member.unit_id == unit.id).limit(2))
        ),
        "first": first.id,
        "grid": grids[0].id,
        "category": db.session.scalars(select(TaskCategory.id).order_by(TaskCategory.id)).first(),
        "centre": db.session.scalars(select(CityBody.id).order_by(CityBody.id)).first(),
        "detachment": detachment.id,
        "team": team,
        "campaign": db.session.scalars(select(Campaign.id).where(Campaign.name == "创城")).one(),
        "unit_admin": _account("bench-unit-admin", Role.UNIT_ADMIN, unit_id=unit.id),
        "target_admin": _account("bench-target-admin", Role.COMMUNITY_ADMIN, area_id=target.id),
        "community": _account("demo-community"),
        "resident": _account("bench-resident"),
        "liaison": token_for(demo_member.account_id),
        "grid_member": token_for(grid_member.account_id),
        "other_member": token_for(other_member.account_id),
        "centre_admin": _account("demo-centre"),
        "org": _account("demo-org"),
    }
    db.session.commit()
    check(len(team) == 6, "the detachment has six members free to sign up")
    return data


def report(run: Run, d: dict[str, Any], feeds: list[float], job: float, backend: str) -> None:
    print(f"# Issue 17 done-when over HTTP, {backend}\n")
    print("\n".join(machine_facts()))
    print(f"\nThe demo city loaded (`demo.seed`) in {d['seed_seconds']:.1f} s.\n")
    print("| scenario | step | ms |\n|---|---|---|")
    seen = set()
    for scenario, step, seconds in run.rows:
        if step == "grid member's feed":
            if step in seen:
                continue
            seen.add(step)
            print(
                f"| {scenario} | grid member's feed, p50 / max of {len(feeds)} | "
                f"{statistics.median(feeds) * 1000:.1f} / {max(feeds) * 1000:.1f} |"
            )
            continue
        print(f"| {scenario} | {step} | {seconds * 1000:.1f} |")
    print(f"| campaign export | the job writing the xlsx | {job * 1000:.1f} |")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help=f"database to WIPE and use (default {DEFAULT_URL})")
    parser.add_argument("--feeds", type=int, default=20, help="timed feed requests")
    parser.add_argument("--allow-any-database", action="store_true")
    smoke.add_argument(parser)
    args = parser.parse_args(argv)
    smoke.apply(args, feeds=3)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = smoke.database_url(args, DEFAULT_URL)
    backend = prepare_database(url, args.allow_any_database)
    with fake_wechat() as fake, tempfile.TemporaryDirectory(prefix="sunshine-bench-") as tmp:
        app = make_app(url, fake=fake)
        app.config["EXPORT_DIR"] = tmp
        migrate(app)
        with app.app_context():
            log("loading the demo city…")
            d = setup(SMOKE_CITY if args.smoke else XIAOYI)
        run = Run(app.test_client())
        unit_reports_in(run, d)
        wish_answered_and_rated(run, d)
        feeds = grid_task(run, d, args.feeds)
        with app.app_context():
            team_signup(run, d)
        job = campaign_export(run, app, d)
    report(run, d, feeds, job, backend)
    return 0


if __name__ == "__main__":
    sys.exit(main())
