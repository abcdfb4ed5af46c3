"""Start the whole stack the way `make run` does: action server + Rasa server, the page, the review app,
the relay and the retention job.

Used by `python -m bot run` (and `--shell`), and by the end-to-end tests, so the tests run exactly what a
volunteer talks to. `python -m bot run` hands the servers to supervisord (supervised=True): a server that
crashes is restarted, with backoff while it keeps failing to start, and the restart is logged in
var/log/supervisord.log, while the others keep serving. supervisord, and each server under it, is started
through bot.child, so all of them end with the launcher even when it is killed outright. Before starting,
the launcher checks that its ports are free and names the process holding one that is not. Tests that
break a server on purpose start them directly instead (supervised=False).
"""
from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import xmlrpc.client  # nosec B411 -- it reads only our own supervisord, over a unix socket in a 0700 folder
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import requests

from bot import config, store, trials
from bot.callbacks import DEFAULT_URL as DEFAULT_CALLBACK_URL
from bot.outbox import RelaySettings
from bot.protocol import ProtocolError, default_trial_id, load_protocol_file

MODELS_DIR = config.PROJECT_DIR / "models"


class StackError(RuntimeError):
    pass


def auth_token() -> str:
    """RASA_AUTH_TOKEN, or one generated once into var/rasa_auth_token."""
    return config.secret("RASA_AUTH_TOKEN", "rasa_auth_token")


def action_server_token() -> str:
    """ACTION_SERVER_TOKEN, or one generated once into var/action_server_token: Rasa sends it to the
    action server with every call, and the action server answers nothing else (actions/server.py)."""
    return config.secret("ACTION_SERVER_TOKEN", "action_server_token")


def validate_trials() -> List[str]:
    """Load every protocol file; a broken one stops start-up with a message naming it.
    Drafts still needing review are named and left out; returns the trials that can be screened."""
    trials_dir = Path(os.environ.get("BOT_TRIALS_DIR", config.PROJECT_DIR / "data" / "trials"))
    files = sorted(trials_dir.glob("*.yml"))
    if not files:
        raise StackError(f"no protocol files in {trials_dir}")
    ready = []
    for path in files:
        protocol = load_protocol_file(path)
        if protocol.pending_review():
            print(f"{protocol.trial_id} is not screened until reviewed: {', '.join(protocol.pending_review())} "
                  f"(python -m bot validate-trial {path})", flush=True)
        else:
            ready.append(protocol.trial_id)
    if default_trial_id() not in ready:
        raise StackError(f"the default trial {default_trial_id()} (BOT_TRIAL_ID) has no reviewed protocol file")
    try:
        problems = trials.conflicts(trials.open_protocols())
    except ProtocolError as exc:  # BOT_OPEN_TRIALS names a trial without a reviewed file
        raise StackError(f"BOT_OPEN_TRIALS: {exc}") from None
    if problems:
        raise StackError("the open trials cannot be screened together: " + "; ".join(problems))
    return ready


# Channels added to the credentials only when all of their variables are set.
# channel -> {environment variable: credentials field}
OPTIONAL_CHANNELS = {
    "twilio": {"TWILIO_ACCOUNT_SID": "account_sid", "TWILIO_AUTH_TOKEN": "auth_token",
               "TWILIO_NUMBER": "twilio_number"},
    "telegram": {"TELEGRAM_ACCESS_TOKEN": "access_token", "TELEGRAM_VERIFY": "verify",
                 "TELEGRAM_WEBHOOK_URL": "webhook_url"},
}
# The WeChat Official Account channel (rasa_addons/wechat.py), enabled by WECHAT_TOKEN alone; the other two
# turn on its safe mode (encrypted messages) and are written only when set.
WECHAT_CHANNEL = "rasa_addons.wechat.WeChatInput"
WECHAT_FIELDS = {"WECHAT_TOKEN": "token", "WECHAT_APPID": "appid", "WECHAT_ENCODING_AES_KEY": "encoding_aes_key"}


def write_credentials(path: Path) -> List[str]:
    """credentials.yml plus the optional channels whose variables are set; returns the channels enabled.

    Values stay ${VARIABLES}, which Rasa fills from the environment, so no secret is written to disk."""
    text = (config.PROJECT_DIR / "credentials.yml").read_text(encoding="utf-8")
    enabled = ["rest", "socketio", "callback"]
    for channel, fields in OPTIONAL_CHANNELS.items():
        if all(os.environ.get(v) for v in fields):
            text += f"\n{channel}:\n" + "".join(f"  {field}: ${{{v}}}\n" for v, field in fields.items())
            enabled.append(channel)
    if os.environ.get("WECHAT_TOKEN"):
        text += f"\n{WECHAT_CHANNEL}:\n" + "".join(f"  {field}: ${{{v}}}\n" for v, field in WECHAT_FIELDS.items()
                                                   if os.environ.get(v))
        enabled.append("wechat")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return enabled


