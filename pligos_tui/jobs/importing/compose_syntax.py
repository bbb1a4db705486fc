"""The small languages inside a compose file: `${VAR:-default}` interpolation, env files,
port mappings, durations, CPU counts and byte sizes, command lines.

Each parser returns plain values or raises ValueError with a message a user can act on;
`compose.py` turns that into a located problem.
"""

from __future__ import annotations

import math
import re
import shlex
from dataclasses import dataclass

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_EXPRESSION = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])(.*))?", re.S)


def interpolate(text: str) -> tuple[str, list[str]]:
    """`text` with compose's variables replaced as if none were set: `${VAR:-default}` and
    `${VAR-default}` give their default, `${VAR}`, `$VAR`, `${VAR:?message}` and
    `${VAR:+alternative}` give "" and are named in the second part; `$$` is `$`."""
    out: list[str] = []
    unset: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char != "$":
            out.append(char)
            i += 1
            continue
        following = text[i + 1:i + 2]
        if following == "$":
            out.append("$")
            i += 2
        elif following == "{":
            depth, j = 1, i + 2
            while j < len(text) and depth:
                depth += {"{": 1, "}": -1}.get(text[j], 0)
                j += 1
            if depth:
                # the text may be a secret's value: name what is wrong, not the text
                raise ValueError("a ${ opens a variable without closing it")
            out.append(_expression(text[i + 2:j - 1], unset))
            i = j
        elif match := _NAME.match(text, i + 1):
            unset.append(match.group())
            i = match.end()
        else:
            out.append("$")
            i += 1
    return "".join(out), unset


def _expression(body: str, unset: list[str]) -> str:
    match = _EXPRESSION.fullmatch(body)
    if match is None:
        raise ValueError(f"${{{body[:40]}}} is not a variable reference "
                         "(${NAME}, ${NAME:-default}, ${NAME:?message})")
    name, operator, rest = match.groups()
    if operator in ("-", ":-"):
        value, inner = interpolate(rest)
        unset.extend(inner)
        return value
    unset.append(name)
    return ""


@dataclass(frozen=True)
class EnvLine:
    name: str
    value: str | None  # None: taken from the environment compose runs in
    line: int
    expand: bool  # whether variables in the value are interpolated (not in '...')


def read_env_file(text: str) -> list[EnvLine]:
    """The variables of an env file in compose's format: `NAME=value`, `export NAME=value`,
    values in '...' (as written) or "..." (with \\n, \\t, \\" and \\\\), `# comments`, and a
    bare `NAME`, which compose takes from its own environment."""
    found: list[EnvLine] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export ") and "=" in line:
            line = line[len("export "):].lstrip()
        name, sep, value = line.partition("=")
        name = name.strip()
        if not name or any(c.isspace() for c in name):
            # the line may hold a secret: name its number only
            raise ValueError(f"line {number} is not NAME=value")
        if not sep:
            found.append(EnvLine(name, None, number, True))
            continue
        value = value.strip()
        if value[:1] == "'" and value.rfind("'") > 0:
            found.append(EnvLine(name, value[1:value.rfind("'")], number, False))
        elif value[:1] == '"' and value.rfind('"') > 0:
            inner = value[1:value.rfind('"')]
            inner = re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(
                m.group(1), m.group(1)), inner)
            found.append(EnvLine(name, inner, number, True))
        else:
            found.append(EnvLine(name, re.split(r"\s+#", value, maxsplit=1)[0].rstrip(),
                                 number, True))
    return found


@dataclass(frozen=True)
class PortMapping:
    target: int  # the container's port
    published: int | None  # the host's port (None: compose picks one, or only exposed)
    protocol: str  # TCP, UDP, SCTP
    host_ip: str = ""
    published_range: bool = False  # a range of host ports for one container port


_PROTOCOLS = {"tcp": "TCP", "udp": "UDP", "sctp": "SCTP"}
MAX_RANGE = 100  # ports one entry may expand to


def protocol(value: str) -> str:
    found = _PROTOCOLS.get(value.lower())
    if found is None:
        raise ValueError(f"protocol {value!r} is not tcp, udp or sctp")
    return found


def port_range(text: str) -> list[int]:
    """`8080` or `8000-8010` as the ports it names."""
    low, sep, high = text.strip().partition("-")
    if not low.isdigit() or (sep and not high.isdigit()):
        raise ValueError(f"{text!r} is not a port number or a range like 8000-8010")
    first, last = int(low), int(high) if sep else int(low)
    for number in (first, last):
        if not 1 <= number <= 65535:
            raise ValueError(f"port {number} is outside 1-65535")
    if last < first:
        raise ValueError(f"the range {text!r} ends before it starts")
    if last - first >= MAX_RANGE:
        raise ValueError(f"the range {text!r} holds more than {MAX_RANGE} ports")
    return list(range(first, last + 1))


