#!/usr/bin/env python3
"""Cross-check of labelsim's SQS model (P1, P2, P4, P5, P9) against a real
SQS-compatible server (moto, started by tests/sqs/run.sh).

For each small deterministic pipeline scenario (tests/sqs/scenarios/*.yaml):

1. `labelsim run SCENARIO --json --replications 1` gives the simulated
   ledger of the scenario's queue and consumer pool;
2. the same scenario is played against the server with real SendMessage,
   ReceiveMessage, DeleteMessage(Batch) and ChangeMessageVisibility calls:
   the producer's sends at their times, one thread per poller running the
   P5 loop (receive up to `batch`, process each message for its constant
   `processing_time`, delete it or the batch, heartbeats with
   `extend_visibility`), the scenario's times taken as seconds of wall time
   until its horizon;
3. the two ledgers are compared (received, processed, deleted, redelivered,
   dead-lettered, FIFO deduplicated, order within the FIFO group, ...) and
   printed as a table per scenario;
4. each scenario must have moved messages on both sides: sent, received,
   processed and deleted above 0, except the rows EXPECTED_ZERO names (two
   all-zero ledgers agree, and prove nothing).

Exit status: 0 when every row agrees (or differs only by a documented moto
deviation) and every scenario moved messages, 1 on a mismatch or a scenario
that moved nothing, 2 when a scenario cannot be run or there is none.

`--self-test` checks the checker: the broken scenarios of tests/sqs/selftest/
(one sends nothing, one receives nothing, one deletes nothing) must each
fail on the row that shows it, and an empty scenario folder must be an
error.

Where moto departs from the SQS documentation the script does not copy it:
tests/sqs/README.md lists each deviation (D1, D2, ...), what AWS says, what
moto does, and what this script does about it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import yaml
from botocore.config import Config
from botocore.exceptions import ClientError

# A long poll is emulated by short polls this far apart [s] (README, D2).
POLL_STEP_S = 0.1

# Documented moto deviations a scenario is expected to show: scenario name
# -> (README reference, {row: the value moto gives}). A row whose server
# value is the one listed is reported as the deviation, not as a mismatch.
KNOWN_DEVIATIONS = {
    "sqs-fifo-dedup-after-delete": (
        "D3",
        # The retry of the deleted m1 is enqueued again and goes round.
        {
            "enqueued": 4,
            "fifo_deduplicated": 2,
            "received": 4,
            "processed": 4,
            "deleted": 4,
        },
    ),
}


# Rows that must be above 0 on both sides (a scenario that moves nothing
# would pass every comparison), and the scenarios where one of them is 0 on
# purpose: scenario name -> rows expected to be 0.
MUST_MOVE = ("sent", "received", "processed", "deleted")
EXPECTED_ZERO = {
    # The visibility-timeout trap: every delete fails (README's table).
    "sqs-trap": {"deleted"},
}
# The verdict of a row that should have moved messages and did not.
NOTHING_MOVED = "NOTHING MOVED"


class ScenarioError(Exception):
    """The scenario is outside what the cross-check can replay (fatal for it)."""


# ----- the scenario, as far as the replay needs it ---------------------------

_DURATION = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|min|h|d)\s*$")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


def seconds(text, what: str) -> float:
    """A labelsim duration (`2s`, `500ms`, `1m`) in seconds."""
    m = _DURATION.match(str(text))
    if not m:
        raise ScenarioError(f"{what}: `{text}` is not a duration like 2s or 500ms")
    return float(m.group(1)) * _UNIT_S[m.group(2)]


def whole_seconds(value: float, what: str) -> int:
    """SQS takes whole seconds for visibility timeouts, waits and delays."""
    if abs(value - round(value)) > 1e-9:
        raise ScenarioError(f"{what}: SQS takes whole seconds, not {value} s")
    return int(round(value))


def constant_s(dist, what: str) -> float:
    if not isinstance(dist, dict) or dist.get("dist") != "constant":
        raise ScenarioError(f"{what}: only `{{dist: constant, value: ...}}` can be replayed")
    return seconds(dist["value"], what)


@dataclass
class Send:
    at_s: float
    obj: int  # the object's index; a retry repeats it
    group: str
    retry: bool


@dataclass
class Plan:
    name: str
    path: Path
    horizon_s: float
    queue: str
    fifo: bool
    visibility_s: int
    delay_s: int
    max_receive_count: int | None
    content_dedup: bool
    groups: int
    consumer: str
    count: int
    batch: int
    wait_s: int
    poll_interval_s: float
    processing_s: float
    delete_batch: bool
    extend_visibility: bool
    sends: list[Send] = field(default_factory=list)
    # A2 target tracking (issue 21): the controller the replay runs, or None
    # for a fixed pool of `count` pollers.
    scaling: TargetTracking | None = None


@dataclass
class TargetTracking:
    """A2, as docs/model.md states it: every `poll_interval` from the start,
    desired = ceil((visible [+ in flight]) / messages_per_poller) clamped to
    [min, max]; above the current count (running + starting - retiring) the
    missing pollers start, ready `startup` later; below it the count goes to
    the largest desired count of the ticks in (now - window, now]: starting
    pollers are cancelled first, then waiting ones stop at once, then busy
    ones retire after their batch."""

    min: int
    max: int
    messages_per_poller: int
    poll_interval_s: float
    startup_s: float
    scale_in_window_s: float
    count_in_flight: bool

    def ticks(self, horizon_s: float) -> list[float]:
        n = 1
        out = []
        while n * self.poll_interval_s <= horizon_s + 1e-9:
            out.append(n * self.poll_interval_s)
            n += 1
        return out


def load_plan(path: Path) -> Plan:
    doc = yaml.safe_load(path.read_text())
    name = doc.get("name", path.stem)
    horizon = seconds(doc["horizon"], "horizon")
    pipe = doc.get("pipeline") or {}
    queues, consumers = pipe.get("queues") or [], pipe.get("consumers") or []
    if len(queues) != 1 or len(consumers) != 1:
        raise ScenarioError("one queue and one consumer pool only")
    q, c = queues[0], consumers[0]
    if c.get("queue") != q["name"]:
        raise ScenarioError("the consumer must read the queue")
    fifo = q.get("type", "standard") == "fifo"
    if float(q.get("duplicate_probability", 0)) != 0:
        raise ScenarioError("queue `duplicate_probability` must be 0 (random copies)")
    groups = int(q.get("groups", 1))
    if fifo and groups != 1:
        raise ScenarioError("FIFO: one group only (labelsim assigns groups by a hash)")
    if seconds(c.get("request_latency", "20ms"), "request_latency") != 0:
        raise ScenarioError("set `request_latency: 0ms` (the server has its own)")
    for key in ("failure_probability", "poison_probability"):
        if float(c.get(key, 0)) != 0:
            raise ScenarioError(f"consumer `{key}` must be 0 (random failures)")
    wait = seconds(c.get("wait", "20s"), "wait")
    dl = q.get("dead_letter")
    scaling = None
    if c.get("scaling") is not None:
        sc = c["scaling"]
        if sc.get("kind") != "target_tracking":
            raise ScenarioError("scaling: only `kind: target_tracking` is replayed (A2)")
        scaling = TargetTracking(
            min=int(sc.get("min", 1)),
            max=int(sc.get("max", 100)),
            messages_per_poller=int(sc.get("messages_per_poller", 5)),
            poll_interval_s=seconds(sc.get("poll_interval", "30s"), "scaling.poll_interval"),
            startup_s=seconds(sc.get("startup", "30s"), "scaling.startup"),
            scale_in_window_s=seconds(sc.get("scale_in_window", "5m"), "scaling.scale_in_window"),
            count_in_flight=bool(sc.get("count_in_flight", True)),
        )
    plan = Plan(
        name=name,
        path=path,
        horizon_s=horizon,
        queue=q["name"],
        fifo=fifo,
        visibility_s=whole_seconds(
            seconds(q.get("visibility_timeout", "30s"), "visibility_timeout"), "visibility_timeout"),
        delay_s=whole_seconds(seconds(q.get("delay", "0s"), "delay"), "delay"),
        max_receive_count=int(dl["max_receive_count"]) if dl else None,
        content_dedup=q.get("deduplication", "message_id") == "content",
        groups=groups,
        consumer=c["name"],
        count=scaling.max if scaling else int(c.get("count", 1)),
        batch=int(c.get("batch", 1)),
        wait_s=whole_seconds(wait, "wait"),
        poll_interval_s=seconds(c.get("poll_interval", "1s"), "poll_interval"),
        processing_s=constant_s(c.get("processing_time"), "processing_time"),
        delete_batch=c.get("delete", "message") == "batch",
        extend_visibility=bool(c.get("extend_visibility", False)),
        scaling=scaling,
    )
    obj = 0
    for p in doc.get("producers") or []:
        if p.get("to") != plan.queue:
            raise ScenarioError(f"producer `{p.get('name')}` must send to `{plan.queue}`")
        if p.get("source", "sns") != "sns":
            raise ScenarioError("`source: s3` has random notification delays; use sns")
        start = seconds(p.get("start", "0s"), "start")
        kind = p.get("kind")
        if kind == "burst":
            size, every = int(p["size"]), seconds(p["every"], "every")
            times = []
            t = start
            while t < horizon:
                times += [t] * size
                t += every
        elif kind == "manifest":
            times = [start] * int(p["count"])
        else:
            raise ScenarioError(f"producer kind `{kind}`: only burst and manifest are replayed")
        if "limit" in p:
            times = times[: int(p["limit"])]
        dup = p.get("duplicates") or {}
        retry = float(dup.get("producer_retry", 0))
        if retry not in (0.0, 1.0) or any(
            float(dup.get(k, 0)) for k in ("sns_redelivery", "s3_event_duplicate", "reupload")
        ):
            raise ScenarioError("duplicates: only `producer_retry` 0 or 1 is replayed")
        retry_delay = seconds(dup.get("delay", "1m"), "duplicates.delay")
        group = f"{p.get('name', 'p')}" if p.get("group_by") == "producer" else "g0"
        for t in times:
            plan.sends.append(Send(t, obj, group, False))
            if retry == 1.0 and t + retry_delay < horizon:
                plan.sends.append(Send(t + retry_delay, obj, group, True))
            obj += 1
    plan.sends.sort(key=lambda s: (s.at_s, s.retry, s.obj))
    return plan


# ----- labelsim's side -------------------------------------------------------


def run_labelsim(binary: str, plan: Plan, out: Path) -> dict:
    cmd = [binary, "run", str(plan.path), "--json", "--replications", "1",
           "--out", str(out), "--no-charts"]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise ScenarioError(f"labelsim failed ({res.returncode}): {res.stderr.strip()}")
    run = json.loads(res.stdout)["runs"][0]
    if plan.scaling:
        run["pollers_at"] = pollers_series(plan, out / "timeseries.csv")
    return run


def pollers_series(plan: Plan, path: Path) -> dict[float, int]:
    """A4: `<consumer>.pollers` of timeseries.csv at each controller tick
    (a sample is the instant's final state, after the tick's decision); the
    scenario must sample at its ticks (`output.timeseries_every`)."""
    import csv

    col = f"{plan.consumer}.pollers"
    with path.open() as f:
        rows = {round(float(r["t_s"]), 6): r[col] for r in csv.DictReader(f)}
    out = {}
    for t in plan.scaling.ticks(plan.horizon_s):
        v = rows.get(round(t, 6))
        if v is None:
            raise ScenarioError(f"timeseries.csv has no sample at the tick {t:g} s: set "
                                "`output.timeseries_every` to divide `scaling.poll_interval`")
        out[t] = int(float(v))
    return out


# ----- the server's side -----------------------------------------------------


@dataclass
class Slot:
    """A2: one poller of an autoscaled pool, as the controller sees it."""

    ready_at: float
    state: str = "starting"  # starting | waiting | busy | off
    stop: bool = False  # stop now (cancelled while starting, or waiting)
    retiring: bool = False  # stop after the batch under way


@dataclass
class Held:
    """A received message a poller holds (P5)."""

    msg_id: str
    handle: str
    received_at: float
    next_heartbeat: float


class Replay:
    """Plays a plan against the server and keeps the server-side ledger."""

    def __init__(self, plan: Plan, endpoint: str, server_long_poll: bool = False,
                 send_outdated_deletes: bool = False, verbose: bool = False,
                 break_controller: bool = False):
        self.plan, self.endpoint = plan, endpoint
        # --self-test only: a controller that ignores its scale-in window.
        self.break_controller = break_controller
        self.server_long_poll, self.verbose = server_long_poll, verbose
        self.send_outdated_deletes = send_outdated_deletes
        self.lock = threading.Lock()
        self.c = dict.fromkeys(
            ["sent", "received", "processed", "deleted", "delete_failures",
             "outdated_deletes", "server_rejected_deletes", "noop_deletes", "receive_requests",
             "empty_receives", "heartbeats", "delete_requests"], 0)
        self.send_seq: dict[str, int] = {}  # MessageId -> send order
        self.msg_group: dict[str, str] = {}
        self.latest_handle: dict[str, str] = {}  # MessageId -> newest receipt handle
        self.max_receive_count: dict[str, int] = {}  # ApproximateReceiveCount seen
        self.receives: list[tuple[float, str]] = []  # (time, MessageId), in order
        self.deleted_at: dict[str, float] = {}  # delete request start
        self.holds: list[tuple[str, float, float]] = []  # (MessageId, from, to)
        self.t0 = 0.0
        self.horizon = 0.0
        self.initial_sent = threading.Event()
        # A2: the pool's pollers and the controller's ledger (issue 21).
        self.slots: list[Slot] = []
        self.threads: list[threading.Thread] = []
        self.running = self.starting = self.retiring = 0
        self.pollers_max = 0
        self.pollers_at: dict[float, int] = {}
        self.scale_outs = self.scale_ins = 0
        self.history: list[tuple[float, int]] = []

    # -- plumbing

    def client(self):
        cfg = Config(retries={"max_attempts": 1, "mode": "standard"},
                     connect_timeout=5, read_timeout=60, max_pool_connections=4)
        return boto3.client("sqs", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing",
                            config=cfg)

    def now(self) -> float:
        return time.monotonic() - self.t0

    def log(self, who: str, what: str):
        if self.verbose:
            print(f"    {self.now():6.2f}s {who:>9} {what}", flush=True)

    def sleep_until(self, t: float):
        d = self.t0 + t - time.monotonic()
        if d > 0:
            time.sleep(d)

    # -- setup

    def create_queues(self, cl):
        p = self.plan
        base = re.sub(r"[^A-Za-z0-9_-]", "-", f"{p.name}-{os.getpid()}-{int(time.time() * 1000) % 10**6}")[:60]
        suffix = ".fifo" if p.fifo else ""
        attrs = {"VisibilityTimeout": str(p.visibility_s), "DelaySeconds": str(p.delay_s)}
        if p.fifo:
            attrs["FifoQueue"] = "true"
            attrs["ContentBasedDeduplication"] = "true" if p.content_dedup else "false"
        self.dlq_url = None
        if p.max_receive_count is not None:
            dlq_attrs = {"FifoQueue": "true"} if p.fifo else {}
            self.dlq_url = cl.create_queue(QueueName=f"{base}-dlq{suffix}", Attributes=dlq_attrs)["QueueUrl"]
            arn = cl.get_queue_attributes(QueueUrl=self.dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            attrs["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": arn, "maxReceiveCount": p.max_receive_count})
        self.url = cl.create_queue(QueueName=f"{base}{suffix}", Attributes=attrs)["QueueUrl"]

    # -- producer

    def producer(self, cl):
        p = self.plan
        first_at = p.sends[0].at_s if p.sends else 0.0
        for s in p.sends:
            if s.at_s > first_at and not self.initial_sent.is_set():
                self.initial_sent.set()
            if s.at_s >= p.horizon_s:
                break
            self.sleep_until(s.at_s)
            kw = {"QueueUrl": self.url, "MessageBody": json.dumps({"object": s.obj})}
            if p.fifo:
                kw["MessageGroupId"] = s.group
                if not p.content_dedup:
                    kw["MessageDeduplicationId"] = f"object-{s.obj}"
            mid = cl.send_message(**kw)["MessageId"]
            with self.lock:
                self.c["sent"] += 1
                self.send_seq.setdefault(mid, len(self.send_seq))
                self.msg_group.setdefault(mid, s.group)
            self.log("producer", f"send object {s.obj}{' (retry)' if s.retry else ''} -> {mid[:8]}")
        self.initial_sent.set()

    # -- consumers (P5)

    def receive(self, cl, who: str, slot: Slot | None = None) -> list[dict]:
        """One ReceiveMessage as the scenario polls: long polling emulated by
        short polls POLL_STEP_S apart (README, D2) unless --server-long-poll.
        A poller the controller stops while it waits abandons the poll."""
        p = self.plan
        kw = {"QueueUrl": self.url, "MaxNumberOfMessages": p.batch,
              "MessageSystemAttributeNames": ["All"]}
        start = self.now()
        while True:
            if slot is not None and slot.stop:
                return []
            wait = 0
            if p.wait_s and self.server_long_poll:
                wait = max(0, min(p.wait_s, int(self.plan.horizon_s - self.now())))
            msgs = cl.receive_message(WaitTimeSeconds=wait, **kw).get("Messages", [])
            with self.lock:
                self.c["receive_requests"] += 1
            t = self.now()
            if msgs or p.wait_s == 0 or self.server_long_poll:
                break
            if t >= start + p.wait_s or t + POLL_STEP_S >= p.horizon_s:
                break
            time.sleep(POLL_STEP_S)
        t = self.now()
        if not msgs:
            with self.lock:
                self.c["empty_receives"] += 1
            return []
        if t >= p.horizon_s:
            # Received after the horizon: labelsim would not count it; the
            # run is over, so leave the messages to their visibility timeout.
            return []
        with self.lock:
            for m in msgs:
                mid = m["MessageId"]
                self.c["received"] += 1
                self.latest_handle[mid] = m["ReceiptHandle"]
                self.receives.append((t, mid))
                n = int(m.get("Attributes", {}).get("ApproximateReceiveCount", "0"))
                self.max_receive_count[mid] = max(self.max_receive_count.get(mid, 0), n)
                self.msg_group.setdefault(mid, m.get("Attributes", {}).get("MessageGroupId", "g0"))
        self.log(who, "receive " + ", ".join(
            f"{m['MessageId'][:8]} (#{m.get('Attributes', {}).get('ApproximateReceiveCount')})" for m in msgs))
        return msgs

    def heartbeats_until(self, cl, who: str, until: float, held: list[Held]) -> bool:
        """Sleeps until `until` [s], sending ChangeMessageVisibility for each
        held message every half visibility timeout (extend_visibility).
        False when the horizon comes first."""
        p = self.plan
        period = p.visibility_s / 2
        while True:
            nxt = min([h.next_heartbeat for h in held], default=float("inf")) \
                if p.extend_visibility else float("inf")
            stop = min(until, nxt, p.horizon_s)
            self.sleep_until(stop)
            if stop >= p.horizon_s and until > p.horizon_s:
                return False
            if stop == nxt:
                for h in held:
                    if h.next_heartbeat <= stop:
                        cl.change_message_visibility(QueueUrl=self.url, ReceiptHandle=h.handle,
                                                     VisibilityTimeout=p.visibility_s)
                        h.next_heartbeat += period
                        with self.lock:
                            self.c["heartbeats"] += 1
                        self.log(who, f"heartbeat {h.msg_id[:8]}")
            if stop >= until:
                return True

    def outdated(self, h: Held) -> bool:
        """README, D1: SQS ignores a delete with a receipt handle that is not
        the message's newest; moto would delete the message, so such a
        delete is counted as failed here and not sent (unless
        --send-outdated-deletes, to show the deviation)."""
        if self.send_outdated_deletes:
            return False
        with self.lock:
            if self.latest_handle.get(h.msg_id) != h.handle:
                self.c["delete_failures"] += 1
                self.c["outdated_deletes"] += 1
                self.c["delete_requests"] += 1
                return True
        return False

    def delete(self, cl, who: str, h: Held):
        if self.outdated(h):
            self.log(who, f"delete {h.msg_id[:8]}: outdated handle (not sent, D1)")
            return
        t = self.now()
        try:
            cl.delete_message(QueueUrl=self.url, ReceiptHandle=h.handle)
            ok = True
        except ClientError as e:
            if e.response["Error"]["Code"] != "ReceiptHandleIsInvalid":
                raise
            ok = False
        with self.lock:
            self.c["delete_requests"] += 1
            self.count_delete(h.msg_id, ok, t)
            self.holds.append((h.msg_id, h.received_at, t))
        self.log(who, f"delete {h.msg_id[:8]}: {'ok' if ok else 'ReceiptHandleIsInvalid'}")

    def count_delete(self, msg_id: str, ok: bool, t: float):
        """A delete the server answered (under the lock). One that succeeds
        for a message already deleted removed nothing: labelsim counts it
        as a failed delete, and so does this ledger."""
        if ok and msg_id not in self.deleted_at:
            self.c["deleted"] += 1
            self.deleted_at[msg_id] = t
        elif ok:
            self.c["delete_failures"] += 1
            self.c["noop_deletes"] += 1
        else:
            self.c["delete_failures"] += 1
            self.c["server_rejected_deletes"] += 1

    def delete_batch(self, cl, who: str, held: list[Held]):
        current = [h for h in held if not self.outdated(h)]
        if not current:
            return
        t = self.now()
        res = cl.delete_message_batch(QueueUrl=self.url, Entries=[
            {"Id": str(i), "ReceiptHandle": h.handle} for i, h in enumerate(current)])
        ok_ids = {e["Id"] for e in res.get("Successful", [])}
        with self.lock:
            self.c["delete_requests"] += 1
            for i, h in enumerate(current):
                self.count_delete(h.msg_id, str(i) in ok_ids, t)
                self.holds.append((h.msg_id, h.received_at, t))
        self.log(who, f"delete batch of {len(current)}: {len(ok_ids)} ok")

    def poller(self, cl, who: str, slot: Slot | None = None):
        p = self.plan
        self.initial_sent.wait()
        if slot is not None and not self.slot_ready(who, slot):
            return
        while self.now() < p.horizon_s:
            if slot is not None and self.slot_leaves(who, slot):
                return
            msgs = self.receive(cl, who, slot)
            if slot is not None and slot.stop:
                return
            if slot is not None and msgs:
                slot.state = "busy"
            if not msgs:
                if p.wait_s == 0:
                    self.sleep_until(min(self.now() + p.poll_interval_s, p.horizon_s))
                continue
            t = self.now()
            held = [Held(m["MessageId"], m["ReceiptHandle"], t, t + p.visibility_s / 2) for m in msgs]
            for h in list(held):
                if not self.heartbeats_until(cl, who, self.now() + p.processing_s, held):
                    return  # the horizon came during a processing: not counted
                with self.lock:
                    self.c["processed"] += 1
                self.log(who, f"processed {h.msg_id[:8]}")
                if not p.delete_batch:
                    self.delete(cl, who, h)
                    held.remove(h)
            if p.delete_batch:
                self.delete_batch(cl, who, held)

    # -- the A2 controller (issue 21)

    def slot_ready(self, who: str, slot: Slot) -> bool:
        """A started poller waits out its start-up; False if cancelled."""
        while True:
            with self.lock:
                if slot.stop:
                    return False
                if self.now() >= slot.ready_at or slot.state != "starting":
                    if slot.state == "starting":
                        slot.state = "waiting"
                        self.starting -= 1
                        self.running += 1
                        self.pollers_max = max(self.pollers_max, self.running)
                        self.log(who, f"ready ({self.running} running)")
                    return True
            time.sleep(min(0.02, max(0.0, slot.ready_at - self.now())))

    def slot_leaves(self, who: str, slot: Slot) -> bool:
        """Before a receive: a poller told to retire stops here."""
        with self.lock:
            if slot.retiring:
                slot.retiring, slot.state = False, "off"
                self.retiring -= 1
                self.running -= 1
                self.log(who, f"retired after its batch ({self.running} running)")
                return True
            slot.state = "waiting"
            return False

    def start_poller(self, ready_at: float, now_ready: bool):
        """Under the lock: a new poller slot with its own client and thread."""
        slot = Slot(ready_at=ready_at)
        if now_ready:
            slot.state = "waiting"
            self.running += 1
            self.pollers_max = max(self.pollers_max, self.running)
        else:
            self.starting += 1
        self.slots.append(slot)
        who = f"poller {len(self.slots) - 1}"
        t = threading.Thread(target=self.poller, args=(self.client(), who, slot), daemon=True)
        self.threads.append(t)
        t.start()

    def controller(self, cl):
        p, sc = self.plan, self.plan.scaling
        for tick in sc.ticks(p.horizon_s):
            self.sleep_until(tick)
            visible, in_flight, _ = self.queue_levels(cl, self.url)
            backlog = visible + (in_flight if sc.count_in_flight else 0)
            desired = min(max(-(-backlog // sc.messages_per_poller), sc.min), sc.max)
            self.history.append((tick, desired))
            self.history = [(a, d) for a, d in self.history
                            if not (tick - a >= sc.scale_in_window_s - 1e-9 and a < tick)]
            with self.lock:
                current = self.running + self.starting - self.retiring
                if desired > current:
                    self.scale_outs += 1
                    for _ in range(desired - current):
                        busy = [s for s in self.slots if s.retiring]
                        if busy:
                            busy[0].retiring = False
                            self.retiring -= 1
                        else:
                            self.start_poller(tick + sc.startup_s, sc.startup_s == 0)
                else:
                    keep = desired if self.break_controller else max(d for _, d in self.history)
                    if keep < current:
                        self.scale_ins += 1
                        self.retire(current - keep)
                self.pollers_at[tick] = self.running
                self.log("control", f"tick: {visible} visible + {in_flight} in flight -> desired "
                         f"{desired}; {self.running} running, {self.starting} starting, "
                         f"{self.retiring} retiring")

    def retire(self, n: int):
        """Under the lock: starting pollers are cancelled first, then waiting
        ones stop at once, then busy ones retire after their batch."""
        for state in ("starting", "waiting", "busy"):
            for slot in reversed(self.slots):
                if n == 0:
                    return
                if slot.state != state or slot.stop or slot.retiring:
                    continue
                if state == "starting":
                    slot.stop, slot.state = True, "off"
                    self.starting -= 1
                elif state == "waiting":
                    slot.stop, slot.state = True, "off"
                    self.running -= 1
                else:
                    slot.retiring = True
                    self.retiring += 1
                n -= 1

    # -- the whole run

    def run(self) -> dict:
        p = self.plan
        setup = self.client()
        self.create_queues(setup)
        if p.scaling:
            clients = [self.client(), self.client()]
            threads = [threading.Thread(target=self.producer, args=(clients[0],), daemon=True),
                       threading.Thread(target=self.controller, args=(clients[1],), daemon=True)]
            self.t0 = time.monotonic()
            with self.lock:
                for _ in range(p.scaling.min):
                    self.start_poller(0.0, True)
        else:
            clients = [self.client() for _ in range(p.count + 1)]
            threads = [threading.Thread(target=self.producer, args=(clients[0],), daemon=True)]
            threads += [threading.Thread(target=self.poller, args=(clients[i + 1], f"poller {i}"),
                                         daemon=True) for i in range(p.count)]
            self.t0 = time.monotonic()
        for t in threads:
            t.start()
        self.sleep_until(p.horizon_s)
        with self.lock:
            threads += self.threads
        for t in threads:
            t.join(timeout=max(5.0, p.wait_s + 5.0))
            if t.is_alive():
                raise ScenarioError("a poller did not stop after the horizon")
        return self.ledger(setup)

    def queue_levels(self, cl, url) -> tuple[int, int, int]:
        a = cl.get_queue_attributes(QueueUrl=url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed"])["Attributes"]
        return (int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"]),
                int(a["ApproximateNumberOfMessagesDelayed"]))

    def dead_letter_ids(self, cl) -> set[str]:
        """The MessageIds in the dead-letter queue (a moved message keeps its
        ID), read after the run: receiving there does not touch the source
        queue's ledger."""
        ids: set[str] = set()
        for _ in range(100):
            msgs = cl.receive_message(QueueUrl=self.dlq_url, MaxNumberOfMessages=10,
                                      VisibilityTimeout=60, WaitTimeSeconds=0).get("Messages", [])
            if not msgs:
                break
            ids.update(m["MessageId"] for m in msgs)
        return ids

    def ledger(self, cl) -> dict:
        visible, in_flight, delayed = self.queue_levels(cl, self.url)
        dead = sum(self.queue_levels(cl, self.dlq_url)) if self.dlq_url else 0
        dead_ids = self.dead_letter_ids(cl) if dead else set()
        distinct = {mid for _, mid in self.receives}
        # Enqueued: every message received at least once, plus those still
        # in the queue that never were (the queue's count less the received
        # ones neither deleted nor dead-lettered).
        received_left = distinct - set(self.deleted_at) - dead_ids
        enqueued = len(distinct) + (visible + in_flight + delayed - len(received_left))
        out = dict(self.c)
        out.update(
            enqueued=enqueued,
            fifo_deduplicated=self.c["sent"] - enqueued,
            redelivered=self.c["received"] - len(distinct),
            redelivered_by_receive_count=sum(n - 1 for n in self.max_receive_count.values()),
            dead_lettered=dead,
            visible_at_end=visible,
            in_flight_at_end=in_flight,
            delayed_at_end=delayed,
            order_violations=self.order_violations(),
            group_in_flight_max=self.group_in_flight_max(),
            pollers_at=dict(self.pollers_at),
            pollers_max=self.pollers_max,
            scale_outs=self.scale_outs,
            scale_ins=self.scale_ins,
        )
        return out

    def order_violations(self) -> int:
        """P4, as labelsim counts them: a receive of a message while an
        earlier-sent message of its group (one known to be in the queue:
        received at some time) was not yet deleted."""
        known = {mid for _, mid in self.receives}
        v = 0
        for t, mid in self.receives:
            g, seq = self.msg_group.get(mid), self.send_seq.get(mid)
            if seq is None:
                continue
            for e in known:
                if e == mid or self.msg_group.get(e) != g or self.send_seq.get(e, -1) >= seq:
                    continue
                d = self.deleted_at.get(e)
                if d is None or d > t:
                    v += 1
                    break
        return v

    def group_in_flight_max(self) -> int:
        """Most messages of one group held at once by the pollers, from each
        receive's answer to its delete request (a lower bound of the server's
        in-flight count: the delete is sent before the server frees it)."""
        best = 0
        for g in set(self.msg_group.values()):
            ev = []
            for mid, a, b in self.holds:
                if self.msg_group.get(mid) == g:
                    ev += [(a, 1), (b, -1)]
            n = 0
            for _, d in sorted(ev, key=lambda x: (x[0], x[1])):
                n += d
                best = max(best, n)
        return best


