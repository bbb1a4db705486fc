"""pligos.yaml's `flavorSources:`: each entry read into a FlavorSource, each mistake located.

    flavorSources:
      - git: https://git.example.com/platform/flavors.git   # or a folder: ../flavors
        ref: v2                                              # default HEAD
        path: flavors                                        # default the repository's top
      - oci: oci://registry.example.com/flavors/webservice   # one flavor, its tags versions
        plainHttp: true                                      # a registry without TLS

Only the shape is checked here, without any network: whether a repository can be read is
found when its candidates are listed (`spec/sources.py`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from pligos_tui import helm
from pligos_tui.errors import Rule
from pligos_tui.io.keypath import KeyPath
from pligos_tui.spec.reader import KEY_REQUIRED, WRONG_TYPE, Reader, type_name
from pligos_tui.spec.sources import GIT, OCI, FlavorSource
from pligos_tui.spec.vocabulary import FLAVOR_SOURCE_KEYS

SOURCE_RULE = Rule("E-FLAVOR-SOURCE", "a flavorSources entry is not exactly one of git and oci, "
                   "or names no repository Pligos can read from (an oci:// reference of one "
                   "flavor, a git URL or folder, a ref and a path inside the repository)")
SOURCE_RULES = (SOURCE_RULE,)

_PASSWORD = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/@]*:[^/@]*@")
_REF = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._/+-]*")


def read_sources(r: Reader, top: Mapping[str, Any]) -> list[FlavorSource]:
    """pligos.yaml's `flavorSources:` (a list of `- git: ...` and `- oci: ...` entries); each
    mistake a located problem, and then no source at all."""
    value = top.get("flavorSources")
    if value is None:
        return []
    if not isinstance(value, list):
        r.problem(("flavorSources",), f"flavorSources must be a list, not {type_name(value)}",
                  "start each source with '- git: URL' or '- oci: oci://HOST/PATH/NAME'",
                  rule=WRONG_TYPE)
        return []
    out = []
    before = len(r.problems.errors)
    for i, item in enumerate(value):
        source = _read_source(r, item, ("flavorSources", i))
        if source is not None:
            out.append(source)
    # a file with a broken source is not read from any (no network for a file to fix first)
    return out if len(r.problems.errors) == before else []


def _read_source(r: Reader, item: Any, at: KeyPath) -> FlavorSource | None:
    every = tuple(dict.fromkeys(k for keys in FLAVOR_SOURCE_KEYS.values() for k in keys))
    if not isinstance(item, dict):
        r.problem(at, f"a flavor source must be a mapping, not {type_name(item)}",
                  f"write - git: {item}" if isinstance(item, str) and not
                  item.startswith("oci://") else f"write - oci: {item}" if isinstance(item, str)
                  else "write - git: URL (with ref: and path:) or - oci: oci://HOST/PATH/NAME",
                  rule=WRONG_TYPE)
        return None
    kinds = [k for k in FLAVOR_SOURCE_KEYS if k in item]
    if len(kinds) != 1:
        r.mapping(item, at, every, "flavor source")
        r.problem(at, "a flavor source needs exactly one of git and oci" + (
                  " (found both)" if kinds else ""),
                  "split it into two sources" if kinds else
                  "e.g. - git: https://git.example.com/platform/flavors.git, or "
                  "- oci: oci://registry.example.com/flavors/webservice",
                  rule=SOURCE_RULE, key=True)
        return None
    kind = kinds[0]
    allowed = FLAVOR_SOURCE_KEYS[kind]
    m = r.mapping(item, at, allowed, f"{kind} flavor source")
    if m is None:
        return None
    url = r.string(m, kind, at)
    where = r.doc.file + (f":{line}" if (line := r.doc.line(at + (kind,))) else "")
    if not url:
        if m[kind] is None or m[kind] == "":
            r.problem(at + (kind,), f"{kind} needs a repository", (
                      "e.g. git: https://git.example.com/platform/flavors.git or "
                      "git: ../platform-flavors") if kind == GIT else
                      "e.g. oci: oci://registry.example.com/flavors/webservice",
                      rule=KEY_REQUIRED)
        return None
    if kind == OCI:
        plain = r.boolean(m, "plainHttp", at, False)
        if not _oci_ok(r, url, at + (kind,)):
            return None
        return FlavorSource(OCI, url, at=at, plain_http=plain, where=where)
    ref = r.string(m, "ref", at)
    path = r.string(m, "path", at)
    ok = _git_url_ok(r, url, at + (kind,))
    if "ref" in m and m["ref"] is not None and not _ref_ok(ref):
        r.problem(at + ("ref",), f"ref {ref!r} is not a git branch, tag or commit name",
                  "e.g. ref: main, ref: v2.1.0 or a full commit id", rule=SOURCE_RULE)
        ok = False
    clean = _clean_path(path)
    if clean is None:
        r.problem(at + ("path",), f"path {path!r} is not a folder inside the repository",
                  "write it relative to the repository's top, e.g. path: flavors",
                  rule=SOURCE_RULE)
        ok = False
    if not ok:
        return None
    return FlavorSource(GIT, url, ref=ref, path=clean or "", at=at, where=where)


def _oci_ok(r: Reader, url: str, at: KeyPath) -> bool:
    if helm.is_oci_repository(url):
        return True
    rest = url.removeprefix("oci://")
    host, _, path = rest.partition("/")
    if not url.startswith("oci://"):
        message = f"oci {url!r} is not an oci:// reference"
        hint = f"write it as one: oci: oci://{rest.lstrip('/') or 'HOST/PATH/NAME'}"
    elif "@" in host:  # (never repeated: it may hold a password)
        message = "an oci reference must not hold a user or password"
        hint = f"log in with `helm registry login {host.rpartition('@')[2]}` instead"
    elif re.search(r"[:@]", path):
        message = f"oci {url!r} names a tag or digest, not the flavor's repository"
        hint = ("leave it out: the repository's tags are the flavor's versions (a context pins "
                "one with its flavor:, e.g. flavor: webservice@2)")
    else:
        message = f"oci {url!r} is not an oci://HOST/PATH/NAME reference"
        hint = ("e.g. oci: oci://registry.example.com/flavors/webservice (a lower-case path "
                "ending in the flavor's name)")
    r.problem(at, message, hint, rule=SOURCE_RULE)
    return False


def _git_url_ok(r: Reader, url: str, at: KeyPath) -> bool:
    if url.startswith("-") or any(c in url for c in "\n\r\0"):
        r.problem(at, "git must be a repository URL or folder", "e.g. git: ../platform-flavors",
                  rule=SOURCE_RULE)
        return False
    if _PASSWORD.match(url):
        r.problem(at, "a git URL must not hold a password",
                  "give git the credentials instead: a credential helper or an SSH key "
                  "(https://git-scm.com/docs/gitcredentials)", rule=SOURCE_RULE)
        return False
    return True


def _ref_ok(ref: str) -> bool:
    return bool(_REF.fullmatch(ref)) and ".." not in ref and "//" not in ref \
        and not ref.endswith(("/", ".", ".lock"))


def _clean_path(path: str) -> str | None:
    """A `path:` as a relative posix path ("" for the top), or None when it leaves the
    repository."""
    if not path:
        return ""
    if path.startswith("/") or "\\" in path or "\0" in path:
        return None
    parts = [p for p in PurePosixPath(path).parts if p != "."]
    if ".." in parts:
        return None
    return "/".join(parts)
