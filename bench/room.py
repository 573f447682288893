"""Room: a workshop of 100 active participants (notes, dots on notes and proposals, proposals)
and 300 watchers (streaming only), across two uvicorn processes on PostgreSQL + Redis (issue 15;
issue 6 measured 30).

Each participant is two things at once, as in a browser: a live stream of the room (raw asyncio
socket; half the streams on each web process) and an htmx client that loops: think, then add a
note, put a dot on a note or a proposal, or propose a change in words (POST, as the room's forms
do). A watcher is a member of the model who only streams the room. Every successful action
publishes one room event naming its actor; latency is from the moment the action's request was
sent to the event's arrival at each OTHER stream, participants' and watchers' alike (what the
others feel: request, commit, publish, Redis, fan-out). A participant's actions are sequential,
so its k-th event on a stream is its k-th successful action. Meanwhile one more client loads the
room page and its notes partial every two seconds: their response times are the room page's
server time under this load (loopback, so network time is nil).

    python -m bench.room --database-url URL --redis-url URL --out FILE \
        [--participants 100] [--watchers 300] [--think 5,15]

The database is this step's own (created afresh: bench databases start with opmodel_bench).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import secrets
import time
from collections import defaultdict
from typing import Any

from bench.db import reset_database, setup_django
from bench.live import SseClient
from bench.servers import raise_open_files, server_env, uvicorn_processes
from bench.stats import summary

TARGET_P95_MS = 250.0  # issue 15: p95 < 250 ms from action to every other browser
TARGET_P99_MS = 1000.0  # and p99 < 1 s


def build_room(participants: int, watchers: int = 0) -> dict[str, Any]:
    """Migrate; a small model, a facilitator, ``participants`` people in a live workshop and
    ``watchers`` viewers of the model who follow the room."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from opmodel.models import Role
    from opmodel.services import member_add, operating_model_create
    from workshops import services
    from workshops.models import Phase

    call_command("migrate", verbosity=0, interactive=False)
    users = get_user_model()
    facilitator = users.objects.create_user(username="room-facilitator")
    model = operating_model_create(actor=facilitator, name="Room bench", organisation="Bench")
    workshop = services.workshop_create(
        operating_model=model,
        actor=facilitator,
        title=f"{participants} people in a room",
        sections=["canvas.stages"],
        starts_at=timezone.now() + timedelta(hours=1),
        vote_budget=30_000,  # the bench measures events, not the budget
    )
    for phase in (Phase.INVITE, Phase.WORKSHOP):
        if workshop.phase != phase:
            workshop = services.workshop_transition(
                workshop=workshop, actor=facilitator, to_phase=phase
            )
    people = []
    for i in range(participants):
        user = users.objects.create_user(username=f"room-participant-{i:02d}")
        member_add(operating_model=model, actor=facilitator, user=user, role=Role.PARTICIPANT)
        services.attendee_add(workshop=workshop, actor=facilitator, user=user)
        client = Client()
        client.force_login(user)
        people.append({"id": user.pk, "cookie": client.cookies["sessionid"].value})
    audience = []
    for i in range(watchers):
        user = users.objects.create_user(username=f"room-watcher-{i:03d}")
        member_add(operating_model=model, actor=facilitator, user=user, role=Role.VIEWER)
        client = Client()
        client.force_login(user)
        audience.append({"id": user.pk, "cookie": client.cookies["sessionid"].value})
    # notes and proposals to vote on from the start
    seeds = [
        services.note_add(workshop=workshop, actor=facilitator, text=f"Seed idea {i}").pk
        for i in range(10)
    ]
    proposals = [
        services.proposal_create(
            workshop=workshop,
            actor=facilitator,
            section="canvas.stages",
            kind="idea",
            rationale=f"Seed proposal {i}",
        ).pk
        for i in range(5)
    ]
    return {
        "slug": model.slug,
        "workshop": workshop.pk,
        "people": people,
        "watchers": audience,
        "seed_notes": seeds,
        "seed_proposals": proposals,
    }


class RoomStream(SseClient):
    """One participant's live stream: notes the arrival of each room event by actor."""

    def __init__(self, request: bytes, me: int, tally: Tally) -> None:
        super().__init__(request)
        self.me = me
        self.tally = tally
        self.seen: dict[int, int] = defaultdict(int)  # actor -> events of it seen so far

    def on_event(self, data: dict[str, Any], now: float) -> None:
        if data.get("type") == "poll":
            self.tally.polls += 1
            return
        actor = data.get("actor_id")
        parts = data.get("parts", ())
        if not {"notes", "proposals", "ballot"} & set(parts) or actor is None:
            return  # presence and other room events (a hidden dot names only "ballot")
        if actor == self.me:
            return  # one's own actions
        self.seen[actor] += 1
        self.tally.arrivals[(actor, self.seen[actor])].append(now)

    def dropped(self) -> None:
        self.tally.dropped += 1


