"""A year in a day: `manage.py simulate_year` runs a fresh population of cases through every authority's
procedure at simulated times, only through the public engine, with the reminder sweep running as beat
would, and checks the invariants after every sweep and every simulated day (issue 21).

scenarios.py holds the timings and behaviour rates, population.py the organizations, people and dossiers,
agents.py who moves when and which move (read from the declarations), invariants.py the checks and their
oracles, runner.py the clock, report.py bench/SIMULATION.md."""