# ----- comparison ------------------------------------------------------------


def compare(plan: Plan, ls: dict, sv: dict) -> tuple[list[tuple], list[str]]:
    q, c = plan.queue, plan.consumer

    def L(k):
        return ls.get(f"{q}.{k}")

    rows = [
        ("sent", L("sent"), sv["sent"]),
        ("enqueued", L("enqueued"), sv["enqueued"]),
    ]
    if plan.fifo:
        rows.append(("fifo_deduplicated", L("fifo_deduplicated"), sv["fifo_deduplicated"]))
    rows += [
        ("received", L("received"), sv["received"]),
    ]
    notes = []
    # `<queue>.redelivered` (receives after the first, issue 21); an older
    # labelsim without it: derived where every enqueued message was received.
    never_received = (L("visible_at_end") or 0) + (L("delayed_at_end") or 0) + (L("expired") or 0)
    if L("redelivered") is not None:
        rows.append(("redelivered", L("redelivered"), sv["redelivered"]))
    elif never_received == 0 and (L("duplicates_delivered") or 0) == 0:
        rows.append(("redelivered", L("received") - L("enqueued"), sv["redelivered"]))
    else:
        rows.append(("redelivered", "n/a", sv["redelivered"]))
        notes.append("redelivered: labelsim gives no count of distinct messages received")
    rows += [
        ("processed", ls.get(f"{c}.processed"), sv["processed"]),
        ("deleted", L("deleted"), sv["deleted"]),
        ("delete_failures", L("delete_failures"), sv["delete_failures"]),
        ("dead_lettered", L("dead_lettered"), sv["dead_lettered"]),
        ("left in queue at end", L("visible_at_end") + L("in_flight_at_end") + L("delayed_at_end"),
         sv["visible_at_end"] + sv["in_flight_at_end"] + sv["delayed_at_end"]),
    ]
    if plan.fifo:
        rows.append(("order_violations", L("order_violations"), sv["order_violations"]))
        if len({s.group for s in plan.sends}) == 1:
            # labelsim's in_flight_max is the queue's: the group's with one group.
            rows.append(("in flight at once (group)", L("in_flight_max"), sv["group_in_flight_max"]))

    if plan.scaling:
        # A2/A4: the controller's decisions, pollers running after each tick.
        for t in plan.scaling.ticks(plan.horizon_s):
            rows.append((f"pollers at {t:g} s", ls["pollers_at"].get(t), sv["pollers_at"].get(t)))
        rows += [
            ("pollers_max", ls.get(f"{c}.pollers_max"), sv["pollers_max"]),
            ("scale_outs", ls.get(f"{c}.scale_outs"), sv["scale_outs"]),
            ("scale_ins", ls.get(f"{c}.scale_ins"), sv["scale_ins"]),
        ]

    def p9(enq, dele, dead, left):
        return "holds" if enq == dele + dead + left else "broken"

    rows.append(("P9: enqueued = deleted + dead + left",
                 p9(L("enqueued"), L("deleted"), L("dead_lettered") + L("expired"),
                    L("visible_at_end") + L("in_flight_at_end") + L("delayed_at_end")),
                 p9(sv["enqueued"], sv["deleted"], sv["dead_lettered"],
                    sv["visible_at_end"] + sv["in_flight_at_end"] + sv["delayed_at_end"])))
    if sv["redelivered"] != sv["redelivered_by_receive_count"]:
        notes.append(f"server: ApproximateReceiveCount implies {sv['redelivered_by_receive_count']} "
                     f"redeliveries, the pollers saw {sv['redelivered']}")
    if sv["outdated_deletes"]:
        notes.append(f"{sv['outdated_deletes']} delete(s) with an outdated receipt handle counted as "
                     "failed and not sent (SQS ignores them, moto would delete: README D1)")
    if sv["server_rejected_deletes"]:
        notes.append(f"{sv['server_rejected_deletes']} delete(s) rejected by the server "
                     "(ReceiptHandleIsInvalid: the message had moved to the dead-letter queue)")
    if sv["noop_deletes"]:
        notes.append(f"{sv['noop_deletes']} delete(s) the server accepted for a message already "
                     "deleted (nothing removed: counted as failed)")
    if sv["heartbeats"]:
        notes.append(f"{sv['heartbeats']} ChangeMessageVisibility heartbeat(s)")
    return rows, notes


