"""Deterministic generator of realistic sample exports, calibrated to the consultation report."""

from sample_generator.generate import DEFAULT_SEED, build_sample, write_sample

__all__ = ["DEFAULT_SEED", "build_sample", "write_sample"]
