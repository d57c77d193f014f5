"""The results layer: run folders, the summary.json schema, statistics, provenance.

Every producer (``benchmarks``, ``loadtests``, ``scale``) and the report builder
share it. It imports neither ``lab`` nor anything that needs Django's settings.
"""
