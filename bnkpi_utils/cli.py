"""The `bnkpi` command: `bnkpi run` and `bnkpi validate` (docs/contracts.md, "Running — contract").

Exit codes: 0 success; 1 a notebook failed, or a folder could not be written (or no brief to send, or an
unexpected error: one paragraph, the details in a log file); 2 the raw data have problems; 3 another run holds the
lock; 4 sending the brief failed; 64 the command line is wrong (including a refused output folder or e-mail
address); 130/143 the run was stopped by SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import sys
import tempfile
import traceback
from pathlib import Path

from importlib import metadata

from . import config
from . import mail
from . import params
from . import publish
from .runner import EXIT_FAILED, EXIT_INVALID_DATA, EXIT_OK, EXIT_USAGE, RunError, run_pipeline

from .validate import validate_raw
from .safe_text import escape

EXIT_SEND_FAILED = 4
EXIT_INTERRUPTED = 130


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2, which means "invalid data" here
        self.print_usage(sys.stderr)
        print(f"bnkpi: {message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


EPILOG = """exit codes: 0 success; 1 a notebook failed, a folder could not be written (or no brief to send);
2 the raw data have problems; 3 another run holds the lock; 4 sending the brief failed; 64 the command line is
wrong (also a refused folder or address); 130/143 stopped by SIGINT/SIGTERM.
examples:
  bnkpi validate
  bnkpi run --lang all --param alpha=0.35
  bnkpi send --to lanhdao@example.vn --smtp-host mail.example.vn --starttls --user so-khcn --from bnkpi@example.vn"""

PARAM_HELP = "; ".join(f"{key} (default {value}): {params.DESCRIPTIONS[key]}" for key, value in params.DEFAULTS.items())


def _version() -> str:
    try:
        return metadata.version("bnkpi")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="bnkpi", description="Bắc Ninh S&T and innovation targets: run the notebook suite.",
                     epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"bnkpi {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="validate the raw data and execute the notebooks in order")
    run.add_argument("--raw-dir", type=Path, default=config.RAW_DIR, help="raw inputs (default: data/raw)")
    run.add_argument("--processed-dir", type=Path, default=config.PROCESSED_DIR,
                     help="cleaned tables (default: data/processed)")
    run.add_argument("--output-dir", type=Path, default=config.OUTPUT_DIR, help="outputs (default: outputs)")
    run.add_argument("--lang", choices=("vi", "en", "all"), default="vi", help="language of the brief")
    run.add_argument("--notebook-dir", type=Path, default=config.NOTEBOOKS_DIR, help=argparse.SUPPRESS)
    run.add_argument("-q", "--quiet", action="store_true", help="no progress lines, even in a terminal")
    run.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                     help=f"an analysis parameter for every notebook (repeatable). {PARAM_HELP}")
    run.add_argument("--params-file", type=Path, metavar="TOML",
                     help="analysis parameters as key = value lines (TOML); --param wins over the file")
    run.add_argument("--period", metavar="YYYY-QN",
                     help="the quarter the brief reports on (default: the last complete quarter)")
    run.add_argument("--archive-url", metavar="URL",
                     help="where the briefs folder is published: the e-mail links to the target pages there")
    run.add_argument("--send", action="store_true", help="after a fully successful run, e-mail the brief (options below)")
    _add_smtp_options(run, required=False)

    send = sub.add_parser("send", help="e-mail the brief of the last run (password from $BNKPI_SMTP_PASSWORD)")
    send.add_argument("--output-dir", type=Path, default=config.OUTPUT_DIR, help="outputs (default: outputs)")
    send.add_argument("--lang", choices=("vi", "en", "all"), default="vi", help="which brief(s) to send")
    send.add_argument("--dry-run", action="store_true", help="print what would be sent, send nothing")
    _add_smtp_options(send, required=True)

    request = sub.add_parser("request", help="write the quarterly data round's workbooks, one per agency")
    request.add_argument("--period", required=True, help="the round, e.g. 2026-Q4")
    request.add_argument("--raw-dir", type=Path, default=config.RAW_DIR, help="raw inputs (default: data/raw)")
    request.add_argument("--output-dir", type=Path, default=config.OUTPUT_DIR,
                         help="writes OUTPUT/requests/PERIOD/<agency>.xlsx (default: outputs)")
    request.add_argument("--agency", help="only this agency's workbook (name as in targets.csv, or its file name)")
    request.add_argument("--due", help="the return deadline, YYYY-MM-DD (shown in the guide as dd/mm/yyyy)")
    request.add_argument("--contact", help="who to contact about the workbook (name, phone, e-mail), shown in the guide")

    validate = sub.add_parser("validate", help="check the raw data and list every problem")
    validate.add_argument("--raw-dir", type=Path, default=config.RAW_DIR, help="raw inputs (default: data/raw)")
    validate.add_argument("--output-dir", type=Path, default=config.OUTPUT_DIR,
                          help="writes OUTPUT/feedback/YYYY-QN/<file>.xlsx for returned workbooks with problems "
                               "(default: outputs)")
    parser.subcommands = sub.choices  # for the usage of the right subcommand on unknown options
    return parser


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port}: a port is between 1 and 65535")
    return port


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < 86400:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of seconds above 0")
    return seconds


def _add_smtp_options(parser: argparse.ArgumentParser, required: bool) -> None:
    group = parser.add_argument_group("e-mail")
    group.add_argument("--to", action="append", default=[], metavar="ADDR", help="recipient (repeat for more)")
    group.add_argument("--cc", action="append", default=[], metavar="ADDR", help="copy recipient (repeatable)")
    group.add_argument("--smtp-host", required=required, help="SMTP server")
    group.add_argument("--smtp-port", type=_port, help="default 25, 587 with --starttls, 465 with --ssl")
    security = group.add_mutually_exclusive_group()
    security.add_argument("--starttls", action="store_true", help="upgrade the connection with STARTTLS")
    security.add_argument("--ssl", action="store_true", help="connect with implicit TLS")
    group.add_argument("--user", help="SMTP login; the password is read from $BNKPI_SMTP_PASSWORD")
    group.add_argument("--from", dest="sender",
                       help="From address (default: --user when it is an address, else the brief's)")
    group.add_argument("--timeout", type=_seconds, default=mail.DEFAULT_TIMEOUT, metavar="SECONDS",
                       help=f"limit for the whole send (default {mail.DEFAULT_TIMEOUT:g})")
    group.add_argument("--insecure-plain-auth", action="store_true",
                       help="allow --user without --starttls/--ssl (the password travels in clear text)")


def _smtp_settings(args: argparse.Namespace) -> mail.SmtpSettings:
    return mail.SmtpSettings(host=args.smtp_host, to=args.to, cc=args.cc, port=args.smtp_port,
                             security="ssl" if args.ssl else "starttls" if args.starttls else "none",
                             user=args.user, sender=args.sender, timeout=args.timeout,
                             insecure_plain_auth=args.insecure_plain_auth)


def _checked_smtp_settings(args: argparse.Namespace, warn: bool = True) -> mail.SmtpSettings:
    """The e-mail options, checked before anything runs or is sent; MailUsageError (exit 64) when wrong."""
    settings = _smtp_settings(args)
    for warning in mail.check_settings(settings):
        if warn:
            print(f"bnkpi: {warning}", file=sys.stderr)
    return settings


def _send_briefs(args: argparse.Namespace, output_dir: Path, password: str | None, dry_run: bool = False,
                 warn: bool = True) -> int:
    """Send each brief; one paragraph says what the server accepted, refused, or may have received.
    SIGTERM and SIGINT end it like `bnkpi run` (143, 130), saying how far each brief had gone."""
    from .processes import Interrupted, Signals

    langs = ["vi", "en"] if args.lang == "all" else [args.lang]
    done: list[str] = []  # what the server accepted before a later brief failed
    try:
        with Signals():
            settings = _checked_smtp_settings(args, warn)
            deadline = mail.deadline_for(settings)
            for lang in langs:
                message = mail.address(mail.load_brief(output_dir, lang), settings)
                if dry_run:
                    print(mail.describe(message, settings))
                    continue
                try:
                    recipients = mail.send(message, settings, password, deadline)
                except mail.SendError as exc:
                    raise type(exc)(*((exc.signum,) if isinstance(exc, mail.SendInterrupted) else ()),
                                    f"brief_{lang}: {exc}") from None
                done.append(f"brief_{lang} was accepted by the server for {', '.join(recipients)}")
                if sys.stdout.isatty():
                    print(f"sent brief_{lang} to {', '.join(recipients)}")
    except mail.SendInterrupted as exc:
        print(f"bnkpi send: stopped by {signal.Signals(exc.signum).name}: {'; '.join([*done, str(exc)])}.",
              file=sys.stderr)
        return 128 + exc.signum
    except mail.MailUsageError as exc:
        print(f"bnkpi send: {'; '.join([*done, str(exc)])}", file=sys.stderr)
        return EXIT_USAGE
    except mail.SendError as exc:
        print(f"bnkpi send: {'; '.join([*done, str(exc)])}", file=sys.stderr)
        return EXIT_FAILED if "no brief at" in str(exc) else EXIT_SEND_FAILED
    except (Interrupted, KeyboardInterrupt) as exc:  # between two briefs, outside the SMTP exchange
        signum = getattr(exc, "signum", signal.SIGINT)
        print(f"bnkpi send: stopped by {signal.Signals(signum).name}: "
              f"{'; '.join([*done, 'no brief was being sent: nothing more was sent'])}.", file=sys.stderr)
        return 128 + signum
    return EXIT_OK


def _progress(quiet: bool):
    if quiet or not sys.stderr.isatty():
        return lambda message: None  # cron: silent on success, the log is in OUTPUT/run.log
    return lambda message: print(message, file=sys.stderr, flush=True)


def cmd_validate(args: argparse.Namespace) -> int:
    from . import data_round

    result = validate_raw(args.raw_dir)
    for problem in result.problems:
        print(problem)
    try:
        for path in data_round.write_feedback(args.raw_dir, result.problems, args.output_dir):
            print(f"bản có đánh dấu lỗi để gửi lại cơ quan (annotated copy): {escape(str(path))}", file=sys.stderr)
    except OSError as exc:  # the problems are printed anyway; the copies are a convenience
        print(f"bnkpi validate: cannot write the feedback copies in {args.output_dir}: {exc.strerror or exc}",
              file=sys.stderr)
    if result.problems:
        print(f"{len(result.problems)} problem(s) in {args.raw_dir}", file=sys.stderr)
        return EXIT_INVALID_DATA
    if sys.stdout.isatty():
        print(f"{len(result.files)} raw files in {args.raw_dir}: no problems")
    return EXIT_OK


def cmd_request(args: argparse.Namespace) -> int:
    from . import clean, data_round

    try:
        data_round.check_period(args.period)
        data_round.check_due(args.due)
    except data_round.RoundError as exc:
        print(f"bnkpi request: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:  # never into a run folder, which a later run deletes
        base, note = publish.request_base(args.output_dir)
    except ValueError as exc:
        print(f"bnkpi request: {exc}. Nothing was written.", file=sys.stderr)
        return EXIT_USAGE
    validated = validate_raw(args.raw_dir)
    if validated.problems:
        for problem in validated.problems:
            print(problem, file=sys.stderr)
        print(f"bnkpi request: {len(validated.problems)} problem(s) in {args.raw_dir}: correct them first "
              "(the workbooks show the values already held)", file=sys.stderr)
        return EXIT_INVALID_DATA
    tables = clean.clean_all(validated).tables
    try:
        paths = data_round.write_requests(tables["targets"], tables["kpi_actuals"], args.period, base,
                                          agency=args.agency, macro=tables["macro"], due=args.due,
                                          contact=args.contact)
    except data_round.RoundError as exc:
        print(f"bnkpi request: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # an output folder that cannot be written
        print(f"bnkpi request: cannot write the workbooks in {args.output_dir}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    if note:
        print(f"bnkpi request: {note}", file=sys.stderr)
    for path in paths:
        print(path)
    return EXIT_OK


def cmd_run(args: argparse.Namespace, password: str | None) -> int:
    os.environ.setdefault("TQDM_DISABLE", "1")
    if args.send:
        if not args.to or not args.smtp_host:
            print("bnkpi: --send needs --to and --smtp-host", file=sys.stderr)
            return EXIT_USAGE
        try:  # a wrong address or AUTH without TLS is refused before the run, not after it
            settings = _checked_smtp_settings(args)
            from .brief import DEFAULT_FROM  # the From the run will write into the .eml

            mail.check_sender(settings, os.environ.get("BNKPI_MAIL_FROM", DEFAULT_FROM))
        except mail.MailUsageError as exc:
            print(f"bnkpi run: {exc}; nothing was run", file=sys.stderr)
            return EXIT_USAGE
    try:
        analysis = params.read_toml(args.params_file) if args.params_file else {}
        analysis.update(params.parse_assignments(args.param))
        for key, value in (("period", args.period), ("archive_url", args.archive_url)):
            if value is not None:
                analysis[key] = params.convert(key, value)
    except params.ParameterError as exc:
        print(f"bnkpi run: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        result = run_pipeline(raw_dir=args.raw_dir, processed_dir=args.processed_dir, output_dir=args.output_dir,
                              lang=args.lang, notebook_dir=args.notebook_dir, progress=_progress(args.quiet),
                              analysis=analysis)
    except RunError as exc:
        print(f"bnkpi run: {exc.reason}", file=sys.stderr)
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return exc.exit_code
    if sys.stdout.isatty() and not args.quiet:
        print(f"Outputs: {result.output_dir}\nProcessed data: {result.processed_dir}\n"
              f"Manifest: {result.output_dir / 'manifest.json'}")
    if args.send:  # only after a fully successful run; the warnings were printed before it
        return _send_briefs(args, result.output_dir, password, warn=False)
    return EXIT_OK


def _safe_streams() -> None:
    """Print whatever the terminal's encoding (PYTHONIOENCODING=ascii, a POSIX locale): characters it cannot
    show are written as escapes (``B\\u1eafc Ninh``) instead of raising UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError):  # replaced by a test harness, or already closed
            pass


