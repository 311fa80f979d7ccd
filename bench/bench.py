"""`make bench`: measure builds on a synthetic chain of clinics; writes bench-results.json.

It measures, it asserts nothing. Compared variants run interleaved in one run (naive and
careleaf rendering alternate; full, no-op and one-change builds follow each other), each
several times, and the medians are reported, with the machine they ran on.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import weasyprint

from careleaf.build.cache import Cache
from careleaf.build.plan import plan, prepare
from careleaf.build.workers import default_jobs, render_handouts
from careleaf.content.load import load_library
from careleaf.fingerprint import SOURCE_PARTS
from careleaf.options import BuildOptions
from careleaf.render.handouts import PDF_VARIANT, ConfinedFetcher, HandoutJob
from careleaf.verify.proofs import Proofs

REPO = Path(__file__).resolve().parents[1]
CARELEAF = Path(sys.executable).with_name("careleaf")
PAGE = os.sysconf("SC_PAGE_SIZE")
# The Spanish item the one-change build edits, and its new text.
CHANGE = (
    "content/es/side-effects.yml",
    "text: Un moretón donde entró una aguja",
    "text: Un pequeño moretón donde entró una aguja",
)


def make_chain(dest: Path, clinics: int) -> Path:
    """A copy of the project whose clinics/ holds ``clinics`` clinics made from the samples."""
    dest.mkdir(parents=True)
    for part in SOURCE_PARTS:
        origin = REPO / part
        if origin.is_dir():
            shutil.copytree(origin, dest / part, ignore=shutil.ignore_patterns("__pycache__"))
        elif origin.is_file():
            shutil.copy2(origin, dest / part)
    samples = sorted(p for p in (REPO / "clinics").iterdir() if (p / "clinic.yml").is_file())
    shutil.rmtree(dest / "clinics")
    default = "c01"
    for number in range(1, clinics + 1):
        sample = samples[(number - 1) % len(samples)]
        target = dest / "clinics" / f"c{number:02d}"
        shutil.copytree(sample, target)
        text = (target / "clinic.yml").read_text(encoding="utf-8")
        lines = [
            f"name: Clinic number {number}" if line.startswith("name:") else line
            for line in text.splitlines()
        ]
        (target / "clinic.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = dest / "careleaf.yml"
    text = config.read_text(encoding="utf-8")
    lines = [
        f"default_clinic: {default}" if line.startswith("default_clinic:") else line
        for line in text.splitlines()
    ]
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dest


def naive(jobs: list[HandoutJob], root: Path) -> float:
    """The documents rendered one after another with WeasyPrint's defaults (fonts each time)."""
    links = (
        '<link rel="stylesheet" href="fonts/fonts.css">\n'
        '<link rel="stylesheet" href="handouts/print.css">\n<style>'
    )
    started = time.perf_counter()
    for job in jobs:
        weasyprint.HTML(
            string=job.html.replace("<style>", links, 1),
            base_url=f"{root.resolve().as_uri()}/",
            url_fetcher=ConfinedFetcher(list(job.allowed)),
        ).write_pdf(pdf_variant=PDF_VARIANT, pdf_forms=job.fillable)
    return time.perf_counter() - started


def pipelined(root: Path, cache: Path) -> float:
    """The same documents through careleaf's worker pool, with an empty cache."""
    shutil.rmtree(cache, ignore_errors=True)
    library = load_library(root)
    started = time.perf_counter()
    render_handouts(library, plan(library, sorted(library.clinics)), Cache(cache))
    return time.perf_counter() - started


def rendered_in(events: Path) -> set[str]:
    """The handouts (``clinic/lang/handout``) a build rendered, from the events it wrote
    (`careleaf build --events`)."""
    records = [json.loads(line) for line in events.read_text(encoding="utf-8").splitlines()]
    return {record["unit"] for record in records if record["event"] == "HandoutRendered"}


def changed_pdfs_alone(root: Path, names: set[str], scratch: Path) -> float:
    """The handouts a one-change build rendered (``names``, `rendered_in` its events), rendered
    and proven again by careleaf's worker pool alone, as that build's workers did: empty
    cache, empty proof memo, nothing else running: the part of the one-change build that no
    scheduling can remove, as long as each of those handouts is rendered and proven whole."""
    library = load_library(root)
    units = [unit for unit in plan(library, sorted(library.clinics)) if unit.name in names]
    shutil.rmtree(scratch, ignore_errors=True)
    started = time.perf_counter()
    render_handouts(library, units, Cache(scratch / "cache"), proofs=Proofs(scratch / "proofs"))
    elapsed = time.perf_counter() - started
    shutil.rmtree(scratch, ignore_errors=True)
    return elapsed