def verdicts(plan: Plan, rows: list[tuple]) -> list[tuple]:
    ref, expected = KNOWN_DEVIATIONS.get(plan.name, (None, {}))
    zero_ok = EXPECTED_ZERO.get(plan.name, set())
    out = []
    for metric, a, b in rows:
        if metric in MUST_MOVE and metric not in zero_ok and not (
                isinstance(a, (int, float)) and a > 0 and isinstance(b, (int, float)) and b > 0):
            v = NOTHING_MOVED
        elif a == b:
            v = "ok"
        elif metric in expected and b == expected[metric]:
            v = f"moto deviation {ref}"
        else:
            v = "MISMATCH"
        out.append((metric, a, b, v))
    return out


def show(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def print_table(plan: Plan, rows: list[tuple], notes: list[str], wall_s: float):
    kind = "FIFO" if plan.fifo else "standard"
    pool = (f"target tracking {plan.scaling.min}..{plan.scaling.max}" if plan.scaling
            else f"{plan.count}")
    print(f"\n== {plan.name} ({plan.path.name}): {kind} queue, {pool} poller(s), "
          f"batch {plan.batch}, visibility {plan.visibility_s} s, processing {plan.processing_s:g} s, "
          f"horizon {plan.horizon_s:g} s; replay {wall_s:.1f} s")
    w = max(len(r[0]) for r in rows)
    print(f"  {'metric':<{w}}  {'labelsim':>9}  {'server':>9}  verdict")
    for metric, a, b, v in rows:
        print(f"  {metric:<{w}}  {show(a):>9}  {show(b):>9}  {v}")
    for n in notes:
        print(f"  note: {n}")


def failing(rows: list[tuple]) -> list[tuple]:
    """The rows that fail a scenario: mismatches and rows that moved nothing."""
    return [r for r in rows if r[3] in ("MISMATCH", NOTHING_MOVED)]


def check(paths: list[Path], args) -> tuple[int, dict]:
    """Cross-checks each scenario; returns an exit status and, per scenario
    name, its failing rows."""
    if not paths:
        print("sqs cross-check: no scenarios to check (an empty list proves nothing)",
              file=sys.stderr)
        return 2, {}
    passed = failed = 0
    failures = {}
    with tempfile.TemporaryDirectory() as tmp:
        for path in paths:
            try:
                plan = load_plan(path)
                ls = run_labelsim(args.labelsim, plan, Path(tmp) / plan.name)
                t = time.monotonic()
                sv = Replay(plan, args.endpoint, args.server_long_poll,
                            args.send_outdated_deletes, args.verbose,
                            getattr(args, "break_controller", False)).run()
                wall = time.monotonic() - t
            except ScenarioError as e:
                print(f"\n== {path}: cannot cross-check: {e}", file=sys.stderr)
                return 2, failures
            rows, notes = compare(plan, ls, sv)
            rows = verdicts(plan, rows)
            print_table(plan, rows, notes, wall)
            bad = failing(rows)
            if bad:
                failed += 1
                failures[plan.name] = bad
            else:
                passed += 1
    print(f"\nsqs cross-check: {passed} passed, {failed} failed")
    return (1 if failed else 0), failures


# The checker's own test: each broken scenario must fail on this row.
SELF_TEST = {
    "sends-nothing.yaml": "sent",
    "never-received.yaml": "received",
    "never-deleted.yaml": "deleted",
}


# The scenario whose replay runs a broken controller in the self-test, and
# the row that must then mismatch.
BROKEN_CONTROLLER = ("target-tracking.yaml", "pollers at 15 s")


def self_test(args) -> int:
    """Proves each assertion can fail; 0 if every broken case was caught."""
    here = Path(__file__).parent / "selftest"
    problems = []
    with tempfile.TemporaryDirectory() as empty:
        rc, _ = check(sorted(Path(empty).glob("*.yaml")), args)
        if rc != 2:
            problems.append(f"an empty scenario list gave exit {rc}, not 2")
    for name, row in SELF_TEST.items():
        path = here / name
        rc, failures = check([path], args)
        caught = [r for bad in failures.values() for r in bad
                  if r[0] == row and r[3] == NOTHING_MOVED]
        if rc != 1 or not caught:
            problems.append(f"{name}: exit {rc}, `{row}` not failed as nothing moved ({failures})")
    # The controller rows can fail too (issue 21): the target-tracking
    # scenario replayed with a controller that ignores its scale-in window
    # (it scales in to 1 at 15 s) must mismatch labelsim's 4 pollers there.
    path = Path(__file__).parent / "scenarios" / BROKEN_CONTROLLER[0]
    broken = argparse.Namespace(**{**vars(args), "break_controller": True})
    rc, failures = check([path], broken)
    caught = [r for bad in failures.values() for r in bad
              if r[0] == BROKEN_CONTROLLER[1] and r[3] == "MISMATCH"]
    if rc != 1 or not caught:
        problems.append(f"{path.name} with a controller ignoring its scale-in window: exit {rc}, "
                        f"`{BROKEN_CONTROLLER[1]}` not a mismatch ({failures})")
    print()
    for p in problems:
        print(f"sqs cross-check self-test: FAILED: {p}")
    print(f"sqs cross-check self-test: {len(SELF_TEST) + 2 - len(problems)} of "
          f"{len(SELF_TEST) + 2} broken cases caught")
    return 1 if problems else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenarios", nargs="*", type=Path)
    ap.add_argument("--scenario-dir", type=Path, default=Path(__file__).parent / "scenarios",
                    help="where the scenarios are when none is named (default: scenarios/ here)")
    ap.add_argument("--self-test", action="store_true",
                    help="check the checker: the broken scenarios of selftest/ must fail")
    ap.add_argument("--endpoint", required=True, help="the SQS server, e.g. http://127.0.0.1:5000")
    ap.add_argument("--labelsim", required=True, help="path to target/release/labelsim")
    ap.add_argument("--server-long-poll", action="store_true",
                    help="send WaitTimeSeconds to the server instead of emulating long polls (README, D2)")
    ap.add_argument("--send-outdated-deletes", action="store_true",
                    help="send deletes with an outdated receipt handle to the server (README, D1)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every request's outcome with its time")
    args = ap.parse_args()
    if args.self_test:
        return self_test(args)
    paths = args.scenarios or sorted(args.scenario_dir.glob("*.yaml"))
    rc, _ = check(paths, args)
    return rc


if __name__ == "__main__":
    sys.exit(main())
