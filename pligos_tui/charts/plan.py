"""One chart to generate: a compiled context, its flavor, where it goes, and its files.

`plan_chart` compiles one context of a loaded service and builds its chart in memory; a chart
made another way (a service of the original Pligos) is a ChartPlan too, with an `Origin` and
its files already built, and no format-1 `service`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pligos_tui.charts.chart import build_chart
from pligos_tui.charts.contract import Compiled, compile_context
from pligos_tui.charts.delivery import versioned
from pligos_tui.charts.records import ChartRecord
from pligos_tui.charts.schema import check_values
from pligos_tui.errors import SecretError, UsageError, did_you_mean
from pligos_tui.secrets import LazyProvider, RedactingProvider, SecretProvider
from pligos_tui.spec.flavors import Choice, Flavor, FlavorSet
from pligos_tui.spec.model import Service
from pligos_tui.spec.resolve import resolve_context
from pligos_tui.spec.rules.secrets import locate_secret_error
from pligos_tui.spec.vocabulary import CHARTS_DIR, SECRET_VALUES_FILE


@dataclass(frozen=True)
class Origin:
    """What a chart was made from, as messages and records name it."""

    name: str  # the service's name
    file: str  # its configuration file, as shown to the user
    root: Path  # its folder


@dataclass
class ChartPlan:
    """One chart to generate: where it goes and what it holds."""

    origin: Origin
    context: str
    flavor: Flavor
    compiled: Compiled
    dest: Path
    files: dict[str, bytes] | None = None  # None until built (see chart_files)
    service: Service | None = None  # the format-1 service it comes from, if any
    digest: str = ""  # the chart's content hash, once written
    stat: str = ""  # and the fingerprint of the written folder (discover.stat_digest)
    choice: Choice | None = None  # how its flavor was chosen (pin, version, source)

    def chart_files(self) -> dict[str, bytes]:
        """The chart's files, built on first use."""
        if self.files is None:
            svc = self.service
            assert svc is not None  # a plan without a service is made with its files
            self.files = build_chart(self.compiled, self.flavor,
                                     chart_version=svc.chart_version,
                                     app_version=svc.app_version,
                                     description=svc.description, dest=self.dest)
        return self.files

    @property
    def meta(self) -> dict[str, str]:
        return {"service": self.origin.name, "context": self.context,
                "flavor": self.flavor.name}

    def record(self) -> ChartRecord:
        return ChartRecord(self.dest, self.origin.name, self.context, self.flavor.name,
                           self.origin.root)


def chart_dest(svc: Service, context: str, out: Path | None) -> Path:
    base = out if out is not None else svc.root / CHARTS_DIR
    return base / context / svc.name


def secret_provider(svc: Service, *, redact: bool = False,
                    root: Path | None = None) -> SecretProvider | None:
    """The service's secret provider (None without a `secrets:` block).

    With `redact`, secrets keep their keys but not their bytes: for previews, diffs and
    plans, which print what they render. `root` reads a file provider's folder below another
    folder than the service's (`plan`: the work tree's, for the service as a git ref holds
    it, whose secrets are never in git)."""
    if svc.secrets is None or not svc.secrets.provider:
        return None
    provider = LazyProvider(svc.secrets.settings, root or svc.root, svc.file)
    return RedactingProvider(provider) if redact else provider


def plan_chart(svc: Service, context: str, *, out: Path | None = None,
               flavor: str | None = None, flavors: FlavorSet | None = None,
               secrets: SecretProvider | None = None, redact: bool = False,
               build: bool = True, fetch_secrets: bool = True) -> ChartPlan:
    """Compile one context (optionally with another flavor) and build its chart in memory
    (or later, on first use of `chart_files()`, when `build` is false).

    Without `fetch_secrets` no secret provider is read: the chart is the same but for its
    inline secret data (`vocabulary.SECRET_VALUES_FILE`), which it lacks."""
    flavors = flavors or FlavorSet()
    if secrets is None and fetch_secrets:
        secrets = secret_provider(svc, redact=redact)
    try:
        compiled = compile_context(svc, context, flavor, secrets, fetch_secrets=fetch_secrets,
                                   flavors=flavors)
    except SecretError as exc:  # at the line of pligos.yaml that uses the secret
        raise locate_secret_error(svc, context, exc) from None
    written = flavor or resolve_context(svc, context).flavor
    choice = flavors.choose(svc, written)  # (a pin no version matches: a FlavorPinError)
    if choice is None:
        available = list(flavors.available([svc.root / p for p in svc.flavor_paths]))
        raise UsageError(f"unknown flavor {written!r}",
                         hint=did_you_mean(written, available, loose=True)
                         or f"flavors are: {', '.join(available)}")
    if compiled.values_at is not None:
        check_values(compiled, svc.doc)
    dest = chart_dest(svc, context, out)
    if SECRET_VALUES_FILE in compiled.files and not redact:
        compiled.files[SECRET_VALUES_FILE] = versioned(
            compiled.files[SECRET_VALUES_FILE], dest / SECRET_VALUES_FILE, f"{svc.name}:{context}")
    p = ChartPlan(Origin(svc.name, svc.file, svc.root), context, choice.flavor, compiled, dest,
                  service=svc, choice=choice)
    if build:
        p.chart_files()
    return p


def select_contexts(svc: Service, wanted: list[str] | None) -> list[str]:
    names = [c.name for c in svc.contexts]
    if not wanted:
        return names
    return [n for n in dict.fromkeys(wanted) if n in names]  # (each once, as given)
