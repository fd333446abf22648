"""The suite's header names the CPU features numpy's arithmetic runs with, and the ``dispatch``
marker (tests/test_dispatch_levels.py: the bit-identity tests again at lower SIMD dispatch levels;
deselect them with ``-m "not dispatch"``)."""

from __future__ import annotations


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "dispatch: reruns the bit-identity tests in subprocesses at lower numpy SIMD "
                   "dispatch levels (NPY_DISABLE_CPU_FEATURES); deselect with -m 'not dispatch'")


def pytest_report_header(config):
    from dispatch import ENV, cpu_features, describe

    f = cpu_features()
    lines = [f"numpy {f['numpy']}: {describe(f)} (of {' '.join(f['dispatch']) or 'none'})"]
    if f["disabled_env"] is not None:
        # numpy ignores, with a hidden ImportWarning, a name that is not one of its targets
        ignored = [t for t in f["disabled_env"].replace(",", " ").split()
                   if t not in f["dispatch"]]
        lines.append(f"{ENV}={f['disabled_env']!r}"
                     + (f" (numpy ignored {' '.join(ignored)})" if ignored else ""))
    return lines


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """The same lines at the end of the run, which ``-q`` (the README's command) shows too."""
    for line in pytest_report_header(config):
        terminalreporter.write_line(f"CPU features in force: {line}")
