"""CLI: python -m sample_generator --out DIR [--if-missing] [--seed N]
[--respondents N | --sizes talk_london=N,representative=N,boost=N] [--talk-london-series N,N]
[--xlsx]"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sample_generator.generate import DEFAULT_SEED, has_calibration, write_sample
from sample_generator.scale import parse_sizes, write_scaled


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sample_generator", description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="landing folder to write into")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--if-missing", action="store_true", help="do nothing if the folder already has exports"
    )
    parser.add_argument(
        "--respondents",
        type=int,
        help="write a delivery of N respondents resampled from the sample (benchmarks)",
    )
    parser.add_argument(
        "--sizes",
        help="a delivery of these respondents per poll (e.g. talk_london=400,representative=500,"
        "boost=250; a poll not named is not delivered), resampled from the sample",
    )
    parser.add_argument(
        "--talk-london-series",
        help="with --sizes or --respondents: earlier cumulative Talk London exports of these sizes "
        "(e.g. 300,320), each dated the day after its last respondent",
    )
    parser.add_argument(
        "--xlsx", action="store_true", help="with --respondents: Talk London as XLSX too"
    )
    args = parser.parse_args(argv)
    if args.if_missing and args.out.is_dir() and any(args.out.glob("*_2*.*")):
        print(f"sample exports already in {args.out}; nothing written")
        return 0
    if (args.respondents or args.sizes) and not has_calibration():
        parser.error(
            "--respondents and --sizes resample the calibrated sample: the pack has no sample/"
        )
    if args.respondents or args.sizes:
        series = (
            [int(n) for n in args.talk_london_series.split(",")] if args.talk_london_series else []
        )
        written = write_scaled(
            args.out,
            args.respondents,
            seed=args.seed,
            xlsx=args.xlsx,
            sizes=parse_sizes(args.sizes) if args.sizes else None,
            series=series,
        )
    else:
        written = write_sample(args.out, seed=args.seed)
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