class Tally:
    def __init__(self) -> None:
        self.arrivals: dict[tuple[int, int], list[float]] = defaultdict(list)
        self.sent: dict[tuple[int, int], float] = {}
        self.requests: dict[str, list[float]] = {
            "note": [],
            "vote": [],
            "proposal": [],
            "proposal-vote": [],
        }
        self.pages: dict[str, list[float]] = {"room": [], "notes": []}
        self.errors: list[str] = []
        self.dropped = 0
        self.polls = 0


async def _participant(
    person: dict[str, Any],
    base: str,
    room: dict[str, Any],
    deadline: float,
    think: tuple[float, float],
    tally: Tally,
) -> None:
    import httpx

    rng = random.Random(person["id"])
    csrf = secrets.token_hex(16)  # a valid unmasked CSRF secret
    prefix = f"/m/{room['slug']}/workshops/{room['workshop']}"
    done = 0
    async with httpx.AsyncClient(
        base_url=base,
        cookies={"sessionid": person["cookie"], "csrftoken": csrf},
        headers={"HX-Request": "true", "X-CSRFToken": csrf},
        timeout=10,
    ) as client:
        await asyncio.sleep(rng.uniform(0, think[1]))  # not all at the same instant
        while time.monotonic() < deadline:
            kind = rng.choices(ACTIONS, weights=WEIGHTS)[0]
            if kind == "note":
                path, data = f"{prefix}/notes/", {"kind": "idea", "text": f"Idea {done + 1}"}
            elif kind == "vote":
                path, data = f"{prefix}/votes/", {"note": str(rng.choice(room["seed_notes"]))}
            elif kind == "proposal-vote":
                path = f"{prefix}/votes/"
                data = {"proposal": str(rng.choice(room["seed_proposals"]))}
            else:
                path = f"{prefix}/proposals/new/"
                data = {
                    "section": "canvas.stages",
                    "kind": "idea",
                    "rationale": f"Proposal {done + 1}",
                }
            sent = time.time()
            started = time.perf_counter()
            try:
                response = await client.post(path, data=data)
            except httpx.HTTPError as error:
                tally.errors.append(f"{kind} {type(error).__name__}")
            else:
                tally.requests[kind].append(time.perf_counter() - started)
                if response.status_code == 200:
                    done += 1
                    tally.sent[(person["id"], done)] = sent
                else:
                    tally.errors.append(f"{kind} {response.status_code}")
            await asyncio.sleep(rng.uniform(*think))


ACTIONS = ["note", "vote", "proposal", "proposal-vote"]
WEIGHTS = [4, 3, 1, 2]


async def _pages(
    person: dict[str, Any], base: str, room: dict[str, Any], deadline: float, tally: Tally
) -> None:
    """Load the room page and its notes partial every two seconds, as a newcomer would."""
    import httpx

    prefix = f"/m/{room['slug']}/workshops/{room['workshop']}/room/"
    async with httpx.AsyncClient(
        base_url=base, cookies={"sessionid": person["cookie"]}, timeout=20
    ) as client:
        while time.monotonic() < deadline:
            for name, path, headers in (
                ("room", prefix, {}),
                ("notes", f"{prefix}notes/", {"HX-Request": "true"}),
            ):
                started = time.perf_counter()
                try:
                    response = await client.get(path, headers=headers)
                except httpx.HTTPError as error:
                    tally.errors.append(f"page {name} {type(error).__name__}")
                    continue
                if response.status_code == 200:
                    tally.pages[name].append(time.perf_counter() - started)
                else:
                    tally.errors.append(f"page {name} {response.status_code}")
            await asyncio.sleep(2.0)


