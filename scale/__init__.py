"""``make scale``: each scheme's credential lookup cost as its tables grow 10^3..10^6 rows.

Three steps, one module each: :mod:`scale.seed` grows the tables in bulk,
:mod:`scale.measure` times the lookups and requests at each size, and
:mod:`scale.orchestrate` runs one child process per store and writes the run folder
(``dimensions.scale`` and ``scale``, results/SCHEMA.md). The verdicts (flat or grows)
and the tables are the report's (:mod:`reports.scale`).
"""
