"""Settings from the environment: secrets never live in the code or the repository."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent  # the source checkout; site-packages once installed from a wheel


class ConfigError(RuntimeError):
    """The app cannot start as configured; the message names the variable to set."""


# Values copied from tutorials and templates: a production key equal to one of them is no secret at all.
DEFAULT_SECRETS = frozenset({
    "dev", "development", "secret", "secret-key", "secret_key", "secretkey", "changeme", "change-me", "change_me",
    "changeit", "default", "test", "testing", "password", "ivr", "flask", "your-secret-key", "your_secret_key",
    "replace-me", "replaceme", "please-change-me", "insecure", "demo", "example", "xxx", "todo",
})


def is_default_secret(value: str) -> bool:
    """A secret key that is set but worthless: a placeholder from a tutorial or a template."""
    return bool(value) and value.strip().lower() in DEFAULT_SECRETS


def instance_path() -> str:
    """The instance folder (the SQLite file, the demo's secrets), absolute: IVR_INSTANCE_PATH (a relative
    one is read from the current folder, as a shell would; Flask refuses a relative instance path),
    else ./instance."""
    return str(Path.cwd() / (os.environ.get("IVR_INSTANCE_PATH") or "instance"))


def database_url() -> str:
    """The database the app would use, without building the app (`ivr db`, gunicorn.conf.py)."""
    return from_environment(instance_path())["DATABASE_URL"]


def database_chosen() -> bool:
    """True when the operator named the database (IVR_DATABASE_URL or IVR_INSTANCE_PATH set), False
    when it is only ./instance of the folder a command happens to be typed in."""
    return bool(os.environ.get("IVR_DATABASE_URL") or os.environ.get("IVR_INSTANCE_PATH"))


def content_folders(flows: Path | None = None, prompts: Path | None = None) -> tuple[Path, Path]:
    """(flows folder, prompts folder) a server or a content command reads.

    Each is the folder given (a command's --flows / --prompts), else IVR_FLOWS_DIR / IVR_PROMPTS_DIR,
    else flows/ and prompts/ of `project_folder()`. A flows folder given without prompts reads the
    prompts/ beside it when there is one: a copy of the project is edited as a whole.
    """
    if prompts is None and flows is not None and (flows.parent / "prompts").is_dir():
        prompts = flows.parent / "prompts"
    home = project_folder()
    return (flows or Path(os.environ.get("IVR_FLOWS_DIR") or home / "flows"),
            prompts or Path(os.environ.get("IVR_PROMPTS_DIR") or home / "prompts"))


def project_folder(package_parent: Path = ROOT) -> Path:
    """The folder whose flows/ and prompts/ are read by default: the source checkout `ivr/` sits in
    (it holds pyproject.toml), else, the package being installed from a wheel (in site-packages, with
    no flows beside it), the folder the command runs in, as for instance/."""
    return package_parent if (package_parent / "pyproject.toml").is_file() else Path.cwd()


def cooling_off_days_from_environment() -> float | None:
    """IVR_COOLING_OFF_DAYS for code that runs outside an app (the app's COOLING_OFF_DAYS otherwise)."""
    value = os.environ.get("IVR_COOLING_OFF_DAYS")
    return float(value) if value else None


def secret_from_environment() -> str | None:
    """IVR_SECRET_KEY, for code that hashes outside an app (`ivr.privacy` without an app context)."""
    return os.environ.get("IVR_SECRET_KEY") or None


def telephony_token_given() -> bool:
    """Whether TWILIO_AUTH_TOKEN is set (`ivr serve --demo` then says nothing of the demo's own)."""
    return bool(os.environ.get("TWILIO_AUTH_TOKEN"))


def start_demo() -> None:
    """Make this process a demo (`ivr serve --demo`): the settings read afterwards say so (IVR_DEMO)."""
    os.environ["IVR_DEMO"] = "1"


def is_demo() -> bool:
    """IVR_DEMO is on (`ivr serve --demo` sets it): generated secrets, demo data, relaxed checks."""
    return os.environ.get("IVR_DEMO", "") not in ("", "0", "false", "no")


# What a demo generates when the environment does not give it, one file per instance folder.
DEMO_SECRET_FILES = {"TWILIO_AUTH_TOKEN": "demo-twilio-token", "SECRET_KEY": "demo-secret-key"}


def demo_secret(instance: str | Path, setting: str, *, create: bool) -> str | None:
    """The value a demo uses for `setting` (TWILIO_AUTH_TOKEN or SECRET_KEY) in this instance folder.

    One value per folder, shared by every worker, `ivr call` and the database commands, so
    signatures and keyed hashes agree; made (readable by its owner only) when missing and
    `create`, else None.
    """
    path = Path(instance) / DEMO_SECRET_FILES[setting]
    if create and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f"{path.name}.{os.getpid()}")
        with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as file:
            file.write(secrets.token_hex(16))
        try:
            os.link(draft, path)  # whole or not at all: workers starting together all read the first one's
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip() if path.exists() else None


def secret_key(instance: str | Path, *, demo: bool | None = None) -> str:
    """The key of the keyed hashes (`ivr.privacy.keyed`), found as the server finds it.

    IVR_SECRET_KEY when set; else the demo's key in the instance folder, made there if this is a
    demo (IVR_DEMO or `demo=True`) and read if a demo server made it (so a command typed beside
    `make run` hashes as the server does). Raises ConfigError when there is neither.
    """
    if os.environ.get("IVR_SECRET_KEY"):
        return os.environ["IVR_SECRET_KEY"]
    found = demo_secret(instance, "SECRET_KEY", create=is_demo() if demo is None else demo)
    if found:
        return found
    raise ConfigError(
        f"IVR_SECRET_KEY is not set, and {Path(instance) / DEMO_SECRET_FILES['SECRET_KEY']} (the demo's key) does "
        "not exist: set IVR_SECRET_KEY to the key the server uses, since the audit trail and the verification "
        "throttle are keyed with it (beside `make run`, run the command from the folder the server runs in)."
    )


CALLBACK_REQUESTS_PER_HOUR = 3
"""Callback requests one caller ID may make in an hour. A person needs one, and a second or third to
correct the number or ask for another; more from one phone within the hour is a flood or a stuck
auto-dialler. Past it the caller is told their requests are recorded and stays in line; one open
callback per number (a new request updates it) holds whatever the rate."""

QUEUE_RETRIES = 2
"""Times a failed agents' queue (QueueResult error, system-error, or a value not in Twilio's reference)
puts the caller back in line before a callback is offered instead: a queue that failed three times in
a row is not going to take them, and an endless apology-and-queue loop is a dead end that sounds alive."""

QUEUE_RECONCILE_S = 5
"""Seconds between two listings of Twilio's queues by one desktop process (the queue page polls every
2 s; Twilio's API need not be asked that often). 0 asks at every listing."""


def from_environment(instance_path: str) -> dict[str, Any]:
    env = os.environ
    flows, prompts = content_folders()
    return {
        "DATABASE_URL": env.get("IVR_DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'ivr.db'}",
        "TWILIO_AUTH_TOKEN": env.get("TWILIO_AUTH_TOKEN", ""),
        "TWILIO_ACCOUNT_SID": env.get("TWILIO_ACCOUNT_SID", ""),
        "PUBLIC_URL": env.get("IVR_PUBLIC_URL", "").rstrip("/"),
        "SECRET_KEY": env.get("IVR_SECRET_KEY") or "",
        "FLOWS_DIR": flows,
        "PROMPTS_DIR": prompts,
        # IVR_VOICE_<CODE> overrides the voice flows/languages.yaml gives a language (IVR_VOICE_FR).
        "VOICES": {name[len("IVR_VOICE_"):].lower(): value for name, value in env.items()
                   if name.startswith("IVR_VOICE_") and value},
        "DEMO": is_demo(),
        # Issue 5: cooling-off of changes by phone, retention of call details, call recording.
        "COOLING_OFF_DAYS": float(env.get("IVR_COOLING_OFF_DAYS") or 7),
        "RETENTION_DAYS": int(env.get("IVR_RETENTION_DAYS") or 730),
        "RECORD_CALLS": env.get("IVR_RECORD_CALLS", "") not in ("", "0", "false", "no"),
        # Issue 14: staff sign-in through the agency's OpenID Connect provider (ivr/desktop/oidc.py).
        "OIDC_ISSUER": env.get("IVR_OIDC_ISSUER", "").rstrip("/"),
        "OIDC_CLIENT_ID": env.get("IVR_OIDC_CLIENT_ID", ""),
        "OIDC_CLIENT_SECRET": env.get("IVR_OIDC_CLIENT_SECRET", ""),
        "OIDC_ROLES": env.get("IVR_OIDC_ROLES", ""),
        "OIDC_GROUPS_CLAIM": env.get("IVR_OIDC_GROUPS_CLAIM") or "groups",
        "OIDC_SCOPES": env.get("IVR_OIDC_SCOPES") or "openid profile email",
        "OIDC_NAME": env.get("IVR_OIDC_NAME", ""),
        "OIDC_SIGN_OUT": _on(env.get("IVR_OIDC_SIGN_OUT", "")),
        "PASSWORD_SIGN_IN": _on(env.get("IVR_PASSWORD_SIGN_IN", "1")),
        # Issue 14: callback requests one caller ID may make in an hour (see CALLBACK_REQUESTS_PER_HOUR).
        "CALLBACK_REQUESTS_PER_HOUR": env.get("IVR_CALLBACK_REQUESTS_PER_HOUR") or CALLBACK_REQUESTS_PER_HOUR,
        # Issue 13: a failed queue is tried again this many times, then a callback is offered.
        "QUEUE_RETRIES": env.get("IVR_QUEUE_RETRIES") or QUEUE_RETRIES,
        # Issue 14: the desktop compares its list of waiting callers with Twilio's queues this often.
        "QUEUE_RECONCILE_S": env.get("IVR_QUEUE_RECONCILE_S") or QUEUE_RECONCILE_S,
        # Read here like every setting (LAYOUT rule 5); each is documented where it is used.
        "TRUSTED_PROXIES": env.get("IVR_TRUSTED_PROXIES") or 0,  # ivr.desktop: reverse proxies in front
        "FLOWS_CHECK_SECONDS": env.get("IVR_FLOWS_CHECK_SECONDS") or None,  # ivr.content.flowstore: hot reload
        "HOURS_FILE": env.get("IVR_HOURS_FILE") or None,  # ivr.telephony.waiting: agents' hours
        "CONSOLE_START": _on(env.get("IVR_CONSOLE_START", "")),  # ivr.calls.console: calls started elsewhere
    }


def _on(value: str) -> bool:
    return value.strip().lower() not in ("", "0", "false", "no", "off")


def check(config: dict[str, Any]) -> None:
    """Refuse to run a real line without the secrets that protect it."""
    relaxed = config.get("TESTING") or config.get("DEMO")
    if not config.get("TWILIO_AUTH_TOKEN"):
        if not relaxed:
            raise ConfigError(
                "TWILIO_AUTH_TOKEN is not set: set it to your Twilio account's auth token so the IVR can "
                "check that requests come from Twilio (or run `ivr serve --demo` to try it locally)."
            )
        config["TWILIO_AUTH_TOKEN"] = secrets.token_hex(16)
    if not relaxed and is_default_secret(str(config.get("SECRET_KEY") or "")):
        raise ConfigError(
            f"IVR_SECRET_KEY is set to '{config['SECRET_KEY']}', a well-known default: anyone could forge agents' "
            "cookies. Set it to a long random value (for example the output of "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`)."
        )
    if not config.get("SECRET_KEY"):
        if not relaxed:
            raise ConfigError(
                "IVR_SECRET_KEY is not set: set it to a long random value (for example the output of "
                "`python -c 'import secrets; print(secrets.token_hex(32))'`)."
            )
        config["SECRET_KEY"] = secrets.token_hex(32)
    if config.get("OIDC_ISSUER") and not (config.get("OIDC_CLIENT_ID") and config.get("OIDC_CLIENT_SECRET")):
        raise ConfigError(
            "IVR_OIDC_ISSUER is set but IVR_OIDC_CLIENT_ID or IVR_OIDC_CLIENT_SECRET is not: set both to the client "
            "the identity provider registered for the desktop (or unset IVR_OIDC_ISSUER to sign in with passwords only)."
        )
    if not config.get("PASSWORD_SIGN_IN", True) and not config.get("OIDC_ISSUER"):
        raise ConfigError(
            "IVR_PASSWORD_SIGN_IN is off and IVR_OIDC_ISSUER is not set, so nobody could sign in to the desktop: "
            "set IVR_OIDC_ISSUER (with its client id and secret), or turn IVR_PASSWORD_SIGN_IN back on."
        )
    _whole_number(config, "CALLBACK_REQUESTS_PER_HOUR", CALLBACK_REQUESTS_PER_HOUR, 1, 100,
                  "the callback requests one caller ID may make in an hour")
    _whole_number(config, "QUEUE_RETRIES", QUEUE_RETRIES, 0, 10,
                  "the times a failed agents' queue puts a caller back in line before a callback is offered")
    _whole_number(config, "QUEUE_RECONCILE_S", QUEUE_RECONCILE_S, 0, 300,
                  "the seconds between two comparisons of the desktop's queue with Twilio's")
    if config.get("RECORD_CALLS") and not config.get("TWILIO_ACCOUNT_SID") and not config.get("RECORDING_CONTROL") \
            and not relaxed:
        raise ConfigError(
            "IVR_RECORD_CALLS is on but TWILIO_ACCOUNT_SID is not set: set it so the IVR can pause the recording "
            "while callers give personal answers (or turn IVR_RECORD_CALLS off)."
        )


def _whole_number(config: dict[str, Any], key: str, default: int, low: int, high: int, meaning: str) -> None:
    """config[key] (IVR_<key> in the environment) as an int from low to high; ConfigError otherwise."""
    value = str(config.get(key, default)).strip()
    if not value.isdigit() or not low <= int(value) <= high:
        raise ConfigError(
            f"IVR_{key} is '{value}': set it to a whole number from {low} to {high}, {meaning} ({default} by default)."
        )
    config[key] = int(value)
