"""Rules of the service's own top-level fields: its name, chartVersion and folders."""

from __future__ import annotations

from collections.abc import Iterator

from pligos_tui.errors import Rule
from pligos_tui.spec.fields import NAME_DNS, dns_label, semver, suggest_label
from pligos_tui.spec.rules.context import RuleContext
from pligos_tui.spec.rules.registry import Found, rule
from pligos_tui.spec.vocabulary import SERVICE_NAME_MAX

SEMVER = Rule("E-SEMVER", "chartVersion is not a SemVer version")
FOLDER_MISSING = Rule("E-FOLDER-MISSING", "a flavorPaths or friendsLibrary folder does not "
                      "exist, or is a file")


@rule(NAME_DNS)
def service_name(ctx: RuleContext) -> Iterator[Found]:
    name = ctx.svc.name
    if name or ctx.written(("name",)) == "":
        problem = dns_label(name, max_len=SERVICE_NAME_MAX)
        if problem is None and not name[0].isalpha():  # a Service's name is a DNS-1035 label
            problem = (f"{name!r} starts with a digit: it names the chart's Service, whose "
                       "name must start with a letter")
        if problem:
            yield Found(("name",), f"service name {problem}",
                        "the name becomes the chart's and the Kubernetes objects' name, "
                        f"e.g. {suggest_label(name, SERVICE_NAME_MAX)}")


@rule(SEMVER)
def chart_version(ctx: RuleContext) -> Iterator[Found]:
    problem = semver(ctx.svc.chart_version)
    if problem:
        yield Found(("chartVersion",), f"chartVersion {problem}", 'e.g. chartVersion: "0.1.0"')


@rule(FOLDER_MISSING)
def folders(ctx: RuleContext) -> Iterator[Found]:
    svc = ctx.svc
    for key, values, what in (("flavorPaths", svc.flavor_paths, "flavor folder"),
                              ("friendsLibrary", svc.friends_library,
                               "friends library folder")):
        listed = isinstance(ctx.written((key,)), list)
        for i, value in enumerate(values):
            at = (key, i) if listed else (key,)
            path = svc.root / value
            if not path.exists():
                yield Found(at, f"{what} {value!r} does not exist",
                            "create it or fix the path (relative to the service folder)")
            elif not path.is_dir():
                yield Found(at, f"{what} {value!r} is a file, not a folder",
                            "point it at a folder")
