"""What an import starts from: the Kubernetes objects of each context of the original.

A helm chart is rendered once per context and plain manifests are read as they are; a compose
file or a Score spec is first translated into the objects it means. Everything after that
(the drafts of pligos.yaml, the parity report) reads objects only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# where an import keeps what pligos.yaml cannot say, and the words that point there
LEFTOVERS_FILE = "import-leftovers.yaml"
KEPT = f"kept in {LEFTOVERS_FILE}"
# the kinds of object that run pods, each a service of its own
WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job")
# how an import came to be: the subcommand of `pligos import`
HELM, MANIFESTS, COMPOSE, SCORE = "helm", "manifests", "compose", "score"
SOURCE_KINDS = (HELM, MANIFESTS, COMPOSE, SCORE)


@dataclass
class Leftover:
    """Something of the original that pligos.yaml does not express, and where it went."""

    what: str  # "Certificate api-cert", "env DB_PASSWORD of container api (a secretKeyRef)"
    where: str  # "templates/cert.yaml", "docker-compose.yaml:12"
    why: str  # why it is not expressed
    kept: str = ""  # where it is kept, or what to do: "import-leftovers.yaml", a suggestion
    context: str = ""  # the context it belongs to ("" when it is the same in all)
    fragment: Any = None  # the original's YAML data (an object, a field), for the leftovers file
    # False for what the import did express another way but a person must act on (a Secret
    # now referred to by name): listed, without making the parity fail
    material: bool = True
    workload: str = ""  # the workload it belongs to ("" when it is the original's as a whole)

    def to_json(self) -> dict[str, Any]:
        return {"what": self.what, "where": self.where, "why": self.why, "kept": self.kept,
                "context": self.context, "material": self.material}


@dataclass
class Context:
    """One context of the original: the objects it runs, and where each came from."""

    name: str  # a DNS label: dev, prod, ...
    namespace: str = ""  # where it runs ("" means the context's name)
    release: str = ""  # the helm release it was rendered as ("" when not a helm chart)
    objects: list[dict[str, Any]] = field(default_factory=list)
    where: dict[int, str] = field(default_factory=dict)  # id(object) -> its source

    def source_of(self, obj: dict[str, Any]) -> str:
        return self.where.get(id(obj), "")


@dataclass
class Original:
    """Everything an import read, before it is turned into pligos.yaml."""

    kind: str  # one of SOURCE_KINDS
    source: str  # what the user named: a path or a chart reference
    contexts: list[Context]  # in the order given; at least one
    name: str = ""  # a suggested service name ("" = from the workloads)
    leftovers: list[Leftover] = field(default_factory=list)  # what a translation dropped
    friends: dict[str, list[str]] = field(default_factory=dict)  # workload -> friend names
    files: dict[str, bytes] = field(default_factory=dict)  # files written beside pligos.yaml


# ----- what Kubernetes objects say, read alike by both sides of an import

def selects(selector: Any, labels: dict[str, Any], *, empty: bool = False) -> bool:
    """Whether a label selector's mapping (a Service's selector, matchLabels) picks pods of
    `labels`; an empty one picks all pods when `empty` says so, else none."""
    wanted = selector if isinstance(selector, dict) else {}
    if not wanted:
        return empty
    return all(labels.get(k) == v for k, v in wanted.items())


def image_parts(image: str) -> tuple[str, str]:
    """(repository, ":tag" or "@digest" or "")."""
    if "@" in image:  # the digest pins the image; a tag beside it is not read
        repo, digest = image.split("@", 1)
        return image_parts(repo)[0], "@" + digest
    if ":" in image.rsplit("/", 1)[-1]:
        repo, tag = image.rsplit(":", 1)
        return repo, ":" + tag
    return image, ""
