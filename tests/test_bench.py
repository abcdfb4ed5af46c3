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
