"""Finding and calling the helm binary.

Pligos writes charts without helm; rendering (`preview`, `diff`) and linting (`check`) need
it. The binary is `$PLIGOS_HELM` when set, else `helm` on PATH; helm 3.17 or later and helm 4
are supported. Both take the same commands and flags here; helm 4 words some errors over
several indented lines (and logs `level=...` lines on stderr), which is why helm's messages are
read as blocks (`_first_error`, `LintResult.messages`), never as single lines. The version is
asked only when helm fails, so a supported helm costs no extra run.

Every generated chart holds its helpers through a link (`charts.library`), and helm says so
on stderr each time it follows one (helm 3: `walk.go:NN: found symbolic link in path: ...`,
helm 4: `level=INFO msg="found symbolic link in path. ..."`); that notice, and only it, is
dropped from what Pligos shows (`without_link_notices`).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pligos_tui.errors import HelmError, HelmNotFound

SUPPORTED = "helm 3.17 or later, or helm 4"
MIN_VERSION = (3, 17)
LAST_MAJOR = 4  # the newest major version Pligos is tested with
_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")


def find_helm() -> str | None:
    configured = os.environ.get("PLIGOS_HELM")
    if configured:
        path = shutil.which(configured)
        return path
    return shutil.which("helm")


def require_helm(what: str) -> str:
    helm = find_helm()
    if helm is None:
        if os.environ.get("PLIGOS_HELM"):
            raise HelmNotFound(what + f" (PLIGOS_HELM={os.environ['PLIGOS_HELM']} is not an "
                               "executable)")
        raise HelmNotFound(what)
    return helm


@functools.cache
def helm_version(helm: str) -> tuple[int, int, int] | None:
    """The version of the helm binary at `helm` (`helm version`), or None when it does not
    say one."""
    try:
        result = subprocess.run([helm, "version", "--template", "{{.Version}}"],
                                capture_output=True, text=True, env=_env(), timeout=60,
                                check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = _VERSION.match(result.stdout.strip()) if result.returncode == 0 else None
    if found is None:
        return None
    major, minor, patch = (int(part) for part in found.groups())
    return major, minor, patch


def unsupported(helm: str) -> HelmError | None:
    """The error to raise when the helm at `helm` is a version Pligos does not support (too
    old, or newer than it knows), else None (supported, or its version unknown)."""
    version = helm_version(helm)
    if version is None or (version[:2] >= MIN_VERSION and version[0] <= LAST_MAJOR):
        return None
    shown = ".".join(map(str, version))
    return HelmError(f"{helm} is helm {shown}, which Pligos does not support (it works with "
                     f"{SUPPORTED})",
                     hint="install a supported helm (https://helm.sh/docs/intro/install/) or "
                     "point PLIGOS_HELM at one")


def _env(*, short: bool = False) -> dict[str, str]:
    """helm's environment. A `short` run (a render) has Go's collector wait until the heap
    reaches 128 MiB, which rendering a chart seldom does: it takes a third less CPU and no more
    memory. The user's own GOGC or GOMEMLIMIT is kept."""
    env = dict(os.environ)
    env.setdefault("HELM_CACHE_HOME", str(Path.home() / ".cache" / "helm"))
    if short and "GOGC" not in env and "GOMEMLIMIT" not in env:
        env.update(GOGC="off", GOMEMLIMIT="128MiB")
    return env


def _run(args: list[str], what: str, *, timeout: float = 300,
         hint: str = "") -> subprocess.CompletedProcess[str]:
    """helm with `args`; the caller reads the result. A failure of a helm version Pligos does
    not support raises that instead, as its output cannot be trusted to mean what it says."""
    helm = require_helm(what)
    try:
        result = subprocess.run([helm, *args], capture_output=True, text=True, env=_env(),
                                timeout=timeout, check=False)
    except OSError as exc:
        raise HelmError(f"cannot run {helm}: {exc.strerror}") from None
    except subprocess.TimeoutExpired:
        raise HelmError(f"helm {args[0]} did not finish within {timeout:g} s",
                        hint=hint) from None
    if result.returncode != 0 and (error := unsupported(helm)) is not None:
        raise error
    result.stdout = without_link_notices(result.stdout)
    result.stderr = without_link_notices(result.stderr)
    return result