async def _connect(
    bases: list[str], room: dict[str, Any], tally: Tally, people: list[dict[str, Any]]
) -> list[RoomStream]:
    loop = asyncio.get_running_loop()
    path = f"/m/{room['slug']}/workshops/{room['workshop']}/events/"
    gate = asyncio.Semaphore(50)  # open the streams 50 at a time, as a room fills up

    async def one(i: int, person: dict[str, Any]) -> RoomStream:
        async with gate:
            return await _open(i, person)

    async def _open(i: int, person: dict[str, Any]) -> RoomStream:
        host, port = bases[i % len(bases)].removeprefix("http://").split(":")
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n"
            f"Cookie: sessionid={person['cookie']}\r\n\r\n"
        ).encode()
        _transport, stream = await asyncio.wait_for(
            loop.create_connection(
                lambda: RoomStream(request, person["id"], tally), host, int(port)
            ),
            10,
        )
        await asyncio.wait_for(stream.ready, 15)
        return stream

    return list(await asyncio.gather(*(one(i, p) for i, p in enumerate(people))))


async def run(args: argparse.Namespace, room: dict[str, Any]) -> dict[str, Any]:
    env = server_env(args.database_url, args.redis_url, args.prefix)
    tally = Tally()
    streams: list[RoomStream] = []
    people = room["people"]
    watchers = room["watchers"]
    with uvicorn_processes(2, env, "room") as bases:
        try:
            began = time.perf_counter()
            streams = await _connect(bases, room, tally, people + watchers)
            connect_s = time.perf_counter() - began
            await asyncio.sleep(2.0)  # the presence events of everyone joining settle
            deadline = time.monotonic() + args.seconds
            await asyncio.wait_for(
                asyncio.gather(
                    _pages(people[0], bases[0], room, deadline, tally),
                    *(
                        _participant(p, bases[i % 2], room, deadline, args.think, tally)
                        for i, p in enumerate(people)
                    ),
                ),
                timeout=args.seconds + 60,
            )
            await asyncio.sleep(2.0)  # the last events arrive
            dropped = tally.dropped  # before we close them ourselves
        finally:
            for stream in streams:
                if stream.transport is not None:
                    stream.transport.close()
    mine = resource.getrusage(resource.RUSAGE_SELF)
    servers = resource.getrusage(resource.RUSAGE_CHILDREN)  # the stopped uvicorn processes
    latencies = [
        when - tally.sent[key]
        for key, arrived in tally.arrivals.items()
        if key in tally.sent
        for when in arrived
    ]
    expected = len(tally.sent) * (len(people) + len(watchers) - 1)
    received = sum(len(v) for k, v in tally.arrivals.items() if k in tally.sent)
    unmatched = sum(len(v) for k, v in tally.arrivals.items() if k not in tally.sent)
    requests = [t for times in tally.requests.values() for t in times]
    event = summary(latencies)
    ok = (
        event["p95_ms"] < TARGET_P95_MS
        and event["p99_ms"] < TARGET_P99_MS
        and expected == received
        and not tally.errors
    )
    return {
        "cpu_s_driver": mine.ru_utime + mine.ru_stime,
        "cpu_s_servers": servers.ru_utime + servers.ru_stime,
        "participants": len(people),
        "watchers": len(watchers),
        "streams": len(people) + len(watchers),
        "servers": 2,
        "seconds": args.seconds,
        "think_s": list(args.think),
        "connect_s": connect_s,
        "actions": len(tally.sent),
        "notes": len(tally.requests["note"]),
        "votes": len(tally.requests["vote"]) + len(tally.requests["proposal-vote"]),
        "proposals": len(tally.requests["proposal"]),
        "actions_per_s": len(tally.sent) / args.seconds,
        "expected_deliveries": expected,
        "deliveries": received,
        "missing": expected - received,
        "unmatched": unmatched,
        "errors": len(tally.errors),
        "error_kinds": sorted(set(tally.errors))[:10],
        "dropped_streams": dropped,
        "polls": tally.polls,
        "event": event,
        "request": summary(requests),
        "room_page": summary(tally.pages["room"]),
        "notes_partial": summary(tally.pages["notes"]),
        "target_p95_ms": TARGET_P95_MS,
        "target_p99_ms": TARGET_P99_MS,
        "met": ok,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True, help="created afresh: opmodel_bench*")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--prefix", default=f"opmodel-bench-{os.getpid()}")
    parser.add_argument("--out", required=True)
    parser.add_argument("--participants", type=int, default=100)
    parser.add_argument("--watchers", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--think", default="5,15", help="think time range in seconds")
    args = parser.parse_args()
    low, high = (float(x) for x in args.think.split(","))
    args.think = (low, high)
    raise_open_files(4096)
    reset_database(args.database_url)
    setup_django(args.database_url)
    room = build_room(args.participants, args.watchers)
    result = asyncio.run(run(args, room))
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(result, out, indent=1)
    print(json.dumps({k: v for k, v in result.items() if k != "error_kinds"}))


if __name__ == "__main__":
    main()
