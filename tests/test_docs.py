"""The model documentation stays true to the code: the generated parameter table is current and
complete, the ODD names every built-in rule and scenario, and every source tag in the configs
resolves in docs/sources.md."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
import typing
from pathlib import Path

import pytest
from paths import ROOT

from sim import config as C
from sim import docs
from sim.config import config_dir, group_options
from sim.rules import registry

DOCS = ROOT / "docs"


def _param_paths(cls: type, prefix: str = "") -> list[str]:
    """Dotted paths of every ``param(...)`` field reachable from ``cls``, with ``<...>`` for dict
    keys and ``[<i>]`` for list items (walked here, independently of sim.docs)."""
    out: list[str] = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        tp, path = hints[f.name], f"{prefix}.{f.name}" if prefix else f.name
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if dataclasses.is_dataclass(tp):
            out += _param_paths(tp, path)
        elif origin is dict and dataclasses.is_dataclass(args[1]):
            out += _param_paths(args[1], path + ".<key>")
        elif origin is list and args and dataclasses.is_dataclass(args[0]):
            out += _param_paths(args[0], path + "[<i>]")
        elif "unit" in f.metadata:
            out.append(path)
    return out


def test_parameters_md_is_up_to_date():
    assert docs.main(["--check"]) == 0, "docs/parameters.md is stale: run `python -m sim.docs`"


def test_check_fails_on_a_stale_file(tmp_path, capsys):
    stale = tmp_path / "parameters.md"
    stale.write_text(docs.render().replace("| `params.combat.tullock_m` | ",
                                           "| `params.combat.tullock_m` | 99 ", 1))
    assert docs.main(["--check", "--output", str(stale)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert docs.main(["--check", "--output", str(tmp_path / "missing.md")]) == 1


def test_every_param_field_is_in_the_table():
    text = (DOCS / "parameters.md").read_text()
    paths = _param_paths(C.RunConfig)
    assert len(paths) > 80  # the walk reached the nested sections
    missing = []
    for path in paths:
        pattern = re.escape(path).replace(re.escape("<key>"), r"<[a-z]+>")
        if not re.search(rf"^\| `{pattern}` \|", text, re.MULTILINE):
            missing.append(path)
    assert not missing, f"parameters missing from docs/parameters.md: {missing}"


def test_table_shows_each_parameter_with_its_schema_default_and_range():
    rows = {r.path: r for r in docs.schema_rows()[0]}
    row = rows["params.combat.tullock_m"]
    assert row.default == docs.fmt(C.CombatParams().tullock_m)
    sections = {"params.combat": C.CombatParams, "params.hosts": C.HostProcessParams,
                "world.groups.<group>": C.GroupConfig,
                "world.powers.<power>.instruments.<kind>": C.InstrumentConfig}
    for prefix, cls in sections.items():
        for f in dataclasses.fields(cls):
            lo, hi = f.metadata.get("lo"), f.metadata.get("hi")
            if lo is None and hi is None:
                continue
            shown = rows[f"{prefix}.{f.name}"].allowed
            assert shown == f"[{'-inf' if lo is None else docs.fmt(lo)}, "\
                            f"{'inf' if hi is None else docs.fmt(hi)}]", f.name
    assert rows["world.powers.<power>.instruments.<kind>.unit_cost_usd"].unit.startswith("USD")


def test_sahel_values_come_with_their_source_tag():
    text = (DOCS / "parameters.md").read_text()
    row = next(line for line in text.splitlines()
               if line.startswith("| `powers.russia.instruments.contractors` |"))
    assert "[C: C7]" in row and "[F 3]" in row  # the host-paid share's source and pattern


def test_importing_sim_docs_runs_nothing(tmp_path):
    target = DOCS / "parameters.md"
    before = target.stat().st_mtime_ns
    out = subprocess.run([sys.executable, "-c", "import sim.docs"], cwd=tmp_path,
                         capture_output=True, text=True, check=True)
    assert out.stdout == "" and out.stderr == ""
    assert target.stat().st_mtime_ns == before
    assert list(tmp_path.iterdir()) == []


def test_every_documented_parameter_is_read_by_the_model(monkeypatch):
    """A parameter the table describes must do something: running the model (and summarizing its
    run) reads every documented field of ``params``, ``rules``, ``scenario`` and ``metrics``.

    The check is dynamic: each config object of those sections is turned into an instance of a
    subclass that records every field read as its full dotted path (copies keep the subclass, so
    the model's copy-on-write of param events is followed too). A field is read only where the
    code that owns it uses it, so a parameter that no process uses is reported even if a field
    of the same name exists elsewhere (``influence.rate`` beside ``rules``'s rates). Worlds are
    built before the model runs and are not checked here.

    The tiny worlds are chosen so that every conditional read happens: each built-in rule is
    followed by some power; there is an event of every kind, a casualty withdrawal and the
    Western cut; endogenous coups and expulsions are on; a third world runs the hosts' choice of
    partners, coups and sanctions.
    """
    from sim.metrics import summarize_arrays
    from sim.model import SahelModel
    from sim.processes import influence as influence_p
    from tests.worlds import event, france, politics_world, russia, tiny_world, usa

    #: documented fields that are read before the model exists, not by it
    read_elsewhere = {
        "rules.plugins": "imported by sim.api before the model is built",
        "scenario.name": "a label copied to the summary by sim.api",
        "scenario.description": "a label for the reader",
        "metrics.twin": "read by sim.api.run, which runs the twin world",
        "metrics.premium_margin": "read by sim.twin.premium, after both runs",
    }
    sections = ("params.", "rules.", "scenario.", "metrics.")
    documented = {re.sub(r"\.<[^>]*>$", "", r.path) for r in docs.schema_rows()[0]
                  if r.path.startswith(sections)} - set(read_elsewhere)
    assert {"params.influence.rate", "rules.rivalry.max_personnel",
            "scenario.west_withdrawal_share", "metrics.phi"} <= documented

    def record_reads(obj: object, path: str, reads: set[str]) -> None:
        """Make ``obj`` (a config dataclass, in place, with the ones it holds) add
        ``<path>.<field>`` to ``reads`` whenever one of its fields is read."""
        names = {f.name for f in dataclasses.fields(obj)}
        for name in names:
            value = object.__getattribute__(obj, name)
            if dataclasses.is_dataclass(value):
                record_reads(value, f"{path}.{name}", reads)
            elif isinstance(value, list):
                for item in filter(dataclasses.is_dataclass, value):
                    record_reads(item, f"{path}.{name}[<i>]", reads)

        def __getattribute__(self: object, name: str) -> object:
            if name in names:
                reads.add(f"{path}.{name}")
            return object.__getattribute__(self, name)

        cls = type(obj)
        obj.__class__ = type(cls.__name__, (cls,),
                             {"__getattribute__": __getattribute__, "__slots__": ()})

    def unread(configs: list[C.RunConfig]) -> list[str]:
        """The documented fields that running and summarizing ``configs`` never reads."""
        reads: set[str] = set()
        for cfg in configs:
            for section in ("params", "rules", "scenario", "metrics"):
                record_reads(getattr(cfg, section), section, reads)
            model = SahelModel(cfg)
            model.run()
            summarize_arrays(model.recorder.arrays(), cfg.metrics, cfg.start, cfg.end)
        return sorted(documented - reads)

    def worlds() -> list[C.RunConfig]:
        powers = {"france": france(casualty_tolerance=0.0), "russia": russia(), "usa": usa()}
        powers["france"].air_sorties = 17.6  # air and ISR support
        deployed = (("france", "mali", "troops", 3000.0), ("france", "niger", "troops", 1000.0),
                    ("usa", "niger", "troops", 500.0))
        first = tiny_world(
            powers=powers, deployments=deployed, regime="military", fighters=3000.0,
            rules={"russia": "opportunistic", "france": "proportional", "usa": "rivalry"},
            receptivity={"mali": {"russia": 0.8, "usa": 0.1}},
            events=[event("2019-02", "coup", target="niger", note="scheduled"),
                    event("2019-02", "expel", "mali", "france", months=2),
                    event("2019-03", "withdraw", "usa", "niger", instrument="troops", value=100),
                    event("2019-03", "agreement", "niger", "russia", id="niger_russia"),
                    event("2019-04", "deploy", "usa", "mali", instrument="troops", value=50),
                    event("2019-04", "budget", "niger", value=2e8),
                    # a world path: resolving a params path reads its section's every field
                    event("2019-05", "param", path="world.powers.usa.casualty_tolerance",
                          value=1e6)],
            end="2019-08")
        first.scenario.endogenous_coups = first.scenario.endogenous_expulsion = True
        first.scenario.west_withdrawal_share, first.scenario.west_withdrawal_date = 0.5, "2019-03"
        second = tiny_world(rules={"russia": "cost_benefit"}, end="2019-04")
        # politics: an elected government that ends France's agreement and invites Russia, and
        # a coup (scheduled, and a failed attempt from a high hazard) answered by sanctions
        third = politics_world(regime="civilian", france_receptivity=0.0, russia_receptivity=0.9,
                               coups=True, sanctions=True, end="2019-12",
                               events=[event("2019-08", "coup", target="niger")])
        third.params.coups.attempt_rate = 1.5
        third.params.sanctions.embargo_probability = 1.0
        third.params.partners.end_agreement_months = 2
        return [first, second, third]

    missing = unread(worlds())
    assert not missing, f"documented parameters the model never reads: {missing}"

    # the check can fail: a process that stops using its parameter is caught
    monkeypatch.setattr(influence_p, "update_influence", lambda world, st, p: None)
    assert unread(worlds()) == ["params.influence.rate"]


def test_validation_settings_are_in_the_table_with_their_defaults():
    from sim.validate.config import VALIDATE_FIELDS, ValidateConfig

    assert set(VALIDATE_FIELDS) == {"replicates", "hindcast_start", "hindcast_end", "n_jobs",
                                    "politics_rules"}
    text = (DOCS / "parameters.md").read_text()
    settings = text[text.index("## Validation settings"):text.index("## The sahel world")]
    defaults = ValidateConfig()
    for name in VALIDATE_FIELDS:
        row = next((line for line in settings.splitlines() if line.startswith(f"| `{name}` |")),
                   None)
        assert row is not None, f"{name} is missing from docs/parameters.md"
        assert row.split(" | ")[1] == docs.fmt(getattr(defaults, name)), row
    assert "| `n_jobs` | 1 | [-1, 1,024] |" in settings


def test_a_field_note_cannot_shadow_a_documented_field(monkeypatch):
    monkeypatch.setitem(docs.FIELD_NOTES, "params.combat.arms_effect", "stale text")
    with pytest.raises(ValueError, match="arms_effect"):
        docs.schema_rows()


@pytest.fixture(scope="module")
def odd() -> str:
    return (DOCS / "ODD.md").read_text()


def _section(text: str, number: int) -> str:
    """Section ``number`` of the ODD (from its ``## n.`` heading to the next one)."""
    start = text.index(f"\n## {number}. ")
    return text[start:text.index("\n## ", start + 1)]


def test_every_calibrated_value_is_in_the_odd_calibration_table(odd):
    """Each value the Sahel world tags ``[C: Cn]`` has a row of the ODD's calibration table that
    names its path and every pattern of its tag (the reason is that row's text)."""
    comments = docs.yaml_comments((config_dir() / "world" / "sahel.yaml").read_text())
    tagged: dict[str, set[str]] = {}
    for where in (comments.inline, comments.above):
        for path, comment in where.items():
            patterns = {c for body in re.findall(r"\[C:([^\]]*)\]", comment)
                        for c in re.findall(r"C\d+", body)}
            if patterns and path[0] == "world":
                tagged.setdefault(".".join(path[1:]), set()).update(patterns)
    assert {"states.burkina_faso.army_effectiveness", "powers.un.instruments.peacekeepers",
            "powers.russia.instruments.contractors", "snapshots.2019-01.deployments"} <= set(tagged)
    rows = [line for line in _section(odd, 11).splitlines() if line.startswith("|")]
    missing = []
    for path, patterns in sorted(tagged.items()):
        if not any((f"`{path}`" in r or f"`world.{path}`" in r)
                   and all(re.search(rf"\b{c}\b", r) for c in patterns) for r in rows):
            missing.append(f"{path} {sorted(patterns)}")
    assert not missing, f"calibrated values without their row in docs/ODD.md section 11: {missing}"


def test_odd_calibration_names_the_changed_defaults_with_their_values(odd):
    table = _section(odd, 11)
    for path, value in (("params.groups.grievance_harm_weight", 4.0),
                        ("params.groups.fighter_cap_share", 0.001),
                        ("rules.opportunistic.footprint_fraction", 0.5),
                        ("rules.cost_benefit.footprint_fraction", 0.5)):
        row = next(r for r in table.splitlines() if r.startswith("|") and f"`{path}`" in r)
        assert docs.fmt(value) in row.split(" | ")[1], (path, row)
        section, name = path.rsplit(".", 1)
        schema = {"params.groups": C.GroupProcessParams, "rules.opportunistic":
                  C.OpportunisticParams, "rules.cost_benefit": C.CostBenefitParams}[section]
        assert getattr(schema(), name) == value, f"{path}: the ODD quotes a stale default"


def test_parameter_paths_quoted_in_the_docs_exist():
    """Every full parameter path the ODD or the README quotes (`params.*`, `rules.*`,
    `scenario.*`, `metrics.*`, `world.*`) names a field of the schema (or a section of it)."""
    rows = [r.path.replace("[<i>]", "").split(".") for r in docs.schema_rows()[0]]

    def known(parts: list[str]) -> bool:
        return any(len(parts) <= len(row) and all(
            a == b or a.startswith("<") or b.startswith("<") for a, b in zip(parts, row))
            for row in rows)

    unknown = []
    for name in ("docs/ODD.md", "README.md"):
        text = (ROOT / name).read_text()
        for token in re.findall(r"`((?:params|rules|scenario|metrics|world)\.[A-Za-z0-9_.<>]+)`",
                                text):
            if not token.endswith(".") and not known(token.split(".")):
                unknown.append(f"{name}: {token}")
    assert not unknown, f"the docs quote parameters the schema does not have: {unknown}"


def test_readme_documents_every_installed_command():
    import tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert {"sahel-sim", "sahel-sim-validate"} <= set(scripts)
    readme = (ROOT / "README.md").read_text()
    missing = [s for s in scripts if f"{s} " not in readme]
    assert not missing, f"README.md does not show how to use {missing}"


def test_odd_mentions_every_builtin_vacuum_rule(odd):
    builtins = [n for n in registry.names() if registry.get(n).__module__ == "sim.rules.vacuum"]
    assert {"none", "proportional", "opportunistic", "cost_benefit", "rivalry"} <= set(builtins)
    missing = [n for n in builtins if f"`{n}`" not in odd]
    assert not missing, f"docs/ODD.md does not describe the rules {missing}"


def test_odd_mentions_every_scenario_file(odd):
    scenarios = group_options("scenario")
    assert "historical" in scenarios and "endogenous" in scenarios
    missing = [s for s in scenarios if f"`{s}`" not in odd]
    assert not missing, f"docs/ODD.md does not describe the scenarios {missing}"


def test_odd_follows_the_odd_protocol_order(odd):
    headings = [h.lower() for h in re.findall(r"^## (.+)$", odd, re.MULTILINE)]
    order = ["purpose", "entities", "process overview", "design concepts", "initialization",
             "input data", "submodels"]
    positions = [next(i for i, h in enumerate(headings) if key in h) for key in order]
    assert positions == sorted(positions)


def test_every_fact_tag_in_the_configs_resolves_in_sources_md():
    sources = (DOCS / "sources.md").read_text()
    sections = set(re.findall(r"^#{2,3} (\d+[a-z]?)\. ", sources, re.MULTILINE))
    cited: set[str] = set()
    for path in config_dir().rglob("*.yaml"):
        for body in re.findall(r"\[F ([^\[\]]*)", path.read_text()):
            cited |= set(re.findall(r"(?:^|F\s*)(\d+[a-z]?)\b", body))
    assert {"1", "2a", "3", "6a", "6b"} <= cited
    assert not cited - sections, f"[F x] tags without a section in docs/sources.md: {cited - sections}"


def test_every_politics_tag_in_the_configs_resolves_in_sources_politics_md():
    """``[P 6a]`` tags (pre-2020 political and violence facts) name a section of
    docs/sources-politics.md, the project's copy of those facts; so do the schema's sources."""
    sources = (DOCS / "sources-politics.md").read_text()
    sections = set(re.findall(r"^#{2,3} (\d+[a-z]?)\. ", sources, re.MULTILINE))
    cited = set()
    files = [*Path(config_dir()).rglob("*.yaml"), ROOT / "sim" / "config" / "schema.py"]
    for path in files:
        text = path.read_text()
        for body in re.findall(r"\[P ([^\[\]]*)\]", text):
            cited |= set(re.findall(r"\d+[a-z]?", body))
        for body in re.findall(r"pre2020-politics section ([0-9a-z, ]+)", text):
            cited |= set(re.findall(r"\d+[a-z]?", body))
    assert cited, "no politics tag found"
    assert not cited - sections, f"tags without a section: {cited - sections}"


def test_every_calibration_tag_names_a_pattern_in_sources_md():
    sources = (DOCS / "sources.md").read_text()
    patterns = set(re.findall(r"^\| (C\d+) \|", sources, re.MULTILINE))
    assert patterns == {f"C{i}" for i in range(1, 11)}
    cited: set[str] = set()
    for path in config_dir().rglob("*.yaml"):
        for body in re.findall(r"\[C: ([^\]]*)", path.read_text()):
            cited |= set(re.findall(r"C\d+", body))
    assert cited and not cited - patterns


def test_no_file_cites_a_specification_outside_the_repository():
    """Citations point at docs/ODD.md: the specification file is not part of the repository, so
    no tracked file (code, configs, notebooks, docs, the report's text) may cite it by name."""
    files = subprocess.run(["git", "-C", str(ROOT), "ls-files"], capture_output=True, text=True,
                           check=False).stdout.split()
    if not files:
        pytest.skip("not a git checkout")
    name = "MODEL" + ".md"  # spelled apart so that this test does not cite it
    citing = [f for f in files if (ROOT / f).is_file() and name in (ROOT / f).read_text(
        errors="ignore")]
    assert not citing, f"{len(citing)} files cite {name}: {citing}"


def test_the_readme_is_for_users_and_at_most_300_lines():
    """The README stays a user's page (issue 23): at most 300 lines, its first lines the two
    commands; engineering detail lives in docs/."""
    lines = (ROOT / "README.md").read_text().splitlines()
    assert len(lines) <= 300, len(lines)
    assert lines[3].startswith("make run") and lines[4].startswith("make test")