def parse_port(text: str) -> list[PortMapping]:
    """Compose's short port syntax, `[[HOST_IP:]PUBLISHED:]TARGET[/PROTOCOL]`, where
    PUBLISHED and TARGET may be ranges (`"127.0.0.1:8000-8001:80-81/udp"`, `"[::1]:80:80"`)."""
    rest, _, proto = text.strip().partition("/")
    proto = protocol(proto) if proto else "TCP"
    host_ip = ""
    if rest.startswith("["):
        host_ip, close, rest = rest[1:].partition("]")
        if not close or not rest.startswith(":"):
            raise ValueError(f"{text!r}: an IPv6 host address is written [::1]:8080:80")
        rest = rest[1:]
    parts = rest.split(":")
    if len(parts) == 3 and not host_ip:
        host_ip = parts.pop(0)
    if len(parts) > 2 or not parts[-1]:
        raise ValueError(f"{text!r} is not [[HOST_IP:]PUBLISHED:]TARGET[/PROTOCOL]")
    targets = port_range(parts[-1])
    published = port_range(parts[0]) if len(parts) == 2 and parts[0] else []
    if len(published) > 1 and len(targets) == 1:  # compose publishes one port of the range
        return [PortMapping(targets[0], published[0], proto, host_ip, True)]
    if published and len(published) != len(targets):
        raise ValueError(f"{text!r} maps {len(published)} host ports to {len(targets)} "
                         "container ports")
    return [PortMapping(t, published[i] if published else None, proto, host_ip)
            for i, t in enumerate(targets)]


_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h|d|w)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0,
                 "h": 3600.0, "d": 86400.0, "w": 604800.0}


def duration(value: object) -> float:
    """A compose duration (`30s`, `1m30s`, `500ms`, `1.5h`) in seconds."""
    text = str(value).strip()
    if text == "0":
        return 0.0
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"{value!r} is not a duration")
    pos, total = 0, 0.0
    while pos < len(text):
        match = _DURATION_PART.match(text, pos)
        if match is None:
            break
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        pos = match.end()
    if not text or pos != len(text):
        raise ValueError(f"{text!r} is not a duration: a number and a unit, like 30s, 1m30s "
                         "or 500ms")
    return total


def whole_seconds(seconds: float, *, minimum: int) -> int:
    """Seconds as Kubernetes counts them: whole, rounded up, at least `minimum`."""
    return max(minimum, math.ceil(seconds - 1e-9))


def cpu_quantity(value: object) -> str | None:
    """A compose CPU count (`0.5`, `"2"`) as a Kubernetes quantity (`500m`, `2`); None for 0,
    which compose reads as no limit."""
    try:
        if isinstance(value, bool):
            raise ValueError
        cpus = float(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a number of CPUs, like 0.5 or 2") from None
    if not math.isfinite(cpus) or cpus < 0:
        raise ValueError(f"{value!r} is not a number of CPUs, like 0.5 or 2")
    millis = round(cpus * 1000)
    if millis == 0:
        return None if cpus == 0 else "1m"
    return str(millis // 1000) if millis % 1000 == 0 else f"{millis}m"


_BYTES = re.compile(r"(\d+(?:\.\d+)?) ?([kmgtp])?i?b?", re.I)
_BINARY = (("Pi", 1024**5), ("Ti", 1024**4), ("Gi", 1024**3), ("Mi", 1024**2), ("Ki", 1024))


def memory_quantity(value: object) -> str | None:
    """A compose byte size (`512m`, `1.5g`, `512MB`, a number of bytes) as an exact
    Kubernetes quantity. Compose counts k, m, g, t and p in powers of 1024 (with or without
    `b` and `i`), so `512M` is `512Mi`; a size no binary unit divides stays in bytes. None
    for 0 (no limit)."""
    if isinstance(value, int) and not isinstance(value, bool):
        count = value
    else:
        match = _BYTES.fullmatch(str(value).strip()) if isinstance(value, str) else None
        if match is None:
            raise ValueError(f"{value!r} is not a size like 512m, 1g or 1048576")
        power = "kmgtp".index(match.group(2).lower()) + 1 if match.group(2) else 0
        count = int(float(match.group(1)) * 1024**power)
    if count < 0:
        raise ValueError(f"{value!r} is not a size like 512m, 1g or 1048576")
    if count == 0:
        return None
    for suffix, size in _BINARY:
        if count % size == 0:
            return f"{count // size}{suffix}"
    return str(count)


def command_words(value: str) -> list[str]:
    """A command given as one string, split into words the way a shell would."""
    try:
        return shlex.split(value)
    except ValueError as exc:
        # a command line may carry a password: name the fault, not the words
        raise ValueError(f"the command line does not split into words: {exc}") from None
