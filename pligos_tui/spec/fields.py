"""Field rules: pure checks of one value, each returning a message or None.

The loader's rules, the `new` wizard and the editor all call these, so a field is judged the
same way everywhere. The rules (ids) of names and of fields that several kinds of entries have
are declared here too, because several places enforce them: the reading of friends
(:mod:`pligos_tui.spec.friends`) and the rules of a service (:mod:`pligos_tui.spec.rules`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from pligos_tui.errors import Rule
from pligos_tui.io.files import too_long
from pligos_tui.spec.vocabulary import FRIEND_VOLUME_PREFIX, SCRIPTS_VOLUME, TMP_VOLUME

NAME_DNS = Rule("E-NAME-DNS", "a name that must be a DNS label is not one (the service's, a "
                "context's, a mount's, a friend's or a secret's name)")
NAME_DUPLICATE = Rule("E-NAME-DUPLICATE", "two entries of one property list, two contexts or "
                      "two friends have the same name")
NAME_RESERVED = Rule("E-NAME-RESERVED", "a name or path that Pligos uses itself (a key of the "
                     "values contract, the scripts volume, its mount path or ConfigMap)")
ENV_NAME = Rule("E-ENV-NAME", "an environment variable name that is not valid (an env entry's "
                "variables, the variables a friend's config and credentials give)")
# and the rules of fields that several kinds of entries have
PORT_RANGE = Rule("E-PORT-RANGE", "a port outside 1-65535 (a route's port or containerPort, a "
                  "probe's port)")
QUANTITY = Rule("E-QUANTITY", "a resource request or limit, a volume size or an emptyDir "
                "sizeLimit that is not a Kubernetes quantity")
PATH_OUTSIDE = Rule("E-PATH-OUTSIDE", "a path that is not inside the service folder: empty, "
                    "absolute, leaving it, or a symbolic link to outside it")
FIELD_RULES = (NAME_DNS, NAME_DUPLICATE, NAME_RESERVED, ENV_NAME, PORT_RANGE, QUANTITY,
               PATH_OUTSIDE)

# why a route's name is held to a port name's rules
ROUTE_NAME_HINT = ("a route's name is also its container port's name: at most 15 characters, "
                   "lower-case letters, digits and '-'")

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(
    r"^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")
_QUANTITY = re.compile(r"^[+]?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?\d+)?$")
TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
DIGEST_RE = re.compile(r"^[a-z0-9]+([+._-][a-z0-9]+)*:[0-9a-fA-F]{32,}$")
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
REPOSITORY_RE = re.compile(
    r"^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
    r"|\[[0-9a-fA-F:]+\])(?::[0-9]+)?/)?" + _PATH_COMPONENT + r"(?:/" + _PATH_COMPONENT + r")*$")
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
CONFIG_KEY_RE = re.compile(r"^[-._a-zA-Z0-9]+$")
RESOURCE_NAME_RE = re.compile(r"^([a-z0-9.-]+/)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
_CRON_MACROS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
_CRON_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_CRON_FIELD = re.compile(r"^(\*|\?|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(/\d+)?$")



# --------------------------------------------------------------------------- field rules

def dns_label(value: str, *, max_len: int = 63) -> str | None:
    if not value:
        return "must not be empty"
    if len(value) > max_len:
        return f"{value!r} is longer than {max_len} characters"
    if not _DNS_LABEL.match(value):
        return (f"{value!r} is not a DNS label: use lower-case letters, digits and '-', "
                "starting and ending with a letter or digit")
    return None


def suggest_label(name: str, max_len: int = 63) -> str:
    """A name that can start a Kubernetes object's name (a DNS-1035 label), made from `name`:
    lowercase, '-' for anything else, a letter first; `my-service` when nothing is left."""
    label = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
    label = re.sub(r"^[0-9-]+", "", label)[:max_len].strip("-")
    return label or "my-service"


def dns_subdomain(value: str) -> str | None:
    """What is wrong with a Kubernetes object name that may hold dots (a Secret's, a
    SecretStore's): DNS labels joined by '.', at most 253 characters."""
    if not value:
        return "must not be empty"
    if len(value) > 253:
        return f"{value!r} is longer than 253 characters"
    if not all(_DNS_LABEL.match(part) for part in value.split(".")):
        return (f"{value!r} is not a DNS subdomain: use lower-case letters, digits, '-' and "
                "'.', each part starting and ending with a letter or digit")
    return None


def port_name(value: str) -> str | None:
    """A Kubernetes port name (IANA service name): at most 15 characters, one letter."""
    problem = dns_label(value, max_len=15)
    if problem:
        return problem.replace("DNS label", "port name")
    if "--" in value:
        return f"{value!r} must not contain '--'"
    if not re.search(r"[a-z]", value):
        return f"{value!r} must contain a letter"
    return None


def port(value: int) -> str | None:
    if not 1 <= value <= 65535:
        return f"port {value} is outside 1-65535"
    return None


def quantity(value: str) -> str | None:
    if not _QUANTITY.match(value):
        return (f"{value!r} is not a Kubernetes quantity (e.g. 100m, 0.5, 128Mi, 1Gi)")
    return None


def semver(value: str) -> str | None:
    if not _SEMVER.match(value):
        return f"{value!r} is not a SemVer version (e.g. 0.3.0)"
    return None


def fqdn(value: str) -> str | None:
    if len(value) > 253 or not _DNS_SUBDOMAIN.match(value):
        return f"{value!r} is not a host name (lower-case, e.g. tokens.example.com)"
    return None


def cron(value: str) -> str | None:
    fields = value.split()
    if fields and (fields[0].startswith("CRON_TZ=") or fields[0].startswith("TZ=")):
        fields = fields[1:]
    if len(fields) == 1 and fields[0] in _CRON_MACROS:
        return None
    if len(fields) != 5:
        return (f"{value!r} is not a cron schedule: it needs 5 fields "
                "(minute hour day-of-month month day-of-week), e.g. \"0 3 * * *\"")
    for text, (low, high), what in zip(fields, _CRON_RANGES,
                                      ("minute", "hour", "day of month", "month", "day of week")):
        for part in text.split(","):
            if not _CRON_FIELD.match(part):
                return f"{value!r}: the {what} field {text!r} is not valid cron"
            for number in re.findall(r"(?<![/\d])\d+", part):
                if not low <= int(number) <= high:
                    return f"{value!r}: {what} {number} is outside {low}-{high}"
    return None


def service_path(root: Path, value: str, *,
                 follow_symlinks: bool = False) -> tuple[Path | None, str | None]:
    """A path inside the service folder: (resolved path, None) or (None, message).

    A symbolic link inside the service that points outside it is refused unless
    `follow_symlinks` is set."""
    if not value:
        return None, "must not be empty"
    if too_long(value):
        return None, f"{value[:40]!r}… is longer than a file system takes"
    if value.startswith("/") or re.match(r"^[A-Za-z]:[\\/]", value):
        return None, f"{value!r} is absolute; give a path relative to the service folder"
    base = root.resolve()
    lexical = Path(os.path.normpath(base / value))
    if lexical != base and base not in lexical.parents:
        return None, f"{value!r} leaves the service folder"
    try:
        target = (root / value).resolve()
    except (RuntimeError, OSError):  # a loop of symbolic links
        return None, f"{value!r} is a symbolic link that leads back to itself"
    if target != base and base not in target.parents and not follow_symlinks:
        return None, (f"{value!r} is a symbolic link to {target}, outside the service folder "
                      "(use --follow-symlinks to allow it)")
    return target, None


def folder_files(folder: Path) -> list[Path]:
    """The entries of a mounted folder that become files of the mount: everything but its
    subfolders, by name (links as their own names; the rules check where they point)."""
    return sorted(p for p in folder.iterdir() if not p.is_dir())


def reserved_mount_name(value: str) -> str | None:
    """A mount name Pligos keeps for a pod volume of its own."""
    if value == SCRIPTS_VOLUME:
        return f"{SCRIPTS_VOLUME} is the name of the volume Pligos mounts scripts from"
    if value == TMP_VOLUME:
        return f"{TMP_VOLUME} is the name of the writable /tmp Pligos gives a read-only pod"
    if value.startswith(FRIEND_VOLUME_PREFIX):
        return (f"names starting with {FRIEND_VOLUME_PREFIX} are the volumes of friends' "
                "credentials")
    return None
