"""Measure wikigraph on generated vaults and print one table, beside the read floor and
obsidiantools.

    python benchmarks/run.py                          # 1k, 10k and 50k notes
    python benchmarks/run.py --sizes 1000 --runs 3    # a quick look
    python benchmarks/run.py --update-docs            # also rewrite docs/benchmarks.md

For every size it generates a vault (``benchmarks/generate_vault.py``, fixed seed) and
measures, each as the median of several runs of a fresh process, wall-clock time:

- the read floor: a Python process that walks the vault and reads every note as text;
- ``wikigraph check`` cold (empty cache), warm (nothing changed), after one edited note,
  the same edit seen by a running ``wikigraph check --watch`` (from writing the note to the
  new report's summary line; its memory is sampled after each report),
  after every note got a new modification time (a fresh checkout, cache kept), after that
  with one note edited too (a pipeline on a branch, with the cache of the main branch), and
  after one note was added;
- ``wikigraph build`` cold, warm and after one edited note;
- the peak memory of the whole process tree (worker processes included) of cold runs,
  as the sum of proportional set sizes sampled every 20 ms (at least the largest RSS),
  in one more run of its own: sampling takes CPU time from the command it watches, so
  the timed runs are not sampled;
- obsidiantools building its graph of the same vault (installed from PyPI into a
  throwaway virtual environment in the work folder, never into the project);
- correctness: the broken links and missing headings/blocks ``wikigraph check`` reports,
  compared with the generator's ground truth (false positives / false negatives).

Every time is also shown as a multiple of the read floor measured in the same run. The
files are in the page cache for every measurement (the floor reads them first), so the
floor and wikigraph are compared on equal terms. Linux only (memory is read from /proc).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import queue
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import typing
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DOCS = REPO / "docs" / "benchmarks.md"
SEED = 1
OBSIDIANTOOLS = "obsidiantools==0.11.0"
DOCS_START = "<!-- results: start -->"
DOCS_END = "<!-- results: end -->"

FLOOR = """
import os, sys
total = 0
for folder, folders, names in os.walk(sys.argv[1]):
    folders[:] = [name for name in folders if not name.startswith(".")]
    for name in names:
        if name.lower().endswith(".md") and not name.startswith("."):
            with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as f:
                total += len(f.read())
print(total)
"""
"""The read floor: walk the vault and read every note as text, nothing more."""

OBSIDIANTOOLS_RUN = """
import sys
from pathlib import Path
import obsidiantools.api as otools
vault = otools.Vault(Path(sys.argv[1])).connect().gather()
print(len(vault.md_file_index), len(vault.nonexistent_notes))
"""


@dataclass(frozen=True, slots=True)
class Sample:
    """One run of one command."""

    seconds: float
    peak_bytes: int
    """Largest memory of the process and all its descendants (see :func:`tree_memory`)."""
    returncode: int


@dataclass(slots=True)
class Figure:
    """Several runs of the same measurement."""

    samples: list[Sample] = field(default_factory=list)
    """The timed runs."""
    sampled: Sample | None = None
    """The run whose memory was sampled, if any (its time is not counted)."""

    @property
    def seconds(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    @property
    def peak_bytes(self) -> int:
        return max(s.peak_bytes for s in [*self.samples, *filter(None, [self.sampled])])


@dataclass(slots=True)
class SizeResult:
    """Everything measured on one vault."""

    notes: int
    megabytes: float
    figures: dict[str, Figure] = field(default_factory=dict)
    correctness: dict[str, tuple[int, int]] = field(default_factory=dict)
    obsidiantools_note: str = ""


def _memory(pid: int, rss_bytes: int) -> int:
    """A process's proportional set size (shared pages split between their users); RSS
    where that cannot be read; nothing once the process is gone or exiting (its RSS,
    read a moment earlier, would count pages it shared with its parent a second time)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
        return 0  # no address space left: the process is exiting
    except (FileNotFoundError, ProcessLookupError):
        return 0
    except (OSError, ValueError):
        return rss_bytes


def tree_memory(root: int) -> int:
    """Memory of ``root`` and every descendant: the sum of their proportional set sizes.

    Forked workers share pages with their parent; summing RSS would count those twice.
    """
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()
        parents[int(entry)] = int(fields[1])
        rss[int(entry)] = int(fields[21]) * page
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        total += _memory(pid, rss.get(pid, 0))
        pending.extend(children.get(pid, ()))
    return total