def _crash_report(exc: BaseException, argv: list[str] | None, secrets: list[str] | None = None) -> str:
    """Write the traceback to a log file for whoever diagnoses it (any form of a secret in ``secrets``
    removed); returns the sentence naming the file."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    try:
        fd, name = tempfile.mkstemp(prefix=f"bnkpi-error-{stamp}-", suffix=".log")
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as log:
            log.write(f"bnkpi {' '.join(sys.argv[1:] if argv is None else argv)}\n")
            log.write(mail.redact("".join(traceback.format_exception(exc)), secrets or []))
        return f"The details are in {name}."
    except OSError:
        return "The details could not be written to a log file."


def _dispatch(args: argparse.Namespace, password: str | None) -> int:
    if args.command == "validate":
        return cmd_validate(args)
    if args.command == "request":
        return cmd_request(args)
    if args.command == "send":
        return _send_briefs(args, args.output_dir, password, dry_run=args.dry_run)
    return cmd_run(args, password)


def main(argv: list[str] | None = None) -> int:
    """The command; no traceback reaches the user: an unexpected error is one paragraph on stderr, exit 1."""
    _safe_streams()
    # read once and removed, so that no notebook, worker or kernel this process starts inherits it
    password = os.environ.pop(mail.PASSWORD_VARIABLE, None)
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # argparse would show the top-level usage; the subcommand's usage is the useful one
        parser.subcommands[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        return _dispatch(args, password)
    except KeyboardInterrupt:
        print("bnkpi: interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `bnkpi validate | head`: the reader left; say nothing, even at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    except Exception as exc:  # noqa: BLE001 - the top-level handler: anything unforeseen, said in one paragraph
        secrets = mail.secret_forms(getattr(args, "user", None), password)
        # an encoding error quotes the characters it met, which may be a secret's: its text only goes to the log
        detail = [] if isinstance(exc, UnicodeError) else mail.redact(str(exc), secrets).strip().splitlines()
        print(f"bnkpi {args.command}: stopped by an unexpected error ({type(exc).__name__}"
              f"{': ' + detail[0] if detail else ''}). {_crash_report(exc, argv, secrets)}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
