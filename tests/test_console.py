"""sim.console: the console scripts run their command's main and end without Python's teardown,
having done all of the shutdown that anyone can see."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from sim import console

ROOT = Path(__file__).resolve().parents[1]


def _python(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter whose standard output is buffered (a pipe), whatever
    this process's environment says."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.run([sys.executable, "-c", code], check=False, cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)


def test_quick_exit_does_the_visible_shutdown(tmp_path: Path) -> None:
    """The status is kept; output not yet flushed is written; the atexit handlers run (logging's
    file handler flushes its buffer); a thread that is not a daemon finishes its work first."""
    code = (
        "import atexit, logging, threading, time, sys\n"
        "from pathlib import Path\n"
        "from sim.console import quick_exit\n"
        "logging.basicConfig(filename='log.txt', level=logging.INFO)\n"
        "logging.info('logged')\n"
        "atexit.register(lambda: Path('atexit.txt').write_text('ran'))\n"
        "def late():\n"
        "    time.sleep(0.3)\n"
        "    Path('thread.txt').write_text('done')\n"
        "threading.Thread(target=late).start()\n"
        "sys.stdout.write('no newline, not flushed')\n"
        "quick_exit(3)\n")
    done = _python(code, tmp_path)
    assert done.returncode == 3, done.stderr
    assert done.stdout == "no newline, not flushed"
    assert (tmp_path / "atexit.txt").read_text() == "ran"
    assert (tmp_path / "thread.txt").read_text() == "done"
    assert "logged" in (tmp_path / "log.txt").read_text()


def test_quick_exit_skips_the_teardown(tmp_path: Path) -> None:
    """An object's finalizer that only the teardown of its module would run does not run (the
    point of the quick exit); with an ordinary exit it does."""
    body = ("class Noisy:\n"
            "    def __del__(self):\n"
            "        print('freed', flush=True)\n"
            "kept = Noisy()\n")
    quick = _python(body + "from sim.console import quick_exit\nquick_exit(0)\n", tmp_path)
    ordinary = _python(body + "import sys\nsys.exit(0)\n", tmp_path)
    assert (quick.returncode, quick.stdout) == (0, "")
    assert (ordinary.returncode, ordinary.stdout) == (0, "freed\n")


@pytest.mark.parametrize("code, status, stderr", [(None, 0, ""), (0, 0, ""), (2, 2, ""),
                                                  ("bad input", 1, "bad input\n")])
def test_exit_codes_as_python_gives_them(code: object, status: int, stderr: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert console.exit_code(code) == status
    assert capsys.readouterr().err == stderr


def test_a_script_ends_with_its_commands_status(tmp_path: Path) -> None:
    """A command's ``SystemExit`` (here argparse's, for an unknown option) is the script's status,
    its message on standard error; a failure that is not a ``SystemExit`` ends as Python ends it."""
    done = _python("import sys\nsys.argv = ['sahel-sim-rerun', 'f', 'r', '--no-such-option']\n"
                   "from sim.console import rerun\nrerun()\n", tmp_path)
    assert done.returncode == 2
    assert "--no-such-option" in done.stderr
    crash = _python("import sys, types\n"
                    "sys.modules['boom'] = types.SimpleNamespace(main=lambda: 1 / 0)\n"
                    "from sim.console import _script\n_script('boom')\n", tmp_path)
    assert crash.returncode == 1
    assert "ZeroDivisionError" in crash.stderr


def test_every_console_script_is_a_quick_exit_of_its_commands_main() -> None:
    """pyproject's scripts (all but the app, a server) point here, each to a function that runs
    the ``main`` of a module that has one."""
    import importlib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    for name, target in scripts.items():
        module, _, attr = target.partition(":")
        if name == "sahel-sim-app":
            continue
        assert module == "sim.console", (name, target)
        fn = getattr(console, attr)
        assert callable(importlib.import_module(fn.module).main), (name, fn.module)
        assert fn.__name__ == attr and name in fn.__doc__
