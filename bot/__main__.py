"""Command line: python -m bot COMMAND (see README.md)."""
from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

import yaml

from bot import callbacks, config, ctgov, erasure, i18n, importer, outbox, redact, referrals, retention, senders, stack, store
from bot.protocol import ProtocolError, load_protocol_file


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


def _replies(args: argparse.Namespace) -> int:
    rows = callbacks.list_replies()
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    if not rows:
        print("no callback replies waiting for the SMS gateway, and none failed")
    for r in rows:
        when = {"pending": f"next attempt {r['next_attempt_at']}", "failed": f"given up {r['failed_at']}",
                "cancelled": f"cancelled {r['failed_at']} (the number opted out)"}[r["state"]]
        print(f"{r['id']}  {r['created_at']}  {r['recipient_id']}  {r['state']:9}  {r['attempts']} attempts"
              f"{', ' + r['last_error'] if r['last_error'] else ''}  {when}")
    opted_out = callbacks.opted_out_count()
    if opted_out:
        print(f"{opted_out} SMS number{'s' if opted_out != 1 else ''} opted out (STOP): nothing is sent to them")
    return 0


def _relay(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    replies = callbacks.CallbackSettings.from_env()
    outbox.relay_forever(outbox.RelaySettings.from_env(), interval=args.interval,
                         also=lambda http: callbacks.deliver(replies, http=http))
    return 0


def _erase(args: argparse.Namespace) -> int:
    if args.sender_id is None and args.phone is None:
        print("error: give a conversation id, or --phone NUMBER for an SMS volunteer", file=sys.stderr)
        return 2
    sender_id = args.sender_id or senders.sms_id(args.phone)  # an SMS conversation is known by its number's HMAC
    removed = erasure.erase(sender_id)
    print(f"erased {sender_id}: " + (", ".join(f"{n} {kind}" for kind, n in removed.items() if n) or "nothing was stored"))
    return 0


def _migrate(args: argparse.Namespace) -> int:
    stack.migrate()
    print(f"the database is at migration {store.head_revision()}, the newest")
    return 0


def _purge(args: argparse.Namespace) -> int:
    if args.every:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
        retention.purge_forever(args.every)
    now = dt.datetime.fromisoformat(args.now) if args.now else None
    totals = retention.purge(now=now, days=args.days)
    print(f"deleted {totals['conversations']} conversations past retention"
          + "".join(f", {n} {kind}" for kind, n in totals.items() if n and kind != "conversations"))
    return 0


def _ask_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass(f"Password for {args.name} (12+ characters): ")
    if getpass.getpass("Again: ") != password:
        raise ValueError("the passwords differ")
    return password


def _users_add(args: argparse.Namespace) -> int:
    from bot.review import add_user

    add_user(args.name, _ask_password(args), role=args.role, trials=args.trials or None)
    print(f"added {args.name} as {args.role}" + (f" for {', '.join(args.trials)}" if args.trials else ""))
    return 0


def _users_trials(args: argparse.Namespace) -> int:
    from bot.review import COMMAND_LINE
    from bot.review.admin import set_trials

    set_trials(args.name, args.trials, by=COMMAND_LINE)
    print(f"{args.name} now sees {', '.join(args.trials) if args.trials else 'every trial'}")
    return 0


def _users_role(args: argparse.Namespace) -> int:
    from bot.review import COMMAND_LINE
    from bot.review.admin import set_role

    set_role(args.name, args.role, by=COMMAND_LINE)
    print(f"{args.name} is now {args.role}")
    return 0


def _users_passwd(args: argparse.Namespace) -> int:
    from bot.review import set_password

    set_password(args.name, _ask_password(args))
    print(f"changed the password of {args.name}; their open sessions have ended")
    return 0


def _users_disable(args: argparse.Namespace) -> int:
    from bot.review import disable_user

    disable_user(args.name)
    print(f"disabled {args.name}: no logins, and their open sessions have ended")
    return 0


def _users_enable(args: argparse.Namespace) -> int:
    from bot.review import enable_user

    enable_user(args.name)
    print(f"enabled {args.name} (and lifted any lockout after failed logins)")
    return 0


def _trials_dir(args: argparse.Namespace) -> Path:
    return Path(args.out or os.environ.get("BOT_TRIALS_DIR") or Path(__file__).resolve().parent.parent / "data" / "trials")


def _import_trial(args: argparse.Namespace) -> int:
    study = ctgov.fetch_study(args.nct_id)
    draft = importer.draft_protocol(study, dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    target = _trials_dir(args) / f"{args.nct_id}.yml"
    if target.exists() and not args.force:
        print(f"error: {target} exists (it may have been reviewed); use --force to replace it", file=sys.stderr)
        return 2
    header = (f"# Drafted by `python -m bot import-trial {args.nct_id}`. Every criterion has needs_review: true\n"
              "# and the file has review_required: true: rewrite each question, explanation and short name in\n"
              "# plain words, set needs_review: false, then review_required: false. Until then the bot will not\n"
              "# screen with it. Check with: python -m bot validate-trial THIS_FILE\n")
    with tempfile.TemporaryDirectory() as tmp:  # written and validated aside, then moved in whole
        drafted = Path(tmp) / target.name
        drafted.write_text(header + yaml.safe_dump(draft, sort_keys=False, allow_unicode=True, width=110),
                           encoding="utf-8")
        load_protocol_file(drafted)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(drafted), target)
    print(f"wrote {target}: {len(draft['criteria'])} criteria drafted, all marked for review")
    for note in draft["review_notes"]:
        print(f"to settle in review: {note}")
    return 0


def _validate_trial(args: argparse.Namespace) -> int:
    protocol = load_protocol_file(args.file)
    pending = protocol.pending_review()
    if pending:
        print(f"{args.file}: valid, but not screened until reviewed: {', '.join(pending)}")
        return 1
    print(f"{args.file}: valid and reviewed: {len(protocol.criteria)} criteria, ready to screen")
    for note in protocol.review_notes:
        print(f"review note: {note}")
    for language in i18n.LANGUAGES[1:]:  # translations the bot uses meanwhile, until the study team approves them
        texts, messages = protocol.unapproved(language), i18n.unapproved(language)
        if texts or messages:
            offered = "offered" if language in i18n.offered(protocol) else "NOT offered (BOT_APPROVED_LANGUAGES_ONLY)"
            print(f"{i18n.NAMES[language]} ({language}, {offered}): awaiting the study team's approval: "
                  f"{len(texts)} of this trial's texts ({', '.join(texts)}) and {len(messages)} of the bot's "
                  f"messages (locale/{language}/LC_MESSAGES/messages.po, flag 'unapproved')")
    return 0


def _check_trial(args: argparse.Namespace) -> int:
    path = _trials_dir(args) / f"{args.nct_id}.yml"
    protocol = load_protocol_file(path)
    if protocol.provenance is None:
        print(f"error: {path} was not imported (no provenance to compare)", file=sys.stderr)
        return 2
    study = ctgov.fetch_study(args.nct_id)
    module = study["protocolSection"]["eligibilityModule"]
    if importer.eligibility_hash(module.get("eligibilityCriteria", "")) == protocol.provenance.eligibility_sha256:
        print(f"{args.nct_id}: the registry's criteria are unchanged since the import "
              f"(imported {protocol.provenance.imported_at}, registry last updated {protocol.provenance.last_update})")
        return 0
    texts = {c.id: c.text for c in protocol.criteria if c.derived_from is None}
    texts.update({f"{c.id} (covers {n})": text for c in protocol.criteria for n, text in enumerate(c.covers, 1)})
    changes = importer.compare_criteria(texts, study)
    print(f"{args.nct_id}: the registry's criteria CHANGED since the import")
    for text in changes["added"]:
        print(f"  new or reworded in the registry: {text!r}")
    for cid in changes["removed"]:
        print(f"  no longer in the registry as worded: {cid}")
    return 1


def _review() -> int:
    from bot.review import serve

    serve()
    return 0


def _web() -> int:
    from bot.web import serve

    serve()
    return 0


# The long-running servers, whose output goes to var/log/. (The other commands print what staff asked for.)
SERVERS = {"run", "web", "review", "relay", "purge"}


def main(argv=None) -> int:
    config.keep_private()  # the database, logs and secrets any command writes: 0600 files, 0700 folders
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

    users = commands.add_parser("users", help="coordinators and admins who may log in to the review app")
    user_commands = users.add_subparsers(dest="users_command", required=True)
    add = user_commands.add_parser("add", help="add a coordinator (or, with --role admin, an admin); asks for the "
                                               "password")
    add.add_argument("name")
    add.add_argument("--role", choices=("coordinator", "admin"), default="coordinator",
                     help="coordinator (the default) works referrals; admin also manages users and reads the audit log")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.add_argument("--trials", nargs="+", metavar="NCT_ID",
                     help="a coordinator sees only these trials' referrals and screenings (default: every trial)")
    add.set_defaults(func=_users_add)
    limit = user_commands.add_parser("trials", help="limit a coordinator to some trials (none given: every trial)")
    limit.add_argument("name")
    limit.add_argument("trials", nargs="*", metavar="NCT_ID")
    limit.set_defaults(func=_users_trials)
    passwd = user_commands.add_parser("passwd", help="set a coordinator's password; asks for it, ends their sessions")
    passwd.add_argument("name")
    passwd.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    passwd.set_defaults(func=_users_passwd)
    disable = user_commands.add_parser("disable", help="stop a coordinator's logins and end their sessions")
    disable.add_argument("name")
    disable.set_defaults(func=_users_disable)
    enable = user_commands.add_parser("enable", help="allow a coordinator's logins again, and lift a lockout")
    enable.add_argument("name")
    enable.set_defaults(func=_users_enable)
    role = user_commands.add_parser("role", help="make a user a coordinator or an admin")
    role.add_argument("name")
    role.add_argument("role", choices=("coordinator", "admin"))
    role.set_defaults(func=_users_role)

    imports = commands.add_parser("import-trial", help="draft a protocol file from ClinicalTrials.gov")
    imports.add_argument("nct_id")
    imports.add_argument("--out", help="folder for the file (default data/trials/)")
    imports.add_argument("--force", action="store_true", help="replace an existing file")
    imports.set_defaults(func=_import_trial)

    check = commands.add_parser("check-trial", help="has the registry changed the criteria since the import?")
    check.add_argument("nct_id")
    check.add_argument("--out", help="folder of the protocol file (default data/trials/)")
    check.set_defaults(func=_check_trial)

    validate = commands.add_parser("validate-trial", help="check a protocol file and what still needs review")
    validate.add_argument("file")
    validate.set_defaults(func=_validate_trial)

    listing = commands.add_parser("referrals", help="all referrals with their delivery state")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=_referrals)

    deliver = commands.add_parser("deliver", help="run the referral outbox once")
    deliver.set_defaults(func=_deliver)

    replies = commands.add_parser("replies", help="the callback channel's replies waiting for the SMS gateway, "
                                                  "given up on or cancelled (no text), and how many numbers opted out")
    replies.add_argument("--json", action="store_true")
    replies.set_defaults(func=_replies)

    relay = commands.add_parser("relay", help="run the referral outbox and retry the callback channel's replies "
                                              "continuously (make run starts it)")
    relay.add_argument("--interval", type=float, default=1.0, help="seconds between passes")
    relay.set_defaults(func=_relay)

    erase = commands.add_parser("erase", help="delete everything stored about one conversation")
    erase.add_argument("sender_id", nargs="?", help="the conversation's id (as the review app shows it)")
    erase.add_argument("--phone", help="or: the phone number an SMS volunteer wrote from, as the gateway sends it")
    erase.set_defaults(func=_erase)

    migrate = commands.add_parser("migrate", help="apply the database migrations (make setup and run do this)")
    migrate.set_defaults(func=_migrate)

    purge = commands.add_parser("purge", help="delete conversations past retention (RETENTION_DAYS, default 30)")
    purge.add_argument("--days", type=float, help="retention in days (default: RETENTION_DAYS or 30)")
    purge.add_argument("--now", help="the time to count from, ISO 8601 UTC (default: now)")
    purge.add_argument("--every", type=float, metavar="SECONDS", help="keep running, a pass every SECONDS")
    purge.set_defaults(func=_purge)

    args = parser.parse_args(argv)
    if args.command in SERVERS:
        redact.install()  # no volunteer's text or contact detail in any log line (bot/redact.py)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 0
    except ctgov.FetchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except (ProtocolError, stack.StackError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
