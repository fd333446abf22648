"""Bad inputs shared by the Python (test_config) and command-line (test_cli) tests: each must
stop the run before it starts with an error naming the parameter, the value and what is allowed."""

from sim.config import group_options

SCENARIOS = group_options("scenario")
WORLDS = group_options("world")
POWERS = ["china", "eu", "france", "russia", "turkey", "un", "usa"]
STATES = ["burkina_faso", "chad", "cote_divoire", "guinea", "mali", "mauritania", "niger",
          "senegal"]
RULES = ["cost_benefit", "none", "opportunistic", "proportional", "rivalry"]

#: (id, overrides, parameter named, value pattern, what must be listed as allowed)
BAD_INPUTS = [
    ("typo_top_level", ["seeed=3"], "seeed", r"seeed", ["seed", "start", "end"]),
    ("typo_nested", ["rules.vacum.russia=none"], "vacum", r"vacum", ["vacuum", "default_vacuum"]),
    ("unknown_rule", ["rules.vacuum.russia=opportunstic"], "rules.vacuum.russia", r"opportunstic",
     RULES),
    ("phi_negative", ["metrics.phi=-1"], "metrics.phi", r"=-1(\.0)?\b", ["0"]),
    ("control_speed_above_1", ["params.combat.control_speed=2"], "params.combat.control_speed",
     r"=2(\.0)?\b", ["[0, 1]"]),
    ("k_zero", ["metrics.k=0"], "metrics.k", r"=0\b", ["[1, 3]"]),
    ("seed_not_a_number", ["seed=abc"], "seed", r"abc", ["allowed"]),
    ("end_before_start", ["start=2020-01", "end=2019-01"], "end", r"2019-01.*start.*2020-01",
     ["end >= start"]),
    ("month_13", ["start=2019-13"], "start", r"2019-13", ["YYYY-MM"]),
    ("unknown_scenario", ["scenario=histrical"], "scenario", r"histrical", SCENARIOS),
    ("unknown_world", ["world=sahl"], "world", r"sahl", WORLDS),
    ("event_unknown_state", ["scenario.events=[{date:'2019-03',kind:coup,target:atlantis}]"],
     "scenario.events[0]", r"atlantis", STATES),
    ("event_unknown_power",
     [("scenario.events=[{date:'2019-03',kind:deploy,actor:rusia,target:mali,"
       "instrument:troops,value:10}]")], "scenario.events[0]", r"rusia", POWERS),
    ("vacuum_key_not_a_power", ["rules.vacuum.rusia=none"], "rules.vacuum", r"rusia", POWERS),
    ("vacuum_key_not_a_power_added", ["+rules.vacuum.rusia=none"], "rules.vacuum", r"rusia",
     POWERS),
]
