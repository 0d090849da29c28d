"""The `bnkpi` command: `bnkpi run` and `bnkpi validate` (DESIGN.md, "Running — contract").

Exit codes: 0 success; 1 a notebook failed; 2 the raw data have problems; 3 another run holds the lock;
64 the command line is wrong.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import config
from .runner import EXIT_INVALID_DATA, EXIT_OK, EXIT_USAGE, RunError, run_pipeline
from .validate import validate_raw


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2, which means "invalid data" here
        self.print_usage(sys.stderr)
        print(f"bnkpi: {message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="bnkpi", description="Bắc Ninh S&T and innovation targets: run the notebook suite.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="validate the raw data and execute the notebooks in order")
    run.add_argument("--raw-dir", type=Path, default=config.RAW_DIR, help="raw inputs (default: data/raw)")
    run.add_argument("--processed-dir", type=Path, default=config.PROCESSED_DIR,
                     help="cleaned tables (default: data/processed)")
    run.add_argument("--output-dir", type=Path, default=config.OUTPUT_DIR, help="outputs (default: outputs)")
    run.add_argument("--lang", choices=("vi", "en", "all"), default="vi", help="language of the brief")
    run.add_argument("--notebook-dir", type=Path, default=config.NOTEBOOKS_DIR, help=argparse.SUPPRESS)
    run.add_argument("-q", "--quiet", action="store_true", help="no progress lines, even in a terminal")

    validate = sub.add_parser("validate", help="check the raw data and list every problem")
    validate.add_argument("--raw-dir", type=Path, default=config.RAW_DIR, help="raw inputs (default: data/raw)")
    return parser


def _progress(quiet: bool):
    if quiet or not sys.stderr.isatty():
        return lambda message: None  # cron: silent on success, the log is in OUTPUT/run.log
    return lambda message: print(message, file=sys.stderr, flush=True)


def cmd_validate(args: argparse.Namespace) -> int:
    result = validate_raw(args.raw_dir)
    for problem in result.problems:
        print(problem)
    if result.problems:
        print(f"{len(result.problems)} problem(s) in {args.raw_dir}", file=sys.stderr)
        return EXIT_INVALID_DATA
    if sys.stdout.isatty():
        print(f"{len(result.files)} raw files in {args.raw_dir}: no problems")
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    os.environ.setdefault("TQDM_DISABLE", "1")
    try:
        result = run_pipeline(raw_dir=args.raw_dir, processed_dir=args.processed_dir, output_dir=args.output_dir,
                              lang=args.lang, notebook_dir=args.notebook_dir, progress=_progress(args.quiet))
    except RunError as exc:
        print(f"bnkpi run: {exc.reason}", file=sys.stderr)
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return exc.exit_code
    if sys.stdout.isatty() and not args.quiet:
        print(f"Outputs: {result.output_dir}\nProcessed data: {result.processed_dir}\n"
              f"Manifest: {result.output_dir / 'manifest.json'}")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "validate":
        return cmd_validate(args)
    return cmd_run(args)


if __name__ == "__main__":
    sys.exit(main())
