"""Deterministic generator of realistic sample exports: calibrated to the consultation report when
the pack has `sample/` (the reference case), else written from the pack alone (`generic`)."""

from sample_generator.generate import DEFAULT_SEED, build_sample, has_calibration, write_sample
from sample_generator.generic import comment_truth as generic_comment_truth
from sample_generator.generic import write_generic_sample

__all__ = [
    "DEFAULT_SEED",
    "build_sample",
    "generic_comment_truth",
    "has_calibration",
    "write_generic_sample",
    "write_sample",
]