def write_endpoints(path: Path) -> Optional[str]:
    """endpoints.yml, plus Rasa's Redis lock store when REDIS_HOST is set; returns the lock store's address.

    Several Rasa instances can share one conversation store only with a shared lock store: it makes
    the turns of one conversation run one at a time whichever instance receives them. Ours
    (rasa_addons/lock_store.py) makes Rasa's Redis lock store atomic; LOCK_STORE_CLASS=redis
    selects Rasa's own, which loses turns under simultaneous arrivals (kept for comparison)."""
    text = (config.PROJECT_DIR / "endpoints.yml").read_text(encoding="utf-8")
    host = os.environ.get("REDIS_HOST")
    if host:
        port, db = os.environ.get("REDIS_PORT", "6379"), os.environ.get("REDIS_DB", "1")
        text += (f"\nlock_store:\n  type: {os.environ.get('LOCK_STORE_CLASS', 'rasa_addons.lock_store.AtomicRedisLockStore')}\n  url: {host}\n  port: {int(port)}\n  db: {int(db)}\n"
                 f"  key_prefix: {os.environ.get('REDIS_KEY_PREFIX', 'prescreening')}\n")
        if os.environ.get("REDIS_PASSWORD"):
            text += "  password: ${REDIS_PASSWORD}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return f"redis://{host}:{port}/{db}" if host else None


@dataclass
class Settings:
    rasa_port: int
    actions_port: int
    database_url: str
    token: str
    web_port: int = 8000
    callback_url: str = DEFAULT_CALLBACK_URL
    review_port: int = 8001
    instances: int = 1  # Rasa servers (each with its own action server) on consecutive ports

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(config.port("RASA_PORT", 5005), config.port("ACTIONS_PORT", 5055),
                   config.database_url(), auth_token(), config.port("WEB_PORT", 8000),
                   os.environ.get("CALLBACK_URL") or DEFAULT_CALLBACK_URL, config.port("REVIEW_PORT", 8001),
                   int(os.environ.get("RASA_INSTANCES") or 1))

    def rasa_urls(self) -> List[str]:
        return [f"http://127.0.0.1:{self.rasa_port + i}" for i in range(self.instances)]

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def child_env(self, instance: int = 0) -> Dict[str, str]:
        env = dict(os.environ)
        env.update({
            "BOT_DATABASE_URL": self.database_url,
            "BOT_ACTIONS_URL": f"http://127.0.0.1:{self.actions_port + instance}/webhook",
            "ACTION_SERVER_TOKEN": action_server_token(),
            "SENDER_ID_KEY": config.secret("SENDER_ID_KEY", "sender_id_key"),  # signs the page's ids
            "CALLBACK_URL": self.callback_url,
            "RASA_PORT": str(self.rasa_port),
            "WEB_PORT": str(self.web_port),
            "REVIEW_PORT": str(self.review_port),
            "SANIC_HOST": "127.0.0.1",  # the action server binds loopback only
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "PYTHONPATH": str(config.PROJECT_DIR),
        })
        return env


@dataclass
class Program:
    name: str
    args: List[str]
    env: Dict[str, str]


