"""Command line: python -m bot COMMAND (see README.md)."""
from __future__ import annotations

import argparse
import getpass
import json
import sys

import logging

from bot import outbox, referrals, stack, store
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


def _referrals(args: argparse.Namespace) -> int:
    rows = referrals.list_referrals()
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    for r in rows:
        delivery = r["delivery"]
        print(f"{r['reference']}  {r['created_at']}  {r['trial_id']}  {r['verdict']:17} not sure: {len(r['flags'])}  "
              f"status={r['status']}  delivery={delivery['state']} ({delivery['attempts']} attempts"
              f"{', ' + delivery['last_error'] if delivery['last_error'] else ''})")
    return 0


def _deliver(args: argparse.Namespace) -> int:
    settings = outbox.RelaySettings.from_env()
    if not settings.url:
        print("REFERRAL_WEBHOOK_URL is not set: nothing to deliver to; referrals stay in the outbox.",
              file=sys.stderr)
        return 1
    outcome = outbox.deliver_due(settings)
    print(f"delivered {outcome['delivered']}, will retry {outcome['retrying']}, failed {outcome['failed']}")
    return 0


def _relay(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    outbox.relay_forever(outbox.RelaySettings.from_env(), interval=args.interval)
    return 0


def _users_add(args: argparse.Namespace) -> int:
    from bot.review import add_user

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"Password for {args.name} (12+ characters): ")
        if getpass.getpass("Again: ") != password:
            print("error: the passwords differ", file=sys.stderr)
            return 2
    add_user(args.name, password)
    print(f"added {args.name}")
    return 0


def _review() -> int:
    from bot.review import serve

    serve()
    return 0


def _web() -> int:
    from bot.web import serve

    serve()
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

    web = commands.add_parser("web", help="serve the volunteers' page with the chat (make run starts it)")
    web.set_defaults(func=lambda a: _web())

    review = commands.add_parser("review", help="serve the coordinators' review app (make run starts it)")
    review.set_defaults(func=lambda a: _review())

    users = commands.add_parser("users", help="coordinators who may log in to the review app")
    user_commands = users.add_subparsers(dest="users_command", required=True)
    add = user_commands.add_parser("add", help="add a coordinator; asks for the password")
    add.add_argument("name")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.set_defaults(func=_users_add)

    listing = commands.add_parser("referrals", help="all referrals with their delivery state")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=_referrals)

    deliver = commands.add_parser("deliver", help="run the referral outbox once")
    deliver.set_defaults(func=_deliver)

    relay = commands.add_parser("relay", help="run the referral outbox continuously (make run starts it)")
    relay.add_argument("--interval", type=float, default=1.0, help="seconds between passes")
    relay.set_defaults(func=_relay)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 0
    except (ProtocolError, stack.StackError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
