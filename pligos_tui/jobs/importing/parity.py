"""Parity: how close the chart an import made comes to the original it was made from.

`compare` takes the Kubernetes objects of one context of the original and those the new chart
renders, and pairs them by role, since names may differ: a workload with a workload (the same
kind and name first, then the same kind and image, then any workload), each Service with a
Service that selects the paired workload (headless with headless), Ingresses and Gateway API
routes by the hosts they serve (objects of one side that share hosts are compared as one),
HPAs by the workload they scale, PDBs and NetworkPolicies by the pods they select,
ServiceAccounts through the pods that run as them, anything else by kind and name.

Each pair is projected onto what matters (`projection.py`) and the projections are compared
with `diff_objects`, so field paths read like `pligos plan`'s
(`spec.template.spec.containers[api].image`); a projection keeps the original's key. Ports
matched by number take the original's names, and values that mean the same are read alike
(quantities `1000m` and `1`, images `nginx` and `docker.io/library/nginx:latest`).

A field the new side sets and the original leaves unset is an *addition* (Pligos' secure
defaults, default probes and resources, the writable /tmp): listed in `added`, not material.
A field the original sets that the new side lacks or sets otherwise is a difference. An object
of the original with no counterpart is `missing`. What an object carries into a pod (a mounted
ConfigMap, a Secret, a claim) is compared through the workload and never reported on its own.

Pure: no helm, no files, no printing.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from pligos_tui.charts.changes import MISSING, ObjectChange, ObjectKey, diff_objects
from pligos_tui.jobs.importing.original import WORKLOADS, Leftover, image_parts, selects
from pligos_tui.jobs.importing.projection import (
    ROUTES,
    Obj,
    Side,
    as_number,
    as_text,
    by_name,
    hpa,
    labels_of,
    mapping,
    mappings,
    name_of,
    project,
    route,
    secret_keys,
    service,
    template_of,
    workload,
)

QUANTITY_KEYS = frozenset({"cpu", "memory", "storage", "ephemeral-storage", "size", "sizeLimit"})


@dataclass
class ContextParity:
    """The parity of one context: the original's objects against the new chart's."""

    matched: int = 0  # projected leaf fields equal on both sides
    differs: list[ObjectChange] = field(default_factory=list)  # material differences
    added: list[str] = field(default_factory=list)  # what the new chart adds, one line each
    missing: list[Leftover] = field(default_factory=list)  # original objects left unmatched

    @property
    def material(self) -> bool:
        return bool(self.differs or self.missing)

    def to_json(self) -> dict[str, Any]:
        return {"matched": self.matched, "material": self.material,
                "differs": [c.to_json() for c in self.differs], "added": list(self.added),
                "missing": [m.to_json() for m in self.missing]}


def compare(original: list[dict[str, Any]], new: list[dict[str, Any]], *,
            where: dict[int, str] | None = None) -> ContextParity:
    """The parity of the new chart's objects with the original's (one context of each);
    `where` names the source of each original object by its id()."""
    job = _Comparison(Side(original), Side(new), where or {})
    job.workloads()
    job.routes()
    job.rest()
    return job.finish()


def _key(obj: Obj) -> ObjectKey:
    return ObjectKey(as_text(obj.get("apiVersion")), obj["kind"],
                     as_text(mapping(obj.get("metadata")).get("namespace")), name_of(obj))


def _canonical_image(image: str) -> str:
    repo, ref = image_parts(image)
    for prefix in ("docker.io/", "index.docker.io/"):
        repo = repo.removeprefix(prefix)
    if "/" not in repo:
        repo = "library/" + repo
    return repo + (ref or ":latest")


def _repository(w: Obj) -> str:
    containers = mappings(mapping(template_of(w).get("spec")).get("containers"))
    repo = image_parts(as_text(containers[0].get("image")))[0] if containers else ""
    return _canonical_image(repo).rsplit(":", 1)[0]


_SUFFIXES = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
             "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "k": 10**3,
             "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18}


def _quantity(value: Any) -> Decimal | None:
    """A Kubernetes quantity as a number: 1000m and 1, 1Gi and 1024Mi are equal."""
    text = as_text(value).strip()
    scale: Any = 1
    for suffix in sorted(_SUFFIXES, key=len, reverse=True):
        if text.endswith(suffix) and text[:-len(suffix)]:
            text, scale = text[:-len(suffix)], _SUFFIXES[suffix]
            break
    try:
        return Decimal(text) * Decimal(scale)
    except InvalidOperation:
        return None


# --- pairing ------------------------------------------------------------------------------

Test = Callable[[Obj, Obj], bool]


def _pair(olds: list[Obj], news: list[Obj], *tests: Test) -> tuple[list[tuple[Obj, Obj]],
                                                                  list[Obj]]:
    """Olds matched with news, the strictest test first; the pairs and the olds left."""
    pairs: list[tuple[Obj, Obj]] = []
    left, free = list(olds), list(news)
    for test in tests:
        for old in list(left):
            new = next((n for n in free if test(old, n)), None)
            if new is not None:
                pairs.append((old, new))
                left = [o for o in left if o is not old]
                free = [n for n in free if n is not new]
    return pairs, left


def _hosts(obj: Obj) -> set[str]:
    spec = mapping(obj.get("spec"))
    if obj["kind"] == "Ingress":
        return {as_text(r.get("host")) or "*" for r in mappings(spec.get("rules"))} or {"*"}
    return {as_text(h) for h in spec.get("hostnames") or ["*"]}


def _groups(olds: list[Obj], news: list[Obj]) -> list[tuple[list[Obj], list[Obj]]]:
    """Objects of both sides joined where they share a host (transitively), in order."""
    items = [*olds, *news]
    group = list(range(len(items)))

    def root(i: int) -> int:
        while group[i] != i:
            i = group[i]
        return i

    hosts = [_hosts(o) for o in items]
    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            if hosts[i] & hosts[j]:
                group[root(j)] = root(i)
    joined: dict[int, tuple[list[Obj], list[Obj]]] = {}
    for i, obj in enumerate(items):
        joined.setdefault(root(i), ([], []))[0 if i < len(olds) else 1].append(obj)
    return list(joined.values())


def _items(a: list[Any], b: list[Any]) -> Iterator[tuple[Any, Any]]:
    """The items of two lists that stand for each other: by name where a's have names."""
    named = {x.get("name"): x for x in a if isinstance(x, dict) and "name" in x}
    for i, item in enumerate(b):
        if named:
            other = named.get(item.get("name")) if isinstance(item, dict) else None
        else:
            other = a[i] if i < len(a) else None
        if other is not None:
            yield other, item