class Stack:
    """The running action server and Rasa server, and the other servers."""

    def __init__(self, settings: Settings, log_dir: Path, supervised: bool = False):
        self.settings = settings
        self.log_dir = log_dir
        self.supervised = supervised
        self.programs: Dict[str, Program] = {}
        self.supervisor: Optional[subprocess.Popen] = None
        self.socket = log_dir.parent / "supervisor.sock"
        self.credentials = log_dir.parent / "credentials.yml"
        self.channels = write_credentials(self.credentials)
        self.endpoints = log_dir.parent / "endpoints.yml"
        self.lock_store = write_endpoints(self.endpoints)
        if settings.instances > 1 and not self.lock_store:
            raise StackError("RASA_INSTANCES > 1 needs a shared lock store: set REDIS_HOST (and REDIS_PORT, REDIS_DB)")
        self.children: Dict[str, subprocess.Popen] = {}

    def _spawn(self, name: str, args: List[str], instance: int = 0) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.programs[name] = Program(name, args, self.settings.child_env(instance))
        if self.supervised:
            return  # supervise() starts them all
        log = open(self.log_dir / f"{name}.log", "ab")
        self.children[name] = subprocess.Popen(
            args, cwd=config.PROJECT_DIR, env=self.settings.child_env(instance), stdout=log,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)

    @staticmethod
    def _name(server: str, instance: int) -> str:
        return server if instance == 0 else f"{server}-{instance + 1}"

    def start_actions(self, instance: int = 0) -> None:
        self._spawn(self._name("actions", instance),
                    [sys.executable, "-m", "actions.server", "--port", str(self.settings.actions_port + instance)],
                    instance)

    def start_web(self) -> None:
        self._spawn("web", [sys.executable, "-m", "bot", "web"])

    def start_review(self) -> None:
        self._spawn("review", [sys.executable, "-m", "bot", "review"])

    def start_relay(self) -> None:
        self._spawn("relay", [sys.executable, "-m", "bot", "relay"])

    def start_purge(self) -> None:
        """The retention job (bot/retention.py), every PURGE_INTERVAL_SECONDS."""
        self._spawn("purge", [sys.executable, "-m", "bot", "purge", "--every",
                              os.environ.get("PURGE_INTERVAL_SECONDS", "3600")])

    def start_rasa(self, instance: int = 0) -> None:
        if not any(MODELS_DIR.glob("*.tar.gz")):
            raise StackError("no trained model in models/: run `make train` (or `make run`, which trains)")
        self._spawn(self._name("rasa", instance), [
            sys.executable, "-m", "rasa_addons.serve", "run", "--enable-api", f"--auth-token={self.settings.token}",
            "--interface", "127.0.0.1", "--port", str(self.settings.rasa_port + instance), "--model", str(MODELS_DIR),
            "--endpoints", str(self.endpoints), "--credentials", str(self.credentials),
            "--cors", f"http://localhost:{self.settings.web_port}", f"http://127.0.0.1:{self.settings.web_port}"],
            instance)

    def wait_ready(self, timeout: float = 240) -> None:
        s = self.settings
        checks = {}
        for i in range(s.instances):
            checks[self._name("actions", i)] = (f"http://127.0.0.1:{s.actions_port + i}/health", lambda r: r.ok)
            checks[self._name("rasa", i)] = (f"{s.rasa_urls()[i]}/status?token={s.token}",
                                             lambda r: r.ok and bool(r.json().get("model_file")))
        checks.update({
            "web": (f"http://127.0.0.1:{s.web_port}/", lambda r: r.ok),
            "review": (f"http://127.0.0.1:{s.review_port}/login", lambda r: r.ok),
        })
        pending = {name: checks[name] for name in self.programs if name in checks}
        deadline = time.monotonic() + timeout
        while pending:
            for name, (url, ready) in list(pending.items()):
                if self._exited(name):
                    raise StackError(f"the {name} server exited during start-up:\n{self.log_tail(name)}")
                try:
                    if ready(requests.get(url, timeout=2)):
                        del pending[name]
                except requests.RequestException:
                    pass
            if time.monotonic() > deadline:
                raise StackError(f"not ready after {timeout:.0f}s: {', '.join(pending)}")
            if pending:
                time.sleep(0.5)

    def supervise(self) -> None:
        """Start supervisord with every program registered so far (supervised stacks only)."""
        if not self.supervised:
            return
        config_file = self.log_dir.parent / "supervisord.conf"
        config_file.write_text(supervisor_config(self), encoding="utf-8")
        out = open(self.log_dir / "supervisord.out", "ab")
        self.supervisor = subprocess.Popen(
            [sys.executable, "-m", "bot.child", sys.executable, "-m", "supervisor.supervisord", "-n", "-c",
             str(config_file)], cwd=config.PROJECT_DIR, env=self.settings.child_env(0), stdout=out,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def _rpc(self):
        from supervisor.xmlrpc import SupervisorTransport
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=SupervisorTransport(
            None, None, f"unix://{self.socket}"))

    def process_info(self) -> Dict[str, Tuple[str, int]]:
        """Each supervised program's state (RUNNING, STARTING, BACKOFF, FATAL, ...) and pid; {} until
        supervisord answers."""
        try:
            return {p["name"]: (p["statename"], p["pid"]) for p in self._rpc().supervisor.getAllProcessInfo()}
        except (OSError, xmlrpc.client.Error):
            return {}

    def alive(self) -> bool:
        if self.supervised:
            return self.supervisor is not None and self.supervisor.poll() is None
        return all(child.poll() is None for child in self.children.values())

    def _exited(self, name: str) -> bool:
        if not self.supervised:
            return self.children[name].poll() is not None
        if self.supervisor is None or self.supervisor.poll() is not None:
            return True
        return self.process_info().get(name, ("", 0))[0] == "FATAL"  # gave up restarting it

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.log_dir / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def stop(self) -> None:
        if self.supervisor is not None and self.supervisor.poll() is None:
            self.supervisor.send_signal(signal.SIGTERM)  # it stops every server, then itself
            try:
                self.supervisor.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.supervisor.kill()  # each server then gets SIGTERM from the kernel (bot.child)
                self.supervisor.wait()
        for child in self.children.values():
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        for child in self.children.values():
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()