def measure(
    command: Sequence[str],
    cwd: Path,
    env: dict[str, str] | None = None,
    *,
    sample_memory: bool = False,
) -> Sample:
    """Run ``command`` once; its wall time, its peak memory, its exit code.

    The peak memory is the largest single process the kernel saw; with ``sample_memory``,
    at least the largest sum over the process tree, sampled every 20 ms. Each sample
    reads ``/proc`` and makes the kernel walk every process's pages (a few milliseconds
    for a large process), so a sampled run is slower than the command alone."""
    with tempfile.TemporaryFile() as errors:
        return _measure(command, cwd, env, errors, sample_memory)


def _measure(
    command: Sequence[str],
    cwd: Path,
    env: dict[str, str] | None,
    errors: typing.IO[bytes],
    sample_memory: bool,
) -> Sample:
    peak = [0]
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=errors)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            with contextlib.suppress(Exception):
                peak[0] = max(peak[0], tree_memory(process.pid))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    if sample_memory:
        sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    done.set()
    if sample_memory:
        sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    errors.seek(0)
    stderr = errors.read().decode("utf-8", "replace")
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{stderr}")
    # The largest single process seen by the kernel, in case sampling missed a short peak.
    return Sample(seconds, max(peak[0], usage.ru_maxrss * 1024), process.returncode)


def wikigraph_command() -> list[str]:
    """The wikigraph of the interpreter running this script."""
    script = Path(sys.executable).parent / "wikigraph"
    return [str(script)] if script.exists() else [sys.executable, "-m", "wikigraph"]


