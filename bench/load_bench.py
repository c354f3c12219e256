"""Benchmark: 20 people searching and browsing while 2 upload, against `archive serve`.

Issue 25, point 9: for 60 s, 20 signed-in users (a session cookie each, as a browser
has) search in Russian with morphology, open the documents list, a document, a page
image, the cases and the start page, and call the search API; 2 scripts upload PDFs
through the API with a token, which the worker reads meanwhile. A person pauses to read
between requests (`--think`, 1 s on average; 0 makes it a stress test of 22 clients
back to back). Reported per route:
requests, errors, p50, p95 and max; the target is 0 errors and search p95 < 300 ms.

The archive is filled first, in-process by the real pipeline, with born-digital PDFs of
the kinds a school scans (a dense journal grid, a light form, a blank back), then served
by the real `archive serve` (waitress, its worker) in a separate process, so the load
generator's own Python does not share the server's GIL.

With `--scanned` the uploads are scans instead (images only, no text layer: a dense
grid, a light form or a blank back, slightly skewed and speckled, a quarter of them
upside down), so the worker recognises every page with Tesseract while people search:
the load a school's scanning station puts on the archive. A station sends a page every
`--scan-pause` seconds (2 s: a sheet-fed scanner's 30 pages a minute); all the scans are
made before the run.

Run:
  .venv/bin/python bench/load_bench.py [--documents 600] [--seconds 60] [--scanned]
  .venv/bin/python bench/load_bench.py --scaled    # with scripts/services.sh up and
                                                    # .services/env sourced
  .venv/bin/python bench/load_bench.py --scaled --uploaders 0 \
      --search-url $ARCHIVE_TEST_ELASTICSEARCH_URL/bench-district-scale
                    # the 1M-page district index district_scale_bench.py --keep leaves
  .venv/bin/python bench/load_bench.py --users 1 --uploaders 0 --seconds 180 \
      --search-url sqlite:////tmp/sq300/search-300000-grid.sqlite3 --queries search-bench
                    # the web search page on a 300k-page index search_bench.py --keep-dir
                    # left, one person at a time, with that bench's 19 queries
The web process's peak RSS and PSS over the run are reported too (issue 26, point 9).
Prints a table and writes bench/results/load-<mode>-<date>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import workers.tasks  # noqa: E402, F401  (registers the tasks eager mode runs)
from archive_service.accounts import AccountService  # noqa: E402
from archive_service.archive import Archive  # noqa: E402
from archive_service.config import load_settings  # noqa: E402
from archive_service.services.pipeline.ingest import IngestService  # noqa: E402
from tests.pagegen import born_digital_pdf, render_page, save_pdf, scanned  # noqa: E402
from workers.celery_app import app, configure_celery  # noqa: E402
from workers.context import bind_archive  # noqa: E402
from workers.dispatch import CeleryDispatcher  # noqa: E402

PASSWORD = "нагрузка-пароль-2026"
SURNAMES = ["Кузнецов", "Смирнова", "Иванов", "Попова", "Соколов", "Лебедева", "Новиков"]
KINDS = {
    "dense": lambda n: [
        f"{i:02d}. {SURNAMES[(n + i) % len(SURNAMES)]} 5 4 5 5 4 3 5 4 5 5 4 5" for i in range(40)
    ],
    "light": lambda n: [
        "Заявление о приёме",
        f"Прошу принять {SURNAMES[n % len(SURNAMES)]}а в 1 класс",
        "Подпись родителя",
    ],
    "blank": lambda n: [" "],
}
# Forms other than those printed: morphology is what is measured.
QUERIES = ["Кузнецова", "Смирновой", "заявления", "приёму", "класса", "подписи", "Иванова"]


# Where the cores go during the run: a process is put under the first label whose
# word appears in its command line (the load generator is this process).
CPU_LABELS = [
    ("postgres", "postgres"),
    ("minio", "minio"),
    ("elasticsearch", "elasticsearch"),
    ("redis", "redis-server"),
    ("web (archive serve)", " serve "),
    ("worker", " worker"),
]


def cpu_seconds(own: dict[int, str]) -> dict[int, tuple[str, float]]:
    """CPU seconds each process (with its reaped children) has used, with its label."""
    found: dict[int, tuple[str, float]] = {}
    for proc in psutil.process_iter(["pid", "cmdline", "cpu_times"]):
        times = proc.info["cpu_times"]
        if times is None:
            continue
        line = " " + " ".join(proc.info["cmdline"] or []) + " "
        label = own.get(proc.pid) or next((lb for lb, w in CPU_LABELS if w in line), "other")
        used = times.user + times.system + times.children_user + times.children_system
        found[proc.pid] = (label, used)
    return found


def cpu_by_label(
    before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]
) -> dict[str, float]:
    """CPU seconds per label between two samples (processes born meanwhile count whole)."""
    spent: dict[str, float] = {}
    for pid, (label, used) in after.items():
        start = before.get(pid, (label, 0.0))[1]
        spent[label] = spent.get(label, 0.0) + max(0.0, used - start)
    return {k: round(v, 1) for k, v in sorted(spent.items(), key=lambda kv: -kv[1])}


def fill(data: Path, documents: int, folder: Path) -> list[str]:
    settings = load_settings(data)
    configure_celery(settings)
    app.conf.task_always_eager = True
    archive = Archive.open(settings, CeleryDispatcher())
    bind_archive(archive)
    ids = []
    kinds = list(KINDS)
    for n in range(documents):
        kind = kinds[n % len(kinds)]
        pdf = born_digital_pdf(folder / f"{kind}-{n}.pdf", [[*KINDS[kind](n), f"документ {n}"]])
        outcome = IngestService(archive).ingest_path(pdf)
        if outcome.id:
            ids.append(outcome.id)
    accounts = AccountService(archive)
    accounts.create("nagruzka", PASSWORD, "administrator")
    token = accounts.issue_token("nagruzka", "нагрузка")
    archive.close()
    app.conf.task_always_eager = False
    (folder / "token").write_text(token)
    return ids


class PeakMemory:
    """The web process's largest RSS and PSS over the run (issue 26, point 9: under
    300 MB while serving the search load), sampled every 0.2 s; its children (the
    embedded worker) are not the web process and are left out."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.rss = self.pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            try:
                info = self.process.memory_full_info()
            except psutil.Error:
                return
            self.rss = max(self.rss, info.rss)
            self.pss = max(self.pss, info.pss)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def figures(self) -> dict[str, float]:
        return {
            "peak_rss_mb": round(self.rss / 2**20, 1),
            "peak_pss_mb": round(self.pss / 2**20, 1),
        }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = {}
        self.errors: dict[str, list[str]] = {}

    def add(self, route: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.times.setdefault(route, []).append(seconds * 1000)
            if error:
                self.errors.setdefault(route, []).append(error)

    def summary(self) -> dict[str, dict[str, Any]]:
        out = {}
        for route, times in sorted(self.times.items()):
            ordered = sorted(times)
            out[route] = {
                "requests": len(times),
                "errors": len(self.errors.get(route, [])),
                "p50_ms": round(statistics.median(ordered), 1),
                "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 1),
                "max_ms": round(ordered[-1], 1),
                "first_errors": self.errors.get(route, [])[:3],
            }
        return out


def timed_get(
    rec: Recorder, route: str, session: requests.Session, url: str, **kw: Any
) -> requests.Response | None:
    started = time.perf_counter()
    try:
        resp = session.get(url, timeout=30, **kw)
    except requests.RequestException as exc:
        rec.add(route, time.perf_counter() - started, f"{type(exc).__name__}: {exc}")
        return None
    error = None if resp.status_code == 200 else f"HTTP {resp.status_code}"
    rec.add(route, time.perf_counter() - started, error)
    return resp


def sign_in(base: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/login", timeout=30).text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF token on the sign-in page"
    answer = session.post(
        f"{base}/login",
        data={"username": "nagruzka", "password": PASSWORD, "csrf_token": match.group(1)},
        timeout=30,
    )
    assert answer.ok and "/login" not in answer.url, "sign-in refused"
    return session


def user(
    base: str,
    ids: list[str],
    rec: Recorder,
    until: float,
    seed: int,
    think: float,
    queries: list[str],
) -> None:
    """One person: a request, a pause to read it (`think` seconds on average), again."""
    rnd = random.Random(seed)
    session = sign_in(base)
    routes: list[tuple[str, int, Callable[[], tuple[str, dict[str, Any]]]]] = [
        ("search", 30, lambda: (f"{base}/search", {"q": rnd.choice(queries)})),
        ("api search", 15, lambda: (f"{base}/api/v1/search", {"q": rnd.choice(queries)})),
        ("documents list", 15, lambda: (f"{base}/documents", {})),
        ("document", 15, lambda: (f"{base}/documents/{rnd.choice(ids)}", {})),
        ("page image", 10, lambda: (f"{base}/documents/{rnd.choice(ids)}/pages/1.jpg", {})),
        ("cases", 5, lambda: (f"{base}/cases", {})),
        ("start page", 10, lambda: (f"{base}/", {})),
    ]
    names = [r[0] for r in routes]
    weights = [r[1] for r in routes]
    makers = {r[0]: r[2] for r in routes}
    while time.monotonic() < until:
        name = rnd.choices(names, weights)[0]
        url, params = makers[name]()
        timed_get(rec, name, session, url, params=params)
        if think:
            time.sleep(rnd.uniform(0.5 * think, 1.5 * think))


def upload_pdf(folder: Path, n: int, count: int) -> Path:
    """The `count`th PDF uploader `n` sends: a kind in turn, with a line of its own."""
    kind = list(KINDS)[count % len(KINDS)]
    text = [*KINDS[kind](count), f"загрузка {n}-{count} {time.time_ns()}"]
    return born_digital_pdf(folder / f"up-{n}-{count}.pdf", [text])


def scanned_pdf(folder: Path, n: int, count: int) -> Path:
    """The `count`th scan station `n` sends: one page of a kind in turn, as a scanner
    gives it (blurred, speckled, a little skewed), every fourth one upside down."""
    kind = list(KINDS)[count % len(KINDS)]
    lines = [*KINDS[kind](count)[:32], f"скан {n}-{count}"] if kind != "blank" else []
    page = scanned(
        render_page(lines, font_size=40),
        seed=n * 100_000 + count,
        skew=0.4,
        rotate=180 if count % 4 == 3 else 0,
    )
    return save_pdf([page], folder / f"scan-{n}-{count}.pdf")


def uploader(
    base: str,
    token: str,
    folder: Path,
    rec: Recorder,
    until: float,
    n: int,
    ready: list[Path],
    pause: float,
    make: Callable[[Path, int, int], Path],
) -> None:
    """One scanning station: uploads one after another (`pause` seconds apart), first the
    PDFs made before the run (`ready`), which take none of the server's cores, then more
    made as it goes."""
    headers = {"Authorization": f"Bearer {token}"}
    count = 0
    while time.monotonic() < until:
        if count and pause:
            time.sleep(pause)
        pdf = ready[count] if count < len(ready) else make(folder, n, count)
        started = time.perf_counter()
        try:
            with pdf.open("rb") as fh:
                resp = requests.post(
                    f"{base}/api/v1/documents",
                    headers=headers,
                    files={"files": (pdf.name, fh, "application/pdf")},
                    timeout=60,
                )
            error = None if resp.status_code == 201 else f"HTTP {resp.status_code}: {resp.text}"
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"
        rec.add("upload (API)", time.perf_counter() - started, error)
        count += 1


def search_bench_queries() -> list[str]:
    sys.path.insert(0, str(ROOT / "bench"))
    from search_bench import QUERIES as searched

    return list(searched)


def searched_documents(url: str | None) -> int | None:
    """How many documents (and so how large) the given index is, for the record."""
    if not url:
        return None
    from search import open_index

    index = open_index(url)
    if url.startswith("sqlite"):
        return len(index.document_ids())
    return int(index.es.count(index=index.read_alias).body["count"])  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=600)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--uploaders", type=int, default=2)
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="a person's mean pause between requests, s (0: back to back, a stress test)",
    )
    parser.add_argument("--scaled", action="store_true", help="PostgreSQL, MinIO, ES, Redis")
    parser.add_argument(
        "--search-url",
        help="search this existing index instead of a fresh one, the filled documents "
        "added to it: with --scaled an Elasticsearch URL with its name prefix (the 1M pages "
        "district_scale_bench.py --keep leaves), else an sqlite:/// one (the 300k pages "
        "search_bench.py --keep-dir leaves)",
    )
    parser.add_argument(
        "--queries",
        choices=("forms", "search-bench"),
        default="forms",
        help="what people search for: the filled documents' words in other forms, or "
        "search_bench.py's 19 queries (words, phrases, names, a year), which fit the index "
        "it left for --search-url",
    )
    parser.add_argument(
        "--scanned", action="store_true", help="upload scans (OCR) instead of born-digital PDFs"
    )
    parser.add_argument(
        "--scan-pause", type=float, default=2.0, help="seconds between a station's scans"
    )
    args = parser.parse_args()
    queries = QUERIES if args.queries == "forms" else search_bench_queries()

    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="load-")))
        data = work / "data"
        env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
        env["ARCHIVE_DATA_DIR"] = str(data)
        os.environ["ARCHIVE_DATA_DIR"] = str(data)
        if args.scaled:
            from tests.services import (
                elasticsearch_index,
                minio_bucket,
                postgres_database,
                redis_url,
            )

            scaled = {
                "ARCHIVE_DATABASE_URL": stack.enter_context(postgres_database()),
                "ARCHIVE_STORAGE_URL": stack.enter_context(minio_bucket()),
                "ARCHIVE_SEARCH_URL": args.search_url or stack.enter_context(elasticsearch_index()),
                "ARCHIVE_BROKER_URL": redis_url(),
            }
            for name in ("ARCHIVE_S3_ACCESS_KEY", "ARCHIVE_S3_SECRET_KEY"):
                if name in os.environ:
                    scaled[name] = os.environ[name]
            env.update(scaled)
            os.environ.update(scaled)
        else:
            for name in list(os.environ):
                if name.startswith("ARCHIVE_") and name != "ARCHIVE_DATA_DIR":
                    del os.environ[name]
            if args.search_url:  # an SQLite index search_bench.py --keep-dir left
                env["ARCHIVE_SEARCH_URL"] = os.environ["ARCHIVE_SEARCH_URL"] = args.search_url
        started = time.perf_counter()
        ids = fill(data, args.documents, work)
        fill_s = time.perf_counter() - started
        token = (work / "token").read_text()
        port = free_port()
        cli = [sys.executable, "-m", "archive_service.cli", "--data-dir", str(data)]
        procs = [
            subprocess.Popen(
                [*cli, "serve", "--port", str(port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=(work / "serve.log").open("wb"),
                start_new_session=True,
            )
        ]
        if args.scaled:  # serve starts a worker only on the embedded broker
            procs.append(
                subprocess.Popen(
                    [*cli, "worker", "--loglevel=WARNING"],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=(work / "worker.log").open("wb"),
                    start_new_session=True,
                )
            )

        def stop() -> None:
            for proc in procs:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGTERM)
            for proc in procs:
                try:
                    proc.wait(60)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)

        stack.callback(stop)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/login", timeout=2).ok:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        else:
            raise SystemExit((work / "serve.log").read_text())
        # Born-digital: 5 a second per uploader made beforehand; back to back an uploader
        # sends about 7 a second here, so the last third of a run's uploads are made as
        # it goes. Scans: every one a station can send in the run, made beforehand.
        pause = args.scan_pause if args.scanned else 0.0
        make = scanned_pdf if args.scanned else upload_pdf
        made = int(args.seconds / pause) + 2 if args.scanned else args.seconds * 5
        ready = [[make(work, n, count) for count in range(made)] for n in range(args.uploaders)]
        rec = Recorder()
        until = time.monotonic() + args.seconds
        threads = [
            threading.Thread(target=user, args=(base, ids, rec, until, n, args.think, queries))
            for n in range(args.users)
        ]
        threads += [
            threading.Thread(
                target=uploader,
                args=(base, token, work, rec, until, n, ready[n], pause, make),
            )
            for n in range(args.uploaders)
        ]
        own = {os.getpid(): "load generator"}
        for proc in procs:  # a pool's children are labelled by their own command line
            own[proc.pid] = "web (archive serve)" if proc is procs[0] else "worker"
        cpu_before = cpu_seconds(own)
        with PeakMemory(procs[0].pid) as web_memory:
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        cpu = cpu_by_label(cpu_before, cpu_seconds(own))
        summary = rec.summary()
        total = sum(r["requests"] for r in summary.values())
        errors = sum(r["errors"] for r in summary.values())
        search_times = sorted(rec.times.get("search", []) + rec.times.get("api search", []))
        result = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "mode": "scaled" if args.scaled else "embedded",
            "documents": len(ids),
            "fill_seconds": round(fill_s, 1),
            "users": args.users,
            "uploaders": args.uploaders,
            "think_seconds": args.think,
            "uploads": "scanned" if args.scanned else "born-digital",
            "scan_pause_seconds": pause if args.scanned else None,
            "seconds": args.seconds,
            "cores": os.cpu_count(),
            "requests": total,
            "errors": errors,
            "requests_per_second": round(total / args.seconds, 1),
            "search_p95_ms": round(search_times[int(len(search_times) * 0.95) - 1], 1)
            if search_times
            else None,
            "routes": summary,
            "cpu_seconds": cpu,
            "web_memory": web_memory.figures(),
            "search_index": "given" if args.search_url else "fresh",
            "queries": args.queries,
            "search_index_documents": searched_documents(args.search_url),
        }
    print(f"{'route':<16}{'n':>7}{'err':>5}{'p50':>9}{'p95':>9}{'max':>9}")
    for route, r in summary.items():
        print(
            f"{route:<16}{r['requests']:>7}{r['errors']:>5}"
            f"{r['p50_ms']:>9}{r['p95_ms']:>9}{r['max_ms']:>9}"
        )
    print(
        f"{result['mode']}: {total} requests, {errors} errors, "
        f"search p95 {result['search_p95_ms']} ms"
    )
    print(
        f"web process peak: RSS {result['web_memory']['peak_rss_mb']} MB, "
        f"PSS {result['web_memory']['peak_pss_mb']} MB"
    )
    print(
        "CPU s over the run (of "
        + f"{args.seconds * (os.cpu_count() or 1)} available): "
        + ", ".join(f"{k} {v}" for k, v in cpu.items())
    )
    out = ROOT / "bench" / "results"
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    kind = "-scanned" if args.scanned else ""
    path = out / f"load-{result['mode']}{kind}-think{args.think:g}-{stamp}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(f"written {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