def _quoted(value: str) -> str:
    return value.replace("%", "%%")  # supervisord expands %(name)s in its values


def supervisor_config(stack: "Stack") -> str:
    """supervisord.conf for the stack's programs. Secrets stay out of it where they can: every program
    inherits supervisord's environment (the launcher's), and only what differs per instance is written."""
    var, logs, base = stack.log_dir.parent, stack.log_dir, stack.settings.child_env(0)
    lines = ["[supervisord]", "nodaemon=true", f"logfile={_quoted(str(logs / 'supervisord.log'))}",
             "logfile_maxbytes=10MB", "logfile_backups=3", f"pidfile={_quoted(str(var / 'supervisord.pid'))}",
             "umask=077", "identifier=prescreening", "",
             "[unix_http_server]", f"file={_quoted(str(stack.socket))}", "chmod=0700", "",
             "[rpcinterface:supervisor]",
             "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface", "",
             "[supervisorctl]", f"serverurl=unix://{_quoted(str(stack.socket))}", ""]
    for program in stack.programs.values():
        command = [sys.executable, "-m", "bot.child", *program.args]
        lines += [f"[program:{program.name}]",
                  "command=" + _quoted(" ".join(shlex.quote(arg) for arg in command)),
                  f"directory={_quoted(str(config.PROJECT_DIR))}",
                  "autostart=true", "autorestart=true",
                  # up 3 s counts as started; a server that keeps failing to start is retried after 1 s,
                  # 2 s, 3 s, ... and given up (FATAL, in supervisord.log) after 20 tries
                  "startsecs=3", "startretries=20",
                  "stopasgroup=true", "killasgroup=true", "stopwaitsecs=15",
                  "redirect_stderr=true", f"stdout_logfile={_quoted(str(logs / (program.name + '.log')))}",
                  "stdout_logfile_maxbytes=20MB", "stdout_logfile_backups=3"]
        extra = {key: value for key, value in program.env.items() if base.get(key) != value}
        if extra:
            lines.append("environment=" + ",".join(
                f'{key}="{_quoted(value).replace(chr(34), chr(92) + chr(34))}"' for key, value in extra.items()))
        lines.append("")
    return "\n".join(lines)


def port_holder(port: int) -> str:
    """Who listens on a TCP port, from /proc (Linux): "process 1234 (python -m rasa run ...)"."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) > 9 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            links = {os.readlink(fd) for fd in (proc / "fd").iterdir()}
        except OSError:
            continue
        if any(f"socket:[{inode}]" in links for inode in inodes):
            try:
                command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
            except OSError:
                command = "?"
            return f"process {proc.name} ({command[:160]})"
    return "another program (not one this user can see)"


def check_ports(settings: Settings) -> None:
    """Every port the stack listens on must be free: otherwise say which, and what holds it."""
    wanted = [(f"RASA_PORT{'' if i == 0 else ' + ' + str(i)}", settings.rasa_port + i) for i in range(settings.instances)]
    wanted += [(f"ACTIONS_PORT{'' if i == 0 else ' + ' + str(i)}", settings.actions_port + i)
               for i in range(settings.instances)]
    wanted += [("WEB_PORT", settings.web_port), ("REVIEW_PORT", settings.review_port)]
    taken = [f"port {port} ({name}) is in use by {port_holder(port)}" for name, port in wanted if not _port_free(port)]
    if taken:
        raise StackError("cannot start: " + "; ".join(taken) +
                         ". Stop it (an earlier `make run`?), or choose other ports with those variables.")


def migrate() -> None:
    """Our tables to the newest migration (bot/migrations), before any server opens the database."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    try:
        store.migrate()
    except OperationalError as exc:
        where = make_url(config.database_url()).render_as_string(hide_password=True)
        raise StackError(f"cannot reach the database {where} (BOT_DATABASE_URL): {exc.orig}") from None


