"""Renderers: each turns an :class:`~reports.analyse.Analysis` into one output format."""