def _load_generator() -> Callable[..., dict[str, object]]:
    sys.path.insert(0, str(HERE))
    from generate_vault import generate_vault

    return generate_vault


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _middle_note(vault: Path) -> Path:
    """The note of middle size: the one the one-edit measurements edit."""
    notes = sorted(vault.rglob("*.md"), key=lambda p: (p.stat().st_size, p.as_posix()))
    return notes[len(notes) // 2]


class Bench:
    """One benchmark run in a work folder."""

    def __init__(self, work: Path, runs: int, obsidiantools_max: int) -> None:
        self.work = work
        self.runs = runs
        self.obsidiantools_max = obsidiantools_max
        self.wikigraph = wikigraph_command()
        self.env = {k: v for k, v in os.environ.items() if k not in ("CI", "WIKIGRAPH_CACHE_DIR")}

    def repeat(
        self,
        label: str,
        command: Sequence[str],
        before: Callable[[int], None] | None = None,
        *,
        memory: bool = True,
    ) -> Figure:
        """``runs`` timed runs of ``command``, ``before`` called ahead of each with the
        run's number; with ``memory``, one more run (same preparation) for its memory."""
        figure = Figure()
        for run in range(self.runs + memory):
            if before is not None:
                before(run)
            if run < self.runs:
                figure.samples.append(measure(command, self.work, self.env))
            else:
                figure.sampled = measure(command, self.work, self.env, sample_memory=True)
        _log(f"  {label}: {figure.seconds:.3f} s (peak {figure.peak_bytes / 1e6:.0f} MB)")
        return figure

    def size(self, notes: int) -> SizeResult:
        vault = self.work / f"vault-{notes}"
        truth_path = self.work / f"vault-{notes}.truth.json"
        _log(f"{notes} notes: generating")
        truth = _load_generator()(vault, notes, SEED, truth_path)
        time.sleep(2.5)  # let every file's ctime age past the cache's "racy" window
        megabytes = int(str(truth["note_bytes"])) / 1e6
        result = SizeResult(notes, megabytes)
        figures = result.figures
        floor = [sys.executable, "-c", FLOOR, str(vault)]
        figures["floor"] = self.repeat("read floor", floor, memory=False)

        cold_cache = self.work / f"cache-cold-{notes}"
        warm_cache = self.work / f"cache-{notes}"
        output = self.work / f"out-{notes}"
        check = [*self.wikigraph, "check", str(vault), "-q"]

        def fresh(folder: Path) -> Callable[[int], None]:
            return lambda _run: shutil.rmtree(folder, ignore_errors=True)

        figures["check cold"] = self.repeat(
            "check cold", [*check, "--cache-dir", str(cold_cache)], fresh(cold_cache)
        )
        warmed = [*check, "--cache-dir", str(warm_cache)]
        shutil.rmtree(warm_cache, ignore_errors=True)
        measure(warmed, self.work, self.env)
        measure(warmed, self.work, self.env)
        figures["check warm"] = self.repeat("check warm", warmed)
        figures["check one edit"] = self._one_edit(vault, warmed)
        figures["watch one edit"] = self._watch_edit(vault, warmed)
        figures["check checkout"] = self._checkout(vault, warmed)
        figures["check checkout edit"] = self._checkout(vault, warmed, edited=True)
        figures["check note added"] = self._note_added(vault, warmed)
        build = [*self.wikigraph, "build", str(vault), "-q", "-o", str(output)]
        figures["build cold"] = self.repeat(
            "build cold", [*build, "--cache-dir", str(cold_cache)], fresh(cold_cache)
        )
        measure([*build, "--cache-dir", str(warm_cache)], self.work, self.env)
        figures["build warm"] = self.repeat("build warm", [*build, "--cache-dir", str(warm_cache)])
        figures["build one edit"] = self._one_edit(
            vault, [*build, "--cache-dir", str(warm_cache)], "build one edit"
        )
        result.correctness = self._correctness(vault, warm_cache, truth)
        _log(f"  correctness (false positives, false negatives): {result.correctness}")
        if notes <= self.obsidiantools_max:
            python = self._obsidiantools_python()
            figures["obsidiantools"] = self.repeat(
                "obsidiantools", [str(python), "-c", OBSIDIANTOOLS_RUN, str(vault)], memory=False
            )
        shutil.rmtree(cold_cache, ignore_errors=True)
        return result

    def _one_edit(
        self, vault: Path, command: Sequence[str], label: str = "check one edit"
    ) -> Figure:
        """Append a line to one note before each run; put the note back afterwards."""
        target = _middle_note(vault)
        original = target.read_bytes()

        def edit(run: int) -> None:
            target.write_bytes(original + f"\nEdited before run {run}.\n".encode())

        try:
            return self.repeat(label, command, edit)
        finally:
            target.write_bytes(original)
            measure(command, self.work, self.env)

    def _watch_edit(self, vault: Path, command: Sequence[str]) -> Figure:
        """``check --watch`` running: the time from writing an edit to one note until the
        new report's summary line is out (2 x runs + 1 edits), and the process's memory."""
        target = _middle_note(vault)
        original = target.read_bytes()
        process = subprocess.Popen(
            [*[part for part in command if part != "-q"], "--watch"],
            cwd=self.work,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            # Started in the background, this script may have Ctrl-C ignored: not the watch.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        lines: queue.Queue[tuple[float, str]] = queue.Queue()

        def read() -> None:
            assert process.stderr is not None
            for line in process.stderr:
                lines.put((time.perf_counter(), line))

        def until(start: str) -> float:
            while True:
                at, line = lines.get(timeout=600)
                if line.startswith(start):
                    return at

        threading.Thread(target=read, daemon=True).start()
        figure = Figure()
        try:
            until("Watching")
            for run in range(2 * self.runs + 1):
                time.sleep(0.5)
                start = time.perf_counter()
                target.write_bytes(original + f"\nEdited while watching, {run}.\n".encode())
                seconds = until("[") - start
                figure.samples.append(Sample(seconds, tree_memory(process.pid), 0))
            target.write_bytes(original)
            until("[")
        finally:
            target.write_bytes(original)
            process.send_signal(signal.SIGINT)
            process.wait(timeout=60)
        peak = figure.peak_bytes / 1e6
        _log(f"  check --watch one edit: {figure.seconds:.3f} s (memory {peak:.0f} MB)")
        return figure

    def _checkout(self, vault: Path, command: Sequence[str], *, edited: bool = False) -> Figure:
        """Give every note a new modification time before each run, as a fresh checkout
        does (the cache then holds every note's bytes, but not its stat); with ``edited``,
        also append a line to one note, as on a branch (put back afterwards)."""
        target = _middle_note(vault)
        original = target.read_bytes()

        def touch(run: int) -> None:
            if edited:
                target.write_bytes(original + f"\nEdited on a branch, {run}.\n".encode())
            moment = time.time_ns() - (run + 1) * 10_000_000_000
            for note in vault.rglob("*.md"):
                os.utime(note, ns=(moment, moment))

        label = "check fresh checkout, one edit" if edited else "check fresh checkout"
        try:
            return self.repeat(label, command, touch)
        finally:
            if edited:
                target.write_bytes(original)
            time.sleep(2.5)  # let the new ctimes age past the cache's "racy" window
            measure(command, self.work, self.env)

    def _note_added(self, vault: Path, command: Sequence[str]) -> Figure:
        """Add a note that links to another before each run: every note's links are
        resolved again against the grown index."""
        added: list[Path] = []
        target = min(vault.rglob("*.md")).stem

        def add(run: int) -> None:
            note = vault / f"Added before run {run}.md"
            note.write_text(f"A new note, linking to [[{target}]].\n", encoding="utf-8")
            added.append(note)

        try:
            return self.repeat("check note added", command, add)
        finally:
            for note in added:
                note.unlink()
            measure(command, self.work, self.env)

    def _correctness(
        self, vault: Path, cache: Path, truth: dict[str, object]
    ) -> dict[str, tuple[int, int]]:
        report = self.work / "check.json"
        command = [
            *self.wikigraph, "check", str(vault), "--format", "json", "-o", str(report),
            "--cache-dir", str(cache), "-q",
        ]  # fmt: skip
        measure(command, self.work, self.env)
        diagnostics = json.loads(report.read_text(encoding="utf-8"))["diagnostics"]

        def places(entries: object) -> set[tuple[str, int, int]]:
            assert isinstance(entries, list)
            return {(e["source"], e["line"], e["column"]) for e in entries}

        def found(*codes: str) -> set[tuple[str, int, int]]:
            return {(d["path"], d["line"], d["column"]) for d in diagnostics if d["code"] in codes}

        broken, expected = found("broken-link"), places(truth["broken_links"])
        subpaths = found("missing-heading", "missing-block")
        expected_subpaths = places(truth["missing_subpaths"])
        return {
            "broken links": (len(broken - expected), len(expected - broken)),
            "missing headings and blocks": (
                len(subpaths - expected_subpaths),
                len(expected_subpaths - subpaths),
            ),
        }

    def _obsidiantools_python(self) -> Path:
        venv = self.work / "obsidiantools-venv"
        python = venv / "bin" / "python"
        if not python.exists():
            _log(f"  installing {OBSIDIANTOOLS} into {venv}")
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            subprocess.run(
                [str(python), "-m", "pip", "install", "--quiet", OBSIDIANTOOLS],
                check=True,
                stdout=subprocess.DEVNULL,
            )
        return python


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f", {int(line.split()[1]) / 1024 / 1024:.0f} GB RAM"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    system = platform.freedesktop_os_release().get("PRETTY_NAME", platform.system())
    return f"{cpu}, {cores} cores{memory}; {system}; Python {platform.python_version()}"


def _version() -> str:
    output = subprocess.run(
        [*wikigraph_command(), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return f"{output} (commit {commit})" if commit else output


ROWS = (
    ("read floor", "floor"),
    ("`check`, cold (empty cache)", "check cold"),
    ("`check`, warm (nothing changed)", "check warm"),
    ("`check`, one note edited", "check one edit"),
    ("`check --watch`, one note edited (edit to report)", "watch one edit"),
    ("`check`, fresh checkout (cache kept)", "check checkout"),
    ("`check`, fresh checkout, one note edited", "check checkout edit"),
    ("`check`, one note added", "check note added"),
    ("`build`, cold", "build cold"),
    ("`build`, warm", "build warm"),
    ("`build`, one note edited", "build one edit"),
    ("obsidiantools (`connect().gather()`)", "obsidiantools"),
)


def table(results: Sequence[SizeResult]) -> str:
    """The results as one Markdown table: a column per vault size."""
    head = "| | " + " | ".join(f"{r.notes:,} notes" for r in results) + " |"
    lines = [head, "|---" * (len(results) + 1) + "|"]
    lines.append("| notes on disk | " + " | ".join(f"{r.megabytes:.1f} MB" for r in results) + " |")
    for label, key in ROWS:
        cells = []
        for result in results:
            figure = result.figures.get(key)
            if figure is None:
                cells.append("not run")
                continue
            floor = result.figures["floor"].seconds
            ratio = "" if key == "floor" else f" ({figure.seconds / floor:.1f}x floor)"
            cells.append(f"{figure.seconds:.2f} s{ratio}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    for label, key in (
        ("peak memory, `check` cold", "check cold"),
        ("peak memory, `build` cold", "build cold"),
        ("memory, `check --watch` after edits", "watch one edit"),
    ):
        cells = [f"{r.figures[key].peak_bytes / 1e6:.0f} MB" for r in results]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    for name in ("broken links", "missing headings and blocks"):
        cells = [
            "{} / {}".format(*r.correctness[name]) if name in r.correctness else "-"
            for r in results
        ]
        lines.append(f"| {name}: false positives / false negatives | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def targets(results: Sequence[SizeResult]) -> str:
    """The issue's targets, each with the measured value and whether it is met."""
    by_size = {r.notes: r for r in results}
    lines = []

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    ten = by_size.get(10_000)
    if ten is not None:
        floor = ten.figures["floor"].seconds
        for key, limit in (
            ("check cold", 4.0),
            ("check warm", 0.5),
            ("check one edit", 0.6),
            ("watch one edit", 0.6),
        ):
            ratio = ten.figures[key].seconds / floor
            name = "check --watch` one edit" if key == "watch one edit" else f"{key}`"
            lines.append(
                f"- 10k notes, `{name} ≤ {limit}x floor: {ratio:.2f}x — {verdict(ratio <= limit)}"
            )
    fifty = by_size.get(50_000)
    if fifty is not None:
        for key in ("check cold", "build cold"):
            peak = fifty.figures[key].peak_bytes / 1e6
            within = verdict(peak < 500)
            lines.append(f"- 50k notes, peak memory of `{key}` < 500 MB: {peak:.0f} MB — {within}")
    for result in results:
        for state in ("cold", "warm", "one edit"):
            build, check = result.figures.get(f"build {state}"), result.figures[f"check {state}"]
            if build is None:
                continue
            extra = build.seconds - check.seconds
            lines.append(
                f"- {result.notes:,} notes, `build` {state} ≤ `check` {state} + 2 s:"
                f" +{extra:.2f} s — {verdict(extra <= 2.0)}"
            )
    wrong = [r for r in results for fp, fn in r.correctness.values() if fp or fn]
    lines.append(f"- broken links exactly as the ground truth: {verdict(not wrong)}")
    return "\n".join(lines)


def report(results: Sequence[SizeResult], runs: int, started: str, load: str) -> str:
    return "\n\n".join(
        [
            table(results),
            targets(results),
            f"Machine: {_machine()}. {_version()}. Median of {runs} runs per figure;"
            f" run {started}; load average before/after: {load}.",
        ]
    )


def update_docs(text: str) -> None:
    """Put ``text`` between the result markers of docs/benchmarks.md."""
    page = DOCS.read_text(encoding="utf-8")
    start, end = page.index(DOCS_START) + len(DOCS_START), page.index(DOCS_END)
    DOCS.write_text(page[:start] + "\n\n" + text + "\n\n" + page[end:], encoding="utf-8")


@contextlib.contextmanager
def work_folder(given: Path | None, keep: bool) -> Iterator[Path]:
    if given is not None:
        given.mkdir(parents=True, exist_ok=True)
        yield given
        return
    folder = Path(tempfile.mkdtemp(prefix="wikigraph-bench-"))
    try:
        yield folder
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default="1000,10000,50000",
        help="vault sizes in notes (default: 1000,10000,50000)",
    )
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (default: 5)")
    parser.add_argument(
        "--obsidiantools-max",
        type=int,
        default=1000,
        help="largest vault to run obsidiantools on; 0 to skip it (default: 1000)",
    )
    parser.add_argument("--work", type=Path, help="work folder (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary work folder")
    parser.add_argument(
        "--update-docs", action="store_true", help="write the results into docs/benchmarks.md"
    )
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    started = time.strftime("%Y-%m-%d %H:%M")
    load_before = f"{os.getloadavg()[0]:.2f}"
    with work_folder(args.work, args.keep) as work:
        bench = Bench(work.resolve(), max(args.runs, 1), args.obsidiantools_max)
        results = [bench.size(size) for size in sizes]
    load = f"{load_before} / {os.getloadavg()[0]:.2f}"
    text = report(results, max(args.runs, 1), started, load)
    print(text)
    if args.update_docs:
        update_docs(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