def _tree_memory(pid: int) -> tuple[int, int]:
    """Memory of a process and its descendants, in bytes (Linux /proc): the sum of their
    resident sets, and the sum of their proportional sets (a page shared by N of them counts
    1/N in each: Chromium's processes share most of their code)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(stat[1]), []).append(int(entry.name))
    rss = pss = 0
    todo = [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            rss += int(Path(f"/proc/{current}/statm").read_text().split()[1]) * PAGE
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
        except OSError:
            continue
        lines = rollup.splitlines()
        pss += sum(int(line.split()[1]) * 1024 for line in lines if line.startswith("Pss:"))
    return rss, pss


def run_build(
    root: Path, events: Path, engine: str = "mkdocs"
) -> tuple[float, tuple[float, float]]:
    """`careleaf build --clinic all --engine ENGINE`, its steps written to ``events``: (wall
    seconds, peak memory of the process tree in MiB (resident, proportional))."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000", "NO_MKDOCS_2_WARNING": "1"}
    started = time.perf_counter()
    command = ["build", "--clinic", "all", "--engine", engine, "--events", str(events)]
    process = subprocess.Popen(
        [str(CARELEAF), "--project", str(root), *command],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    peak_rss = peak_pss = 0
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(process.stdout or []))
    reader.start()
    while process.poll() is None:
        rss, pss = _tree_memory(process.pid)
        peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
        time.sleep(0.2)
    reader.join()
    elapsed = time.perf_counter() - started
    log = "".join(output)
    if process.returncode:
        raise SystemExit(f"careleaf build failed:\n{log}")
    return elapsed, (peak_rss / 2**20, peak_pss / 2**20)


