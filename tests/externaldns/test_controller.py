"""The controller: run_once over the in-memory provider, and the run() loop on simulated time.

Covers: the tutorial's worked example (A + new-format TXT created, then deleted with the Service); no apply
and the "All records are already up to date" line when nothing changed; updates when the LB address moves;
hand-made records untouched; upsert-only keeps records; the interval schedule; a watch trigger running a
cycle early as each release's `ScheduleRunOnce` does (v0.14: min-event-sync-interval after the event; v0.15+:
5 s after it and not within min-event-sync-interval of the last cycle), a burst being one cycle; soft errors
logged (counted from v0.18.0) and the loop kept alive, no cycle before a Retry-After; permanent errors
logged in each release's words and raised, unexpected ones raised.
"""

import logging
import threading

import pytest

from podid.workloads.externaldns.controller import Controller
from podid.workloads.externaldns.endpoint import Endpoint
from podid.workloads.externaldns.errors import ForbiddenError, SoftError
from podid.workloads.externaldns.plan import Changes
from podid.workloads.externaldns.policy import sync, upsert_only
from podid.workloads.externaldns.registry import TxtRegistry
from podid.workloads.externaldns.release import NEWEST, Release, release_for
from podid.workloads.externaldns.source import KubernetesSource

from .fakes import LEGACY, FakeClock, FlakyProvider, Lister, service

TXT_VALUE = '"heritage=external-dns,external-dns/owner=default,external-dns/resource=service/default/nginx"'


def nginx(ip: str = "20.1.2.3"):
    return service("nginx", {LEGACY + "hostname": "app.example.com"}, ips=(ip,))


def controller(lister: Lister, provider: FlakyProvider, policy=sync, **kwargs) -> Controller:
    source = KubernetesSource(lister, ["service"], LEGACY)
    return Controller(source, TxtRegistry(provider, "default"), policy, **kwargs)


def test_worked_example_create_then_delete():
    lister, provider = Lister([nginx()]), FlakyProvider()
    ctl = controller(lister, provider)

    ctl.run_once()
    assert provider.records() == [
        Endpoint("app.example.com", "A", ("20.1.2.3",)),
        Endpoint("a-app.example.com", "TXT", (TXT_VALUE,)),
    ]

    lister.services.clear()
    ctl.run_once()
    assert provider.records() == []


def test_nothing_to_do_applies_nothing(caplog):
    lister, provider = Lister([nginx()]), FlakyProvider()
    ctl = controller(lister, provider)
    ctl.run_once()
    with caplog.at_level(logging.INFO):
        assert not ctl.run_once().has_changes()
    assert len(provider.applied) == 1
    assert "All records are already up to date" in caplog.messages


def test_moved_load_balancer_updates_the_record_and_hand_made_records_stay():
    lister, provider = Lister([nginx()]), FlakyProvider()
    provider.apply_changes(Changes(create=(Endpoint("manual.example.com", "A", ("10.0.0.1",)),)))
    ctl = controller(lister, provider)
    ctl.run_once()
    lister.services[:] = [nginx("20.9.9.9")]
    ctl.run_once()
    assert {(r.dns_name, r.targets) for r in provider.records()} == {
        ("app.example.com", ("20.9.9.9",)),
        ("a-app.example.com", (TXT_VALUE,)),
        ("manual.example.com", ("10.0.0.1",)),
    }


def test_upsert_only_keeps_records_of_deleted_services():
    lister, provider = Lister([nginx()]), FlakyProvider()
    ctl = controller(lister, provider, upsert_only)
    ctl.run_once()
    lister.services.clear()
    ctl.run_once()
    assert len(provider.records()) == 2