def run(shell: bool = False) -> int:
    trials = validate_trials()
    relay = RelaySettings.from_env()
    relay.check()
    settings = Settings.from_env()
    migrate()
    check_ports(settings)
    stack = Stack(settings, config.VAR_DIR / "log", supervised=not shell)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        for instance in range(settings.instances):
            stack.start_actions(instance)
        if shell:
            stack.wait_ready()
            print("Chat in the terminal; type /stop or press Ctrl-C to leave.", flush=True)
            return subprocess.call([sys.executable, "-m", "rasa", "shell", "--model", str(MODELS_DIR),
                                    "--endpoints", str(stack.endpoints), "--port", str(settings.rasa_port)],
                                   cwd=config.PROJECT_DIR, env=settings.child_env())
        for instance in range(settings.instances):
            stack.start_rasa(instance)
        stack.start_web()
        stack.start_review()
        stack.start_purge()
        stack.start_relay()  # referrals (when REFERRAL_WEBHOOK_URL is set), and the callback channel's replies
        print(f"Starting the action server and the Rasa server for {', '.join(trials)} ...", flush=True)
        stack.supervise()
        stack.wait_ready()
        print(_banner(settings, relay, stack.channels, stack.lock_store), flush=True)
        while stack.alive():
            time.sleep(1)
        print(f"supervisord stopped; see {stack.log_dir}/supervisord.log.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        print("Stopping ...", flush=True)
        stack.stop()


READY_LINE = "The prescreening bot is running."


def free_port(consecutive: int = 1) -> int:
    """A free port on 127.0.0.1 (the first of `consecutive` free ones, for several instances)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if all(_port_free(port + i) for i in range(1, consecutive)):
            return port


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def spawn_run(settings: Settings, var_dir: Path, output: Path,
              extra_env: Optional[Dict[str, str]] = None) -> subprocess.Popen:
    """`python -m bot run` in a child process with these settings (tests and benchmarks use it)."""
    env = {**os.environ, "RASA_PORT": str(settings.rasa_port), "ACTIONS_PORT": str(settings.actions_port),
           "WEB_PORT": str(settings.web_port), "CALLBACK_URL": settings.callback_url,
           "REVIEW_PORT": str(settings.review_port), "RASA_INSTANCES": str(settings.instances),
           "BOT_DATABASE_URL": settings.database_url, "RASA_AUTH_TOKEN": settings.token,
           "BOT_VAR_DIR": str(var_dir), **(extra_env or {})}
    with open(output, "wb") as out:
        return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=config.PROJECT_DIR, env=env,
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def wait_running(process: subprocess.Popen, output: Path, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while READY_LINE not in output.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise StackError(f"the stack did not start:\n{output.read_text(errors='replace')}")
        time.sleep(0.5)


def _banner(s: Settings, relay: RelaySettings, channels: List[str], lock_store: Optional[str]) -> str:
    delivery = (f"Referrals are delivered to {relay.url}." if relay.url else
                "REFERRAL_WEBHOOK_URL is not set: referrals wait in the outbox (python -m bot referrals).")
    if s.instances > 1:
        delivery += (f"\n  {s.instances} Rasa instances: {', '.join(s.rasa_urls())}, sharing the database and the "
                     f"lock store {lock_store}")
    return f"""
{READY_LINE}
  Volunteers' page with the chat:  http://localhost:{s.web_port}/
  Coordinators' review app:        http://localhost:{s.review_port}/  (first login: .venv/bin/python -m bot users add NAME --role admin)
  Channels: {", ".join(channels)} (the callback channel sends the bot's messages to {s.callback_url};
    what it does not take is retried: python -m bot replies)
  Talk to it over REST:
    curl -s -X POST {s.rasa_url}/webhooks/rest/webhook -H 'Content-Type: application/json' \\
         -d '{{"sender": "me", "message": "hello"}}'
  Or chat in the terminal instead (stop this first): make shell
  Rasa HTTP API (token in var/rasa_auth_token or RASA_AUTH_TOKEN):
    curl -s '{s.rasa_url}/conversations/me/tracker?token=TOKEN'
  A screening as stored:  .venv/bin/python -m bot screening me --json
  Logs: {config.VAR_DIR / 'log'}/  ·  Database: {s.database_url}
  Conversations without a referral are deleted after {os.environ.get('RETENTION_DAYS', '30')} days (RETENTION_DAYS).
  {delivery}
Press Ctrl-C to stop."""