def _settle(a: Any, b: Any, parent: str = "") -> None:
    """Makes b say what a says where they mean the same: ports matched by number take a's
    names, equal quantities and images are written as in a."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in a.keys() & b.keys():
            x, y = a[key], b[key]
            if key == "ports" and isinstance(x, list) and isinstance(y, list):
                _port_names(mappings(x), mappings(y))
                y.sort(key=lambda p: by_name(mapping(p)))
            if x != y and _same(str(key), parent, x, y):
                b[key] = x
            else:
                _settle(x, y, str(key))
    elif isinstance(a, list) and isinstance(b, list):
        for x, y in _items(a, b):
            _settle(x, y, parent)


def _port_names(a: list[Obj], b: list[Obj]) -> None:
    """b's ports take the names of a's they stand for: the same number (a container's port,
    a Service's port), else for a Service the same container port reached."""
    service = not any("containerPort" in p for p in a)
    for fields in (("port", "protocol"), ("targetPort", "protocol")) if service else (
            ("containerPort", "protocol"),):
        names = {tuple(p.get(f) for f in fields): p.get("name") for p in a}
        taken = {p.get("name") for p in b}
        for p in b:
            name = names.get(tuple(p.get(f) for f in fields))
            if name and name not in taken and p.get("name") not in names.values():
                taken.add(name)
                p["name"] = name


def _same(key: str, parent: str, a: Any, b: Any) -> bool:
    if not isinstance(a, (str, int)) or not isinstance(b, (str, int)):
        return False
    if key == "image":
        return _canonical_image(str(a)) == _canonical_image(str(b))
    if key in QUANTITY_KEYS or parent in ("requests", "limits"):
        qa = _quantity(a)
        return qa is not None and qa == _quantity(b)
    return False


def _leaves(value: Any) -> int:
    if isinstance(value, dict):
        return sum(_leaves(v) for v in value.values()) or 1
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return sum(_leaves(v) for v in value)
    return 1


def _equal_leaves(a: Any, b: Any) -> int:
    if a == b:
        return _leaves(a)
    if isinstance(a, dict) and isinstance(b, dict):
        return sum(_equal_leaves(v, b[k]) for k, v in a.items() if k in b)
    if isinstance(a, list) and isinstance(b, list) and all(isinstance(v, dict) for v in a + b):
        if all("name" in v for v in a + b):
            named = {v["name"]: v for v in b}
            return sum(_equal_leaves(v, named[v["name"]]) for v in a if v["name"] in named)
        return sum(_equal_leaves(x, y) for x, y in zip(a, b))
    return 0


def _scalers(side: Side, w: Obj) -> list[Obj]:
    """The HPAs of a side that scale the workload."""
    def target(h: Obj) -> Obj:
        return mapping(mapping(h.get("spec")).get("scaleTargetRef"))

    return [h for h in side.left(("HorizontalPodAutoscaler",))
            if target(h).get("name") == name_of(w) and target(h).get("kind") == w["kind"]]


def _guarding(side: Side, kind: str, w: Obj) -> list[Obj]:
    """The PDBs (or NetworkPolicies) of a side that select the workload's pods."""
    key = "podSelector" if kind == "NetworkPolicy" else "selector"
    return [x for x in side.left((kind,))
            if selects(mapping(mapping(x.get("spec")).get(key)).get("matchLabels"),
                       labels_of(w), empty=kind == "NetworkPolicy")]


class _Comparison:
    """One compare(): the projections of both sides by the original's key, what is missing."""

    def __init__(self, original: Side, new: Side, where: dict[int, str]) -> None:
        self.o, self.n, self.where = original, new, where
        self.old: dict[ObjectKey, Obj] = {}
        self.new: dict[ObjectKey, Obj] = {}
        self.missing: list[Leftover] = []
        self.names: dict[str, str] = {}  # a new Service's name -> the original's it stands for

    def pair(self, old: Obj, news: list[Obj], projected: Obj, counterpart: Obj) -> None:
        self.o.done.add(id(old))
        self.n.done.update(id(n) for n in news)
        key = _key(old)
        if key not in self.old:
            self.old[key], self.new[key] = projected, counterpart

    def lose(self, obj: Obj, why: str) -> None:
        self.o.done.add(id(obj))
        hook = mapping(mapping(obj.get("metadata")).get("annotations")).get("helm.sh/hook")
        if hook:
            why = f"a helm hook ({hook}): the charts Pligos makes hold no hooks"
        fragment: Obj = obj
        if obj["kind"] == "Secret":  # its key names only, never a value
            fragment = {k: obj[k] for k in ("apiVersion", "kind", "type") if k in obj}
            fragment["metadata"] = {"name": name_of(obj)}
            why += f" (keys: {', '.join(secret_keys(obj)) or 'none'})"
        self.missing.append(Leftover(f"{obj['kind']} {name_of(obj)}",
                                     self.where.get(id(obj), ""), why, fragment=fragment))

    def workloads(self) -> None:
        o, n = self.o, self.n

        def same(a: Obj, b: Obj) -> bool:
            return bool(a["kind"] == b["kind"])

        pairs, lost = _pair(o.left(WORKLOADS), n.left(WORKLOADS),
                            lambda a, b: same(a, b) and name_of(a) == name_of(b),
                            lambda a, b: same(a, b) and _repository(a) == _repository(b),
                            same, lambda a, b: _repository(a) == _repository(b),
                            lambda a, b: True)
        for wo, wn in pairs:
            scalers = _scalers(o, wo), _scalers(n, wn)
            main = next(iter(mappings(mapping(template_of(wo).get("spec")).get("containers"))), {})
            self.pair(wo, [wn], workload(o, wo, "", not any(scalers)),
                      workload(n, wn, by_name(main), not any(scalers)))
            self.services(wo, wn)
            for a, b in zip(*scalers):
                self.pair(a, [b], hpa(a), hpa(b))
            for kind in ("PodDisruptionBudget", "NetworkPolicy"):
                for a, b in zip(_guarding(o, kind, wo), _guarding(n, kind, wn)):
                    self.pair(a, [b], project(o, a), project(n, b))
            self.account(wo, wn)
        for w in lost:
            self.lose(w, "no workload of the new chart is left to match it")

    def services(self, wo: Obj, wn: Obj) -> None:
        def headless(s: Obj) -> bool:
            return bool(mapping(s.get("spec")).get("clusterIP") == "None")

        def numbers(s: Obj) -> set[Any]:
            return {as_number(p.get("port")) for p in mappings(mapping(s.get("spec")).get("ports"))}

        def alike(a: Obj, b: Obj) -> bool:
            return headless(a) == headless(b)

        def selecting(side: Side, w: Obj) -> list[Obj]:
            return [s for s in side.left(("Service",))
                    if selects(mapping(s.get("spec")).get("selector"), labels_of(w))]

        pairs, lost = _pair(selecting(self.o, wo), selecting(self.n, wn),
                            lambda a, b: alike(a, b) and name_of(a) == name_of(b),
                            lambda a, b: alike(a, b) and bool(numbers(a) & numbers(b)), alike)
        for a, b in pairs:
            self.names[name_of(b)] = name_of(a)
            self.pair(a, [b], service(self.o, a, wo), service(self.n, b, wn))
        for s in lost:
            self.lose(s, "no Service of the new chart selects the workload's pods alike")

    def account(self, wo: Obj, wn: Obj) -> None:
        """The ServiceAccount the original's pods run as, against the new pods' one."""
        def account_of(side: Side, w: Obj) -> Obj | None:
            spec = mapping(template_of(w).get("spec"))
            return side.get("ServiceAccount", spec.get("serviceAccountName")
                            or spec.get("serviceAccount"))

        old, new = account_of(self.o, wo), account_of(self.n, wn)
        if old is not None and id(old) not in self.o.done:
            self.pair(old, [new] if new else [], project(self.o, old),
                      project(self.n, new) if new else {})

    def routes(self) -> None:
        for kind in ROUTES:
            olds, news = self.o.left((kind,)), self.n.left((kind,))
            groups = _groups(olds, news)
            spare = [g[1] for g in groups if not g[0]]  # new objects sharing no host
            for old_group, new_group in groups:
                if not old_group:
                    continue
                if not new_group and spare:
                    new_group = spare.pop(0)
                if not new_group:
                    for obj in old_group:
                        self.lose(obj, f"no {kind} of the new chart serves its hosts")
                    continue
                for obj in old_group[1:]:
                    self.o.done.add(id(obj))
                self.pair(old_group[0], new_group, route(self.o, old_group, {}),
                          route(self.n, new_group, self.names))

    def rest(self) -> None:
        for obj in self.o.left({o["kind"] for o in self.o.objects}):
            twin = self.n.get(obj["kind"], name_of(obj))
            if twin is not None and id(twin) in self.n.done:
                twin = None
            if id(obj) in self.o.used:  # compared through a workload
                if obj["kind"] == "Secret" and twin is not None:
                    self.pair(obj, [twin], project(self.o, obj), project(self.n, twin))
                continue
            if twin is not None:
                self.pair(obj, [twin], project(self.o, obj), project(self.n, twin))
            else:
                self.lose(obj, f"the new chart renders no {obj['kind']} of this name")

    def finish(self) -> ContextParity:
        result = ContextParity()
        result.added = [f"{o['kind']} {name_of(o)}" for o in self.n.objects
                        if id(o) not in self.n.done and id(o) not in self.n.used]
        for key, projected in self.old.items():
            self.new[key] = copy.deepcopy(self.new[key])  # settling writes into it
            _settle(projected, self.new[key])
            result.matched += _equal_leaves(projected, self.new[key])
        for change in diff_objects(self.old, self.new):
            result.added += [f"{change.key.kind} {change.key.name}: {f.shown}"
                             for f in change.fields if f.old is MISSING]
            material = tuple(f for f in change.fields if f.old is not MISSING)
            if material:
                result.differs.append(ObjectChange(change.key, "changed", material))
        result.missing = self.missing
        return result