class RecordingSource:
    """Notes the simulated time of each cycle."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.cycles: list[float] = []

    def endpoints(self) -> list[Endpoint]:
        self.cycles.append(self.clock.now)
        return []


def played(tag: str) -> Release:
    release = release_for(tag)
    assert release is not None
    return release


def run_loop(until: float, interval: float, triggers=(), provider=None, min_event_sync_interval=5.0, release=NEWEST):
    stop, trigger = threading.Event(), threading.Event()
    clock = FakeClock(stop, until)
    clock.on_wait = [(at, trigger) for at in triggers]
    source = RecordingSource(clock)
    ctl = Controller(
        source,
        TxtRegistry(provider or FlakyProvider(), "default"),
        sync,
        min_event_sync_interval=min_event_sync_interval,
        clock=clock,
        release=release,
    )
    ctl.run(stop, interval, trigger)
    return source.cycles, ctl


def test_cycles_run_every_interval():
    cycles, _ = run_loop(until=185, interval=60)
    assert cycles == [0, 60, 120, 180]


@pytest.mark.parametrize(
    ("tag", "min_event_sync_interval", "expected"),
    [
        ("v0.14.2", 1, [0, 11.5, 71.5]),  # the event + min-event-sync-interval
        ("v0.14.2", 20, [0, 30.5]),
        ("v0.22.0", 1, [0, 15.5, 75.5]),  # the event + 5 s, whatever the interval
        ("v0.22.0", 20, [0, 20.5]),  # ... but not within the interval of the last cycle (the next 1 s tick)
        ("v0.15.0", 20, [0, 20.5]),
    ],
)
def test_trigger_runs_a_cycle_after_the_release_s_delay_and_restarts_the_interval(
    tag, min_event_sync_interval, expected
):
    cycles, _ = run_loop(
        until=80, interval=60, triggers=[10.5], min_event_sync_interval=min_event_sync_interval, release=played(tag)
    )
    assert cycles == expected


@pytest.mark.parametrize("tag", ["v0.14.2", "v0.22.0"])
def test_a_burst_of_triggers_is_one_cycle(tag):
    cycles, _ = run_loop(until=30, interval=60, triggers=[2.5, 6.5, 7.5], release=played(tag))
    assert cycles == [0, 7.5]  # 5 s after the first event, which the later ones do not put off


@pytest.mark.parametrize(
    ("tag", "failed", "succeeded"),
    [
        ("v0.17.0", "Failed to do run once: 503", None),
        ("v0.18.0", "Failed to do run once: 503 (consecutive soft errors: 2)", "after 2 consecutive soft errors"),
    ],
)
def test_soft_errors_are_logged_as_the_release_logs_them(tag, failed, succeeded, caplog):
    provider = FlakyProvider()
    provider.fail_next(SoftError("429 Throttled", status=429), SoftError("503", status=503))
    with caplog.at_level(logging.INFO):
        run_loop(until=130, interval=60, provider=provider, release=played(tag))
    assert failed in caplog.messages
    reconciled = [message for message in caplog.messages if message.startswith("Reconciliation succeeded")]
    assert reconciled == ([f"Reconciliation succeeded {succeeded}"] if succeeded else [])


def test_soft_errors_are_counted_and_the_loop_goes_on(caplog):
    provider = FlakyProvider()
    provider.fail_next(SoftError("429 Throttled", status=429), SoftError("503", status=503))
    with caplog.at_level(logging.INFO):
        cycles, ctl = run_loop(until=130, interval=60, provider=provider)
        assert ctl.consecutive_soft_errors == 0
    assert cycles == [120]  # the first two cycles failed before reaching the source
    assert "Failed to do run once: 503 (consecutive soft errors: 2)" in caplog.messages
    assert "Reconciliation succeeded after 2 consecutive soft errors" in caplog.messages


@pytest.mark.parametrize(
    ("retry_after", "triggers", "expected"),
    [
        (30, [6.5], [30.5]),  # the trigger would run at once (past the 5 s window), Retry-After holds it to 30 s
        (90, [], [90]),  # a Retry-After beyond the interval delays the resync too
        (None, [6.5], [11.5]),
    ],
)
def test_retry_after_holds_the_next_cycle_back(retry_after, triggers, expected):
    provider = FlakyProvider()
    provider.fail_next(SoftError("throttled", status=429, retry_after=retry_after))
    cycles, _ = run_loop(until=100, interval=60, triggers=triggers, provider=provider)
    assert cycles[: len(expected)] == expected


def test_soft_error_count_is_visible_while_failing():
    provider = FlakyProvider()
    provider.fail_next(*(SoftError("throttled", status=429) for _ in range(3)))
    _, ctl = run_loop(until=125, interval=60, provider=provider)
    assert ctl.consecutive_soft_errors == 3


@pytest.mark.parametrize(("tag", "words"), [("v0.21.0", "Failed to do run once"), ("v0.22.0", "failed to do run once")])
def test_permanent_error_stops_the_loop(tag, words, caplog):
    provider = FlakyProvider()
    provider.fail_next(ForbiddenError("(AuthorizationFailed) The client 'x' ...", status=403))
    with pytest.raises(ForbiddenError), caplog.at_level(logging.CRITICAL):
        run_loop(until=600, interval=60, provider=provider, release=played(tag))
    assert caplog.messages == [f"{words}: (AuthorizationFailed) The client 'x' ..."]


def test_unexpected_error_is_not_swallowed():
    provider = FlakyProvider()
    provider.fail_next(KeyError("bug"))
    with pytest.raises(KeyError):
        run_loop(until=600, interval=60, provider=provider)
