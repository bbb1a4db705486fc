"""Reading the structure of a parsed pligos.yaml into the typed model.

Each key must be known and of the right type; what is, lands in a dataclass that remembers its
key path (and so its line); what is not becomes a located problem. The meaning (references,
names, ports, files, flavors) is checked afterwards by :mod:`pligos_tui.spec.rules`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pligos_tui.errors import Problems, Rule
from pligos_tui.io.keypath import KeyPath
from pligos_tui.io.yamlread import Document
from pligos_tui.spec.model import (
    Command,
    Container,
    Context,
    Entry,
    EnvSet,
    FriendUse,
    Image,
    Mount,
    Probe,
    Ref,
    Resources,
    Route,
    SecretsConfig,
    Service,
)
from pligos_tui.spec.reader import KEY_REQUIRED, WRONG_TYPE, Reader, type_name
from pligos_tui.spec.settings import read_setting
from pligos_tui.spec.vocabulary import (
    CONTAINER_REF_LISTS,
    CONTAINER_REFS,
    CONTEXT_DEPLOY,
    CONTEXT_KEYS,
    CONTEXT_PROPERTIES,
    CONTEXT_REF_LISTS,
    CONTEXT_REFS,
    CONTEXT_SETTINGS,
    DEFAULT_ACCESS_MODE,
    DEFAULT_PROTOCOL,
    DEFAULT_PULL_POLICY,
    EMPTY_DIR_KEYS,
    ENTRY_KEYS,
    ENTRY_WORDS,
    EXISTING,
    FORMAT,
    FRIEND_USE_KEYS,
    HANDLER_KEYS,
    INLINE_NEEDS_NAME,
    MOUNT_KINDS,
    PROBE_HANDLERS,
    PROBE_STAGES,
    PROBE_TIMINGS,
    PROPERTY_LISTS,
    REQUIRED_KEYS,
    TOP_KEYS,
    VOLUME_KEYS,
)

# The rules of pligos.yaml's structure beyond what every Reader checks
FILE_EMPTY = Rule("E-FILE-EMPTY", "pligos.yaml holds no document")
FORMAT_VERSION = Rule("E-FORMAT", "pligos: is not the format this Pligos reads (or the file is "
                      "a pligos.yaml of the original Pligos)")
MOUNT_KIND = Rule("E-MOUNT-KIND", "a mount that is not exactly one of files, secret, hostPath, "
                  "volume and emptyDir")
CONTEXTS_NONE = Rule("E-CONTEXTS-NONE", "a service without contexts")
STRUCTURE_RULES = (FILE_EMPTY, FORMAT_VERSION, MOUNT_KIND, CONTEXTS_NONE)


def _read_image(r: Reader, m: dict[str, Any], at: KeyPath, name: str) -> Image:
    return Image(name=name, at=at, repository=r.string(m, "repository", at),
                 tag=r.string(m, "tag", at), digest=r.string(m, "digest", at),
                 pull_policy=r.string(m, "pullPolicy", at, DEFAULT_PULL_POLICY),
                 pull_secret=r.string(m, "pullSecret", at),
                 run_as_user=r.integer(m, "runAsUser", at),
                 run_as_group=r.integer(m, "runAsGroup", at))


def _read_command(r: Reader, m: dict[str, Any], at: KeyPath, name: str) -> Command:
    kind = r.string(m, "type", at)
    if not kind:
        kind = "script" if "fileName" in m else "executable"
    file_name = r.file_path(r.string(m, "fileName", at), at + ("fileName",))
    return Command(name=name, at=at, type=kind, command=r.str_list(m, "command", at),
                   args=r.str_list(m, "args", at), file_name=file_name,
                   interpreter=r.str_list(m, "interpreter", at))


def _read_probe(r: Reader, m: dict[str, Any], at: KeyPath, name: str) -> Probe:
    stages: dict[str, dict[str, Any]] = {}
    for stage in PROBE_STAGES:
        if stage not in m:
            continue
        spath = at + (stage,)
        spec = r.mapping(m[stage], spath, PROBE_HANDLERS + PROBE_TIMINGS, f"{stage} probe")
        if spec is None:
            continue
        probe: dict[str, Any] = {}
        for handler in PROBE_HANDLERS:
            if handler in spec:
                hpath = spath + (handler,)
                if handler == "exec":
                    h = r.mapping(spec[handler], hpath, HANDLER_KEYS[handler], handler,
                                  required=("command",))
                    if h is not None:
                        probe[handler] = {"command": r.str_list(h, "command", hpath)}
                    continue
                h = r.mapping(spec[handler], hpath, HANDLER_KEYS[handler], handler,
                              required=("port",))
                if h is not None:
                    r.plain_data(h, hpath)
                    probe[handler] = dict(h)
        for timing in PROBE_TIMINGS:
            value = r.integer(spec, timing, spath)
            if value is not None:
                probe[timing] = value
        stages[stage] = probe
    return Probe(name=name, at=at, stages=stages)


def _read_route(r: Reader, m: dict[str, Any], at: KeyPath, name: str) -> Route:
    port = r.integer(m, "port", at, bounded=False) or 0
    cport = r.integer(m, "containerPort", at, bounded=False)
    return Route(name=name, at=at, port=port, container_port=cport if cport is not None else port,
                 protocol=r.string(m, "protocol", at, DEFAULT_PROTOCOL),
                 fqdn=r.string(m, "fqdn", at),
                 path=r.string(m, "path", at, "/"), tls=r.string(m, "tls", at),
                 app_protocol=r.string(m, "appProtocol", at),
                 ingress_class=r.string(m, "ingressClass", at),
                 annotations=r.scalar_map(m, "annotations", at))


def _read_mount(r: Reader, m: dict[str, Any], at: KeyPath, name: str) -> Mount:
    mount = Mount(name=name, at=at, path=r.string(m, "path", at),
                  read_only=r.boolean(m, "readOnly", at, False))
    kinds = [k for k in MOUNT_KINDS if k in m]
    if len(kinds) != 1:
        found = ", ".join(kinds) if kinds else "none"
        r.problem(at, f"mount {name!r} needs exactly one of {', '.join(MOUNT_KINDS)} "
                  f"(found {found})",
                  "a mount is either files, a secret, a host path, a volume or an emptyDir; "
                  "split it into one mount per kind" if kinds else
                  "e.g. files: [config/app.yaml] or emptyDir: {}", rule=MOUNT_KIND, key=True)
    if not kinds:
        return mount
    kind = mount.kind = kinds[0]
    kpath = at + (kind,)
    if kind == "files":
        value = m["files"]
        if isinstance(value, str):
            value = m["files"] = [value]
        mount.files = r.path_list(m, "files", at)
    elif kind == "secret":
        mount.secret = r.string(m, "secret", at)
    elif kind == "hostPath":
        mount.host_path = r.string(m, "hostPath", at)
    elif kind == "volume":
        v = r.mapping(m["volume"], kpath, VOLUME_KEYS, "volume",
                      required=("size",))
        if v is not None:
            mount.volume = {k: r.string(v, k, kpath) for k in VOLUME_KEYS}
            mount.volume["accessMode"] = mount.volume["accessMode"] or DEFAULT_ACCESS_MODE
    else:
        raw = m["emptyDir"] if m["emptyDir"] is not None else {}
        v = r.mapping(raw, kpath, EMPTY_DIR_KEYS, "emptyDir")
        if v is not None:
            mount.empty_dir = {k: r.string(v, k, kpath) for k in EMPTY_DIR_KEYS}
    return mount


def _read_env(r: Reader, m: dict[str, Any], at: KeyPath, name: str) -> EnvSet:
    return EnvSet(name=name, at=at, variables=r.scalar_map(m, "variables", at))


def _read_resources(r: Reader, m: dict[str, Any], at: KeyPath, name: str) -> Resources:
    return Resources(name=name, at=at, requests=r.scalar_map(m, "requests", at),
                     limits=r.scalar_map(m, "limits", at))


def _read_container(r: Reader, m: dict[str, Any], at: KeyPath, name: str) -> Container:
    refs: dict[str, Any] = {}
    for key, prop in CONTAINER_REFS.items():
        value = m.get(key)
        if value is not None and not isinstance(value, str):
            r.problem(at + (key,), f"{key} must name an entry of {prop}, not "
                      f"{type_name(value)}", f"define it under {prop}: and write its name here",
                      rule=WRONG_TYPE)
            value = None
        refs[key] = value or ""
    for key in CONTAINER_REF_LISTS:
        if isinstance(m.get(key), str):
            m[key] = [m[key]]
        refs[key] = r.str_list(m, key, at)
    return Container(name=name, at=at, **refs)


ENTRY_READERS = {
    "images": _read_image, "commands": _read_command, "probes": _read_probe,
    "routes": _read_route, "mounts": _read_mount, "env": _read_env,
    "resources": _read_resources, "containers": _read_container,
}


def read_entry(r: Reader, prop: str, value: Any, at: KeyPath, *,
               inline_name: str = "") -> Entry | None:
    """Read one entry of a property list (or an inline entry of a context)."""
    what = ENTRY_WORDS[prop]
    m = r.mapping(value, at, ENTRY_KEYS[prop], what, required=REQUIRED_KEYS.get(prop, ()))
    if m is None:
        return None
    name = r.string(m, "name", at)
    if not name:
        if inline_name and prop not in INLINE_NEEDS_NAME:
            name = inline_name
        else:
            r.problem(at, f"{what} needs a name", "add name: ... (a DNS label, e.g. "
                      f"{'http' if prop == 'routes' else 'main'})", rule=KEY_REQUIRED)
            name = ""
    return ENTRY_READERS[prop](r, m, at, name)


def _read_ref(r: Reader, prop: str, value: Any, at: KeyPath,
              ctx_name: str) -> Ref[Entry] | None:
    if isinstance(value, str):
        return Ref(at=at, name=value)
    if isinstance(value, dict):
        inline_name = f"{ctx_name}-{ENTRY_WORDS[prop].split()[0]}"
        entry = read_entry(r, prop, value, at, inline_name=inline_name)
        return Ref(at=at, name=entry.name, inline=entry) if entry else None
    r.problem(at, f"must be the name of an entry of {prop} or an inline entry, "
              f"not {type_name(value)}", rule=WRONG_TYPE)
    return None


def _read_context(r: Reader, value: Any, at: KeyPath) -> Context | None:
    m = r.mapping(value, at, CONTEXT_KEYS, "context", required=("name",))
    if m is None:
        return None
    name = r.string(m, "name", at)
    ctx = Context(name=name, at=at, flavor=r.string(m, "flavor", at),
                  extends=r.string(m, "extends", at))
    # `key: null` (or `key:`) drops what the context would take from the one it extends
    ctx.unset = {k for k in (*CONTEXT_PROPERTIES, *CONTEXT_DEPLOY) if k in m and m[k] is None}
    for key, prop in CONTEXT_REFS.items():
        if key in m and m[key] is not None:
            setattr(ctx, key, _read_ref(r, prop, m[key], at + (key,), name))
    for key, prop in CONTEXT_REF_LISTS.items():
        if key not in m or m[key] is None:
            continue
        items = m[key]
        if isinstance(items, (str, dict)):
            items = [items]
            m[key] = items
            single = True
        else:
            single = False
        if not isinstance(items, list):
            r.problem(at + (key,), f"{key} must be a list of names, not {type_name(items)}",
                      f"e.g. {key}: [name1, name2]", rule=WRONG_TYPE)
            continue
        refs = []
        for i, item in enumerate(items):
            ref = _read_ref(r, prop, item, at + ((key,) if single else (key, i)), name)
            if ref is not None:
                refs.append(ref)
        setattr(ctx, key, refs)
    for key in CONTEXT_SETTINGS:
        if m.get(key) is not None:
            setting = read_setting(r, key, m[key], at + (key,))
            if setting is not None:
                ctx.settings[key] = setting
    ctx.replicas = r.integer(m, "replicas", at)
    if m.get("schedule") is not None:
        ctx.schedule = r.string(m, "schedule", at)
    ctx.values = r.any_map(m, "values", at)
    if "friends" in m and m["friends"] is not None:
        ctx.friends = _read_friend_uses(r, m["friends"], at + ("friends",))
    for key in ("namespace", "release", "cluster"):
        if m.get(key) is not None:
            setattr(ctx, key, r.string(m, key, at))
    if m.get("secrets") is not None:
        ctx.secrets = r.any_map(m, "secrets", at)
    return ctx


def _read_friend_uses(r: Reader, value: Any, at: KeyPath) -> list[FriendUse]:
    if not isinstance(value, list):
        r.problem(at, f"friends must be a list, not {type_name(value)}",
                  "e.g. friends: [postgres, {name: redis, values: {...}}]", rule=WRONG_TYPE)
        return []
    out = []
    for i, item in enumerate(value):
        path = at + (i,)
        if isinstance(item, str):
            out.append(FriendUse(name=item, at=path))
            continue
        m = r.mapping(item, path, FRIEND_USE_KEYS, "friend", required=("name",))
        if m is not None and m.get("name") is not None:
            out.append(FriendUse(name=r.string(m, "name", path), at=path,
                                 values=r.any_map(m, "values", path) or {}))
    return out


def read_service(doc: Document, root: Path, problems: Problems) -> Service:
    """Read the structure of a parsed pligos.yaml into a Service, recording problems."""
    r = Reader(doc, problems)
    svc = Service(root=root, file=doc.file, doc=doc)
    if doc.data is None:
        problems.add("the file is empty", line=1,
                     hint="write pligos: 1, name: ... and contexts: into it, or create the "
                          "service with `pligos new`",
                     rule=FILE_EMPTY.id)
        return svc
    top = r.mapping(doc.data if doc.data is not None else {}, (), TOP_KEYS, "pligos.yaml",
                    required=("pligos", "name"))
    if top is None:
        return svc
    version = top.get("pligos")
    if version is not None and (type(version) is not int or version != FORMAT):
        if isinstance(version, dict) and "version" in version:
            r.problem(("pligos",), "this is a pligos.yaml of the original Pligos (v1 format), "
                      "which is read only from a service folder with its Chart.yaml",
                      "generate the folder itself, or convert it with `pligos migrate`",
                      rule=FORMAT_VERSION)
        else:
            r.problem(("pligos",), f"unsupported format {version!r}",
                      f"this Pligos reads format {FORMAT}: write pligos: {FORMAT}",
                      rule=FORMAT_VERSION)
    svc.name = r.string(top, "name", ())
    svc.description = r.string(top, "description", ())
    svc.chart_version = r.string(top, "chartVersion", (), "0.1.0", example="1.0.0")
    svc.app_version = r.string(top, "appVersion", ())
    svc.flavor_paths = _paths(r, top, "flavorPaths")
    svc.friends_library = _paths(r, top, "friendsLibrary")
    if top.get("secrets") is not None:
        s = r.any_map(top, "secrets", ())
        if s is not None:
            provider = s.get("provider")
            # Secrets the cluster already has need no provider
            if (not isinstance(provider, str) or not provider) and s.get("delivery") != EXISTING:
                r.problem(("secrets",), "secrets needs a provider",
                          "add provider: file (or vault), or delivery: existing for Secrets "
                          "the cluster already has", rule=KEY_REQUIRED, key=True)
            svc.secrets = SecretsConfig(provider=provider if isinstance(provider, str) else "",
                                        at=("secrets",), settings=dict(s))
    if top.get("friends") is not None:
        friends = top["friends"]
        if isinstance(friends, list):
            svc.inline_friends = friends
        else:
            r.problem(("friends",), f"friends must be a list, not {type_name(friends)}",
                      rule=WRONG_TYPE)
    for prop in PROPERTY_LISTS:
        items = top.get(prop)
        if items is None:
            continue
        if not isinstance(items, list):
            r.problem((prop,), f"{prop} must be a list of named entries, not {type_name(items)}",
                      f"start each entry with '- name: ...' under {prop}:", rule=WRONG_TYPE)
            continue
        entries = []
        for i, item in enumerate(items):
            entry = read_entry(r, prop, item, (prop, i))
            if entry is not None:
                entries.append(entry)
        setattr(svc, prop, entries)
    contexts = top.get("contexts")
    if contexts is None:
        r.problem((), "no contexts", "add contexts: with at least one entry, e.g. "
                  "- {name: dev, flavor: webservice, image: ...}", rule=CONTEXTS_NONE, key=True)
    elif not isinstance(contexts, list):
        r.problem(("contexts",), f"contexts must be a list, not {type_name(contexts)}",
                  "start each context with '- name: ...'", rule=WRONG_TYPE)
    elif not contexts:
        r.problem(("contexts",), "no contexts", "add at least one, e.g. "
                  "- {name: dev, flavor: webservice, image: ...}", rule=CONTEXTS_NONE)
    else:
        for i, item in enumerate(contexts):
            ctx = _read_context(r, item, ("contexts", i))
            if ctx is not None:
                svc.contexts.append(ctx)
    svc.current_context = r.string(top, "current-context", ())
    return svc


def _paths(r: Reader, m: dict[str, Any], key: str) -> list[str]:
    return r.path_list(m, key, (), single=True)