def preview_edit(root: Path, content: bool = False) -> float:
    """Seconds from saving an edit to the preview serving it (`careleaf serve`): an English
    page, with SOURCE_DATE_EPOCH set (as `make serve` runs it); or (``content``) a Spanish
    side effect, which the Spanish handouts show too, with no SOURCE_DATE_EPOCH (as
    `careleaf serve` run directly)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000", "NO_MKDOCS_2_WARNING": "1"}
    if content:
        del env["SOURCE_DATE_EPOCH"]
    server = subprocess.Popen(
        [str(CARELEAF), "--project", str(root), "serve", "-a", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"

    def page() -> str:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode("utf-8")
        except OSError:
            return ""

    try:
        deadline = time.perf_counter() + 600
        while not page() and time.perf_counter() < deadline:
            time.sleep(0.2)
        marker = f"Edited {time.time_ns()}"
        if content:
            path, old, _ = CHANGE
            source, url = root / path, f"{url}es/is-it-safe/"
            text = source.read_text(encoding="utf-8")
            edited = text.replace(old, f"{old} {marker}", 1)
        else:
            source = root / "docs/en/index.md"
            text = source.read_text(encoding="utf-8")
            edited = text.replace("# ", f"# {marker} ", 1)
        source.write_text(edited, encoding="utf-8")
        started = time.perf_counter()
        while marker not in page():
            if time.perf_counter() - started > 120:
                return float("nan")
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        source.write_text(text, encoding="utf-8")
        return elapsed
    finally:
        server.terminate()
        server.wait()


def machine() -> dict[str, object]:
    """What the figures were measured on."""
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        model = next(
            (
                line.split(":", 1)[1].strip()
                for line in cpuinfo.read_text().splitlines()
                if line.startswith("model name")
            ),
            "",
        )
    return {
        "cpu": model or platform.processor(),
        "cores": default_jobs(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "weasyprint": weasyprint.__version__,
    }


def main() -> None:
    """Run the benchmark; print a table and write bench-results.json."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clinics", type=int, default=20, help="clinics in the chain")
    parser.add_argument("--runs", type=int, default=3, help="runs of each variant (medians)")
    parser.add_argument("--output", type=Path, default=REPO / "bench-results.json")
    options = parser.parse_args()
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")
    with tempfile.TemporaryDirectory(prefix="careleaf-bench-") as scratch:
        root = make_chain(Path(scratch) / "chain", options.clinics)
        library = load_library(root)
        units = plan(library, sorted(library.clinics))
        jobs = [prepare(library, unit, BuildOptions()) for unit in units]
        times: dict[str, list[float]] = {
            k: []
            for k in (
                "naive",
                "careleaf",
                "full",
                "zensical_full",
                "noop",
                "change",
                "changed_pdfs",
                "rss",
                "pss",
                "preview",
                "preview_content",
            )
        }
        rendered: list[int] = []
        for run in range(options.runs):
            # Interleaved, and in turn first, so that a slower or busier moment hits both.
            order = ("naive", "careleaf") if run % 2 == 0 else ("careleaf", "naive")
            for variant in order:
                seconds = naive(jobs, root) if variant == "naive" else pipelined(root, root / ".rc")
                times[variant].append(seconds)
                print(f"run {run + 1}: {variant} rendering {seconds:.1f} s", file=sys.stderr)
            shutil.rmtree(root / "dist", ignore_errors=True)
            shutil.rmtree(root / ".careleaf-cache", ignore_errors=True)
            events = Path(scratch) / "events.jsonl"
            full, (rss, pss) = run_build(root, events)
            noop, _ = run_build(root, events)
            path, old, new = CHANGE
            text = (root / path).read_text(encoding="utf-8")
            (root / path).write_text(text.replace(old, new, 1), encoding="utf-8")
            change, _ = run_build(root, events)
            changed = rendered_in(events)
            times["changed_pdfs"].append(changed_pdfs_alone(root, changed, root / ".floor"))
            (root / path).write_text(text, encoding="utf-8")
            times["full"].append(full)
            times["noop"].append(noop)
            times["change"].append(change)
            times["rss"].append(rss)
            times["pss"].append(pss)
            times["preview"].append(preview_edit(root))
            times["preview_content"].append(preview_edit(root, content=True))
            rendered.append(len(changed))
            # The same full build with Zensical as the site engine, on the same chain.
            shutil.rmtree(root / "dist", ignore_errors=True)
            shutil.rmtree(root / ".careleaf-cache", ignore_errors=True)
            times["zensical_full"].append(run_build(root, events, "zensical")[0])
            print(
                f"run {run + 1}: full {full:.1f} s (Zensical {times['zensical_full'][-1]:.1f} s), "
                f"no-op {noop:.1f} s, one change {change:.1f} s "
                f"(its PDFs alone {times['changed_pdfs'][-1]:.1f} s), "
                f"preview edit {times['preview'][-1]:.1f} s, "
                f"content edit without SOURCE_DATE_EPOCH {times['preview_content'][-1]:.1f} s",
                file=sys.stderr,
            )
    median = {k: statistics.median(v) for k, v in times.items()}
    results = {
        "pdfs": len(units),
        "clinics": options.clinics,
        "runs": options.runs,
        "naive_s": round(median["naive"], 2),
        "careleaf_s": round(median["careleaf"], 2),
        "speedup": round(median["naive"] / median["careleaf"], 2),
        "full_build_s": round(median["full"], 2),
        "zensical_full_build_s": round(median["zensical_full"], 2),
        "noop_build_s": round(median["noop"], 2),
        "noop_ratio": round(median["noop"] / median["full"], 3),
        "one_change_rendered": int(statistics.median(rendered)),
        "one_change_ratio": round(median["change"] / median["full"], 3),
        "one_change_pdfs_alone_s": round(median["changed_pdfs"], 2),
        "one_change_pdfs_alone_ratio": round(median["changed_pdfs"] / median["full"], 3),
        "preview_edit_s": round(median["preview"], 2),
        "preview_content_edit_no_epoch_s": round(median["preview_content"], 2),
        "peak_rss_mb": round(max(times["rss"]), 1),
        "peak_pss_mb": round(max(times["pss"]), 1),
        "machine": machine(),
        "samples": {k: [round(x, 2) for x in v] for k, v in times.items()},
    }
    options.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    width = max(len(k) for k in results)
    print(f"\n{'figure':<{width}}  value")
    for key, value in results.items():
        if key not in ("machine", "samples"):
            print(f"{key:<{width}}  {value}")
    print(f"\nmachine: {results['machine']}\nwritten to {options.output}")


if __name__ == "__main__":
    main()