_LINK_NOTICE = re.compile(
    r"^(?:[\w.]+\.go:\d+: found symbolic link in path: .*|level=INFO msg=\"found symbolic "
    r"link in path\. .*)Contents of linked file included and used.*(?:\r?\n|\Z)", re.M)


def without_link_notices(text: str) -> str:
    """helm's output without its notices of each symbolic link it followed."""
    return _LINK_NOTICE.sub("", text) if "found symbolic link" in text else text


def _is_log(line: str) -> bool:
    """A log line of helm 4 (`level=WARN msg=...`) or helm 3 (`engine.go:206: [INFO] ...`)."""
    return line.startswith("level=") or re.match(r"[\w.]+\.go:\d+: ", line) is not None


def _blocks(output: str, starts: tuple[str, ...]) -> list[str]:
    """helm's messages that begin with one of `starts`, each joined with the lines that
    continue it (helm 4 indents a template error's detail on the lines below; a schema error
    lists its violations there) up to a blank line or the next message."""
    found: list[str] = []
    current: list[str] | None = None
    for raw in output.splitlines():
        line = raw.strip()
        if line.startswith(("[ERROR]", "[WARNING]", "[INFO]", "Error:", "==>")) or not line:
            if current:
                found.append(" ".join(current))
            current = [line] if line.startswith(starts) else None
        elif current is not None and not _is_log(line):
            current.append(line)
    if current:
        found.append(" ".join(current))
    return found


def _first_error(output: str) -> str:
    """helm's first error in its output, on one line, without the `Error:` prefix."""
    errors = _blocks(output, ("Error:", "[ERROR]"))
    if errors:
        return errors[0].removeprefix("Error:").strip()
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return lines[-1] if lines else "helm failed"


