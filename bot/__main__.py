"""Command line: python -m bot COMMAND (see README.md)."""
from __future__ import annotations

import argparse
import json
import sys

from bot import stack, store
from bot.protocol import ProtocolError


def _screening(args: argparse.Namespace) -> int:
    record = store.get_screening(args.sender_id)
    if record is None:
        print(f"no screening stored for {args.sender_id!r}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(record, indent=2, ensure_ascii=False))
        return 0
    print(f"{record['sender_id']}  {record['trial_id']} v{record['protocol_version']}  "
          f"status={record['status']}  verdict={record['verdict'] or '-'}  at={record['current_criterion'] or '-'}")
    for criterion_id, answer in record["answers"].items():
        print(f"  {criterion_id:28} {str(answer['answer']):9} {answer['text']!r}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="start the action server and the Rasa server")
    run.add_argument("--shell", action="store_true", help="chat in the terminal instead (rasa shell)")
    run.set_defaults(func=lambda a: stack.run(shell=a.shell))

    screening = commands.add_parser("screening", help="the stored screening of one conversation")
    screening.add_argument("sender_id")
    screening.add_argument("--json", action="store_true")
    screening.set_defaults(func=_screening)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ProtocolError, stack.StackError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
