"""The embedded broker: messages are files, and a consumer never sees half of one."""

from __future__ import annotations

import multiprocessing
import time
from datetime import timedelta
from pathlib import Path
from queue import Empty

import pytest
from kombu import Connection, Queue

from workers import file_transport

PRODUCERS = 3
PER_PRODUCER = 600


def connection(folder: Path, alias: str = file_transport.ALIAS) -> Connection:
    file_transport.register()
    return Connection(
        f"{alias}://",
        transport_options={
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            "control_folder": str(folder / "control"),
            "polling_interval": 0,
        },
    )


def produce(folder: str, producer: int, alias: str) -> None:
    with connection(Path(folder), alias) as conn:
        queue = conn.SimpleQueue(Queue("default", routing_key="default"))
        for n in range(PER_PRODUCER):
            queue.put({"n": producer * PER_PRODUCER + n, "padding": "ж" * 3000})
        queue.close()


def race(folder: Path, alias: str) -> list[int]:
    """Producers in other processes publish while this process consumes as fast as it can."""
    (folder / "control").mkdir()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=produce, args=(str(folder), i, alias)) for i in range(PRODUCERS)]
    received: list[int] = []
    with connection(folder, alias) as conn:
        queue = conn.SimpleQueue(Queue("default", routing_key="default"))
        for p in procs:
            p.start()
        while len(received) < PRODUCERS * PER_PRODUCER:
            msg = queue.get(block=True, timeout=30)
            received.append(msg.payload["n"])
            msg.ack()
        queue.close()
    for p in procs:
        p.join(30)
    return received


def test_a_message_being_written_is_invisible_to_consumers(tmp_path: Path) -> None:
    (tmp_path / "control").mkdir()
    (tmp_path / ".writing-1_x.default.msg").write_bytes(b'{"partial')
    with connection(tmp_path) as conn:
        queue = conn.SimpleQueue(Queue("default", routing_key="default"))
        with pytest.raises(Empty):
            queue.get(block=True, timeout=0.3)
        queue.close()


def test_every_message_arrives_whole_while_processes_publish_and_consume(
    tmp_path: Path,
) -> None:
    received = race(tmp_path, file_transport.ALIAS)
    assert sorted(received) == list(range(PRODUCERS * PER_PRODUCER))
    assert not any(p.name.startswith(".writing-") for p in tmp_path.iterdir())


def test_the_broker_polls_fast_while_messages_flow_and_slowly_when_quiet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pool process that finishes a page should get its next one at once, not after a
    whole idle polling interval; an idle worker should not list its folder 100 times a
    second."""
    (tmp_path / "control").mkdir()
    slept: list[float] = []

    def recording_sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    monkeypatch.setattr(file_transport, "sleep", recording_sleep)
    file_transport.register()
    options = {
        "data_folder_in": str(tmp_path),
        "data_folder_out": str(tmp_path),
        "control_folder": str(tmp_path / "control"),
        "polling_interval": 0.5,
    }
    with Connection(f"{file_transport.ALIAS}://", transport_options=options) as conn:
        queue = conn.SimpleQueue(Queue("default", routing_key="default"))
        with pytest.raises(Empty):
            queue.get(block=True, timeout=0.3)
        quiet, slept[:] = list(slept), []
        queue.put({"n": 1})
        queue.get(block=True, timeout=5).ack()
        slept.clear()
        with pytest.raises(Empty):
            queue.get(block=True, timeout=0.3)
        queue.close()
    assert quiet and all(s == 0.3 for s in quiet)  # the idle interval, cut to the timeout
    assert len(slept) > 5 and all(s == file_transport.BUSY_POLL_SECONDS for s in slept)


def test_a_worker_starting_requeues_the_work_a_killed_worker_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file broker drops a message once received: a worker killed mid-task leaves a
    document processing, a stack splitting, an act half-destroyed or a school's move
    running, with no message left. The next worker to start on the data directory,
    finding the queue empty, queues them again."""
    from archive_service.archive import Archive, NoDispatch
    from archive_service.catalog import DisposalAct
    from archive_service.catalog.models import utcnow
    from archive_service.config import load_settings
    from archive_service.schools import SchoolService
    from archive_service.services.admin.audit import CLI_ACTOR
    from archive_service.services.batch.stack_jobs import StackJobs
    from archive_service.services.moving.school_moves import SchoolMoves
    from archive_service.services.pipeline.ingest import IngestService
    from tests.pagegen import born_digital_pdf
    from workers.runner import recover_lost_work

    for name in ("DATABASE", "STORAGE", "SEARCH", "BROKER"):
        monkeypatch.delenv(f"ARCHIVE_{name}_URL", raising=False)  # the embedded default
    settings = load_settings(tmp_path / "data")
    left = Archive.open(settings, NoDispatch())  # nothing is sent: as if the worker died
    try:
        pdf = born_digital_pdf(tmp_path / "журнал.pdf", [["Журнал"]])
        document = IngestService(left).ingest_path(pdf).id
        stack = StackJobs(left).submit(pdf, "пачка.pdf", CLI_ACTOR).id
        school = SchoolService(left).id_of(None)
        with left.catalog.session() as s:
            act = DisposalAct(
                school_id=school, year=2031, number=1, status="executing", drafted_by="officer"
            )
            s.add(act)
            s.flush()
            act_id = act.id
        move = SchoolMoves(left).request_export(school, CLI_ACTOR)
    finally:
        left.close()

    sent: list[tuple[str, str]] = []

    class Recorder(NoDispatch):
        def process_document(self, document_id: str) -> None:
            sent.append(("document", document_id))

        def split_stack(self, stack_id: str) -> None:
            sent.append(("stack", stack_id))

        def destroy_act(self, act_id: int) -> None:
            sent.append(("act", str(act_id)))

        def move_school(self, move_id: str) -> None:
            sent.append(("move", move_id))

    archive = Archive.open(settings, Recorder())
    try:
        # `ingest --wait` asked for this worker just before it took these files in: they
        # are on their way, not lost
        recover_lost_work(archive, created_before=utcnow() - timedelta(minutes=5))
        assert sent == [("act", str(act_id)), ("move", move)]
        sent.clear()
        recover_lost_work(archive, created_before=utcnow())
    finally:
        archive.close()
    assert sent == [("document", document), ("stack", stack), ("act", str(act_id)), ("move", move)]