class Template:
    """`helm template` of a chart, running in the background from the moment it is made.

    Its output goes to anonymous files rather than pipes, so nobody has to read while helm
    runs: `done()` polls, `result()` waits and returns the manifests, `cancel()` stops it.
    """

    def __init__(self, chart: Path, release: str, *, namespace: str = "default",
                 values: tuple[Path, ...] = ()) -> None:
        helm = require_helm("rendering")
        self.chart, self._helm = chart, helm
        # open while helm runs and closed by result() or cancel()
        self._out = tempfile.TemporaryFile()  # noqa: SIM115
        self._err = tempfile.TemporaryFile()  # noqa: SIM115
        try:
            self._proc = subprocess.Popen(
                [helm, "template", release, str(chart), "--namespace", namespace,
                 *(arg for v in values for arg in ("--values", str(v)))],
                stdin=subprocess.DEVNULL, stdout=self._out, stderr=self._err,
                env=_env(short=True))
        except OSError as exc:
            self._close()
            raise HelmError(f"cannot run {helm}: {exc.strerror}") from None

    def done(self) -> bool:
        return self._proc.poll() is not None

    def result(self, timeout: float = 300) -> str:
        try:
            code = self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.cancel()
            raise HelmError(f"helm template did not finish within {timeout:g} s") from None
        try:
            self._out.seek(0)
            self._err.seek(0)
            out = self._out.read().decode("utf-8", "replace")
            err = without_link_notices(self._err.read().decode("utf-8", "replace"))
        finally:
            self._close()
        if code != 0:
            raise unsupported(self._helm) or HelmError(
                f"helm template failed for {self.chart}: {_first_error(err)}")
        return out

    def cancel(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self._close()

    def _close(self) -> None:
        self._out.close()
        self._err.close()


@dataclass
class LintResult:
    ok: bool
    output: str

    @property
    def messages(self) -> list[str]:
        """helm's errors and warnings, each on one line (see `_blocks`)."""
        return _blocks(self.output, ("[ERROR]", "[WARNING]", "Error:"))


def lint(chart: Path, *, values: tuple[Path, ...] = ()) -> LintResult:
    result = _run(["lint", "--strict", str(chart),
                   *(arg for v in values for arg in ("--values", str(v)))], "linting")
    return LintResult(result.returncode == 0, result.stdout + result.stderr)


# --------------------------------------------------------------------------- packages, OCI

def _registry_hint(message: str, where: str) -> str:
    """What to do about an error helm met talking to a registry."""
    low = message.lower()
    if "http response to https client" in low:
        return f"{where} speaks plain HTTP: add --plain-http"
    if any(word in low for word in ("unauthorized", "authentication required", "denied",
                                    "forbidden")):
        return f"log in first: helm registry login {where}"
    if any(word in low for word in ("connection refused", "no such host", "timeout",
                                    "unreachable", "i/o timeout")):
        return f"check that the registry at {where} is running and reachable"
    return f"check the registry address ({where}) and that helm can reach it"


def registry_timeout() -> float:
    """Seconds one registry call may take (a registry that never answers):
    $PLIGOS_REGISTRY_TIMEOUT, else 120."""
    try:
        return max(1.0, float(os.environ.get("PLIGOS_REGISTRY_TIMEOUT", "120")))
    except ValueError:
        return 120.0


_OCI_REPOSITORY = re.compile(
    r"oci://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[a-z0-9]+([._-][a-z0-9]+)*)+")


def is_oci_repository(ref: str) -> bool:
    """Whether `ref` is a repository in an OCI registry as charts are pushed to and read
    from: oci://HOST[:PORT]/PATH, a lowercase path, no user, password, query or space."""
    return bool(_OCI_REPOSITORY.fullmatch(ref))


def _oci_host(ref: str) -> str:
    """The registry of an OCI reference, without a user or password written into it."""
    return ref.removeprefix("oci://").split("/", 1)[0].rpartition("@")[2]


def shown_reference(ref: str) -> str:
    """A chart reference or URL as messages show it: without a user or password."""
    scheme, sep, rest = ref.partition("://")
    if not sep:
        scheme, rest = "", ref
    host, slash, path = rest.partition("/")
    return (f"{scheme}://" if sep else "") + host.rpartition("@")[2] + slash + path


def package(chart: Path, dest: Path) -> Path:
    """`helm package` of a chart folder into `dest`; the archive's path."""
    result = _run(["package", str(chart), "--destination", str(dest)], "packaging a chart")
    if result.returncode != 0:
        raise HelmError(f"helm package failed for {chart.name}: "
                        f"{_first_error(result.stderr + result.stdout)}")
    found = sorted(dest.glob("*.tgz"))
    if len(found) != 1:
        raise HelmError(f"helm package wrote {len(found)} archives for {chart.name}, not one")
    return found[0]


def dependency_build(chart: Path, shown: str) -> None:
    """`helm dependency build`: the subcharts Chart.yaml names, into the chart's charts/."""
    result = _run(["dependency", "build", str(chart)], "fetching subcharts")
    if result.returncode != 0:
        raise HelmError(f"helm dependency build failed for {shown}: "
                        f"{_first_error(result.stderr + result.stdout)}",
                        hint="a file:// repository must point at a chart folder (relative "
                        "to the chart's own folder); for others, `helm repo add` them first")


def show_chart(ref: str, version: str, *, plain_http: bool) -> str | None:
    """The Chart.yaml of `ref` at `version` in an OCI registry, or None when it is not there."""
    result = _run(["show", "chart", ref, "--version", version,
                   *(["--plain-http"] if plain_http else [])], "reading a registry",
                  timeout=registry_timeout(), hint=_registry_hint("timeout", _oci_host(ref)))
    if result.returncode == 0:
        return result.stdout
    message = _first_error(result.stderr + result.stdout)
    if message.rstrip().endswith(": not found"):
        return None
    raise HelmError(f"cannot read {shown_reference(ref)}:{version} from the registry: "
                    f"{message.replace(ref, shown_reference(ref))}",
                    hint=_registry_hint(message, _oci_host(ref)))


@dataclass(frozen=True)
class Pulled:
    """What `helm pull` fetched: the tag it resolved ("" for a pull by digest), the
    registry's digest of it, and the chart's folder."""

    tag: str
    digest: str
    folder: Path


def pull(ref: str, version: str, dest: Path, *, plain_http: bool) -> Pulled | None:
    """`helm pull --untar` of `ref` (oci://HOST/PATH/NAME, or ...NAME@sha256:... with
    `version` "") at `version` (a version or a constraint, as `--version` takes it) into
    a new folder below `dest`; None when the registry has no such repository, version or
    digest."""
    args = ["pull", ref, "--untar", "--untardir", "chart", "--destination", str(dest),
            *(["--version", version] if version else []),
            *(["--plain-http"] if plain_http else [])]
    result = _run(args, "reading an OCI flavor source", timeout=registry_timeout(),
                  hint=_registry_hint("timeout", _oci_host(ref)))
    output = result.stdout + "\n" + result.stderr
    if result.returncode != 0:
        message = _first_error(output)
        low = message.lower()
        if low.rstrip().endswith("not found") or "could not locate a version" in low \
                or "name unknown" in low:
            return None
        raise HelmError(f"cannot read {shown_reference(ref)} from the registry: "
                        f"{message.replace(ref, shown_reference(ref))}",
                        hint=_registry_hint(message, _oci_host(ref)))
    tag = digest = ""
    for line in output.splitlines():
        key, _, value = line.strip().partition(": ")
        if key == "Pulled" and "@" not in value.rsplit("/", 1)[-1]:
            tag = value.rsplit("/", 1)[-1].rpartition(":")[2]
        elif key == "Digest":
            digest = value.strip()
    # (a pull by digest also leaves an empty folder named after the reference)
    folders = [p for p in (dest / "chart").iterdir() if (p / "Chart.yaml").is_file()] \
        if (dest / "chart").is_dir() else []
    if len(folders) != 1 or not digest:
        raise HelmError(f"helm pull of {shown_reference(ref)} did not give one chart and its "
                        "digest")
    return Pulled(tag, digest, folders[0])


def push(archive: Path, remote: str, *, plain_http: bool) -> str:
    """`helm push` of a packaged chart to `remote` (oci://HOST/PATH); the digest the registry
    gave it ('' if helm did not print one)."""
    result = _run(["push", str(archive), remote, *(["--plain-http"] if plain_http else [])],
                  "pushing charts", timeout=registry_timeout(),
                  hint=_registry_hint("timeout", _oci_host(remote)))
    output = result.stdout + "\n" + result.stderr
    if result.returncode != 0:
        message = _first_error(output).replace(remote, shown_reference(remote))
        raise HelmError(f"helm push of {archive.name} to {shown_reference(remote)} failed: "
                        f"{message}",
                        hint=_registry_hint(message, _oci_host(remote)))
    for line in output.splitlines():
        if line.strip().startswith("Digest:"):
            return line.split(":", 1)[1].strip()
    return ""


# --------------------------------------------------------------------------- releases

def template_release(chart: Path | str, release: str, *, namespace: str,
                     values: tuple[Path, ...] = (), sets: tuple[str, ...] = (),
                     version: str = "", plain_http: bool = False) -> str:
    """The manifests `helm install` of the chart `chart` (a folder, a packaged chart, or a
    reference helm can pull, at `version`) as `release` in `namespace` would create: its crds/
    included, its test hooks left out, `values` files and then `sets` (`--set K=V`) on top."""
    name = chart.name if isinstance(chart, Path) else chart
    result = _run(["template", release, str(chart), "--namespace", namespace, "--include-crds",
                   "--skip-tests", *(arg for v in values for arg in ("--values", str(v))),
                   *(arg for s in sets for arg in ("--set", s)),
                   *(["--version", version] if version else []),
                   *(["--plain-http"] if plain_http else [])],
                  "rendering")
    if result.returncode != 0:
        raise HelmError(f"helm template failed for {shown_reference(name)}: "
                        + _first_error(result.stderr + result.stdout).replace(
                            str(chart), shown_reference(str(chart))),
                        hint="run the same `helm template` to see the whole error; for a chart "
                        "of a private repository log in first")
    return result.stdout


def chart_metadata(chart: Path | str, *, version: str = "", plain_http: bool = False) -> str:
    """The Chart.yaml of a chart folder, a packaged chart or a reference helm can pull."""
    remote = not Path(str(chart)).exists()  # a registry or repository: bounded like one
    result = _run(["show", "chart", str(chart), *(["--version", version] if version else []),
                   *(["--plain-http"] if plain_http else [])], "reading a chart",
                  timeout=registry_timeout() if remote else 300)
    if result.returncode != 0:
        raise HelmError(f"cannot read the chart {shown_reference(str(chart))}: "
                        + _first_error(result.stderr + result.stdout).replace(
                            str(chart), shown_reference(str(chart))),
                        hint="give a chart folder (with Chart.yaml), a packaged chart (.tgz), "
                        "oci://HOST/PATH/NAME or REPO/NAME of a repository added with "
                        "`helm repo add`")
    return result.stdout
