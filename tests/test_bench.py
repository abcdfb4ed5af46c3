"""`make bench` keeps working: bench/load.py --quick against a real stack of its own prints every figure
and meets no error. It checks that the benchmark runs, not how fast anything is (the README has the figures)."""
import re
import subprocess
import sys

from bot import config


def test_the_load_benchmark_runs_a_real_stack_and_prints_its_figures():
    result = subprocess.run([sys.executable, "bench/load.py", "--quick"], cwd=config.PROJECT_DIR,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    for figure in ["cold start-up of the stack", "server time for one complete 25-question screening, alone",
                   "peak resident memory: Rasa server"]:
        assert figure in out, out
    row = re.search(r"ours, saturation \(10 x think 0s\)\s+(\d+) turns\s+([\d.]+) turns/s.*errors (\d+)\s+"
                    r"CPU/turn (\d+) \+ (\d+) ms", out)
    assert row, out
    turns, rate, errors, rasa_cpu, actions_cpu = row.groups()
    assert int(turns) == sum(len(s) for s in _scripts(10)) and float(rate) > 0 and errors == "0"
    assert int(rasa_cpu) > 0 and int(actions_cpu) > 0  # both servers were found and did the work


def _scripts(volunteers):
    sys.path.insert(0, str(config.PROJECT_DIR / "bench"))
    import load

    return [load.script(load.KINDS[n % len(load.KINDS)]) for n in range(volunteers)]


def test_the_review_benchmark_fills_a_database_and_times_every_page():
    """`make bench-review` keeps working: bench/review.py, small, on a fresh SQLite file, prints a median and a
    95th percentile for every page and met no error (it asserts each answer is 200)."""
    result = subprocess.run([sys.executable, "bench/review.py", "--referrals", "120", "--screenings", "130",
                             "--requests", "3"], cwd=config.PROJECT_DIR, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert re.search(r"filled: 120 referrals \(\d+ new\), \d+ status changes, \d+ contact attempts, 130 screenings with \d+ answers", out)
    timings = re.findall(r"^  (.+?)\s+median\s+([\d.]+) ms\s+p95\s+([\d.]+) ms", out, re.MULTILINE)
    assert len(timings) == 12 and all(float(m) > 0 and float(p) >= float(m) for _, m, p in timings), out
    assert any(label.startswith("inbox, search by phone typed") for label, _, _ in timings)
