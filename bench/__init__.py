"""Benchmarks (issue 8): data generator, runner, and a settings module that adds the framework-floor endpoint."""
