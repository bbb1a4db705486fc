"""The Python emitter: one module, standard library only, dataclasses, `mypy --strict` clean.

The module's `load()` reads the environment and the mounted files and raises one ConfigError
listing everything missing. A friend's credential is read from the file its `<NAME>_FILE`
variable names, else from the variable `<NAME>` (security.credentialsAs: files or env). The
runtime part (pyruntime.RUNTIME: loader, Secret, File) is the same text in every module; the
classes and `load()` are derived from the Api description.
"""

from __future__ import annotations

import json
import pprint
from dataclasses import dataclass, field

from pligos_tui.codegen import miniyaml
from pligos_tui.codegen.api import Api, ConfigFile, FilesMount, Friend, SecretMount
from pligos_tui.codegen.names import camel, python_attr, snake, unique
from pligos_tui.codegen.pyruntime import RUNTIME
from pligos_tui.codegen.shapes import Shape
from pligos_tui.spec.vocabulary import CREDENTIAL_FILE_SUFFIX as SUFFIX

DEFAULT_FILE = "pligos_config.py"

def _tuple(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(json.dumps(v) for v in values) + ("," if len(values) == 1 else "") + ")"


def _doc(text: str) -> str:
    """Text that is safe inside a generated docstring."""
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"').replace("\r", " ")


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


@dataclass
class _Out:
    api: Api
    classes: list[str] = field(default_factory=list)  # emitted class blocks, in order
    shapes: list[str] = field(default_factory=list)  # shape constants
    loaders: list[str] = field(default_factory=list)  # per-mount / per-friend load functions
    taken: set[str] = field(default_factory=lambda: {
        "ConfigError", "Secret", "File", "SecretFile", "Config", "Ports", "Mounts", "Env",
        "Friends", "Path", "Any", "Mapping", "TypedDict", "NotRequired", "cast", "dataclass"})
    not_required: bool = False
    parsed: set[str] = field(default_factory=set)  # formats with a parsed accessor

    count: int = 0

    def var(self) -> str:
        self.count += 1
        return f"p{self.count}"

    def name(self, wanted: str) -> str:
        return unique([wanted], self.taken)[0]

    def reserve(self, name: str) -> str:
        name = self.name(name)
        self.taken.add(name)
        return name


def _shape_value(shape: Shape) -> object:
    """The shape as the tuples the generated _check() reads."""
    inner: object
    if shape.kind == "list":
        assert shape.item is not None
        inner = ("list", _shape_value(shape.item))
    elif shape.kind == "object":
        inner = ("object", tuple((f.key, f.required, _shape_value(f.shape))
                                 for f in shape.fields))
    else:
        inner = shape.kind
    return ("?", inner) if shape.nullable else inner


def _shape_literal(shape: Shape) -> str:
    if shape.kind == "list":
        assert shape.item is not None
        inner = f'("list", {_shape_literal(shape.item)})'
    elif shape.kind == "object":
        fields = "".join(f"({_q(f.key)}, {f.required}, {_shape_literal(f.shape)}), "
                         for f in shape.fields)
        inner = f'("object", ({fields}))'
    else:
        inner = _q(shape.kind)
    return f'("?", {inner})' if shape.nullable else inner


def _typed_dict(out: _Out, shape: Shape, name: str) -> str:
    """Emit TypedDicts for an object shape (and those nested in it); returns the type."""
    if shape.kind == "object":
        cls = out.reserve(name)
        lines = []
        for f in shape.fields:
            t = _typed_dict(out, f.shape, name + camel(f.key))
            if not f.required:
                out.not_required = True
                t = f"NotRequired[{t}]"
            lines.append((f.key, t))
        plain = all(k.isidentifier() and not __import__("keyword").iskeyword(k)
                    for k, _ in lines)
        if plain:
            body = "".join(f"    {k}: {t}\n" for k, t in lines) or "    pass\n"
            out.classes.append(f"class {cls}(TypedDict):\n{body}")
        else:
            items = "".join(f"    {_q(k)}: {t},\n" for k, t in lines)
            out.classes.append(f"{cls} = TypedDict({_q(cls)}, {{\n{items}}})\n")
        t = cls
    elif shape.kind == "list":
        assert shape.item is not None
        t = f"list[{_typed_dict(out, shape.item, name + 'Item')}]"
    else:
        t = {"any": "Any", "str": "str", "int": "int", "float": "float",
             "bool": "bool"}[shape.kind]
    if shape.nullable and t != "Any":
        t = f"{t} | None"
    return t


def _dataclass(name: str, doc: str, fields: list[tuple[str, str]]) -> str:
    body = "".join(f"    {n}: {t}\n" for n, t in fields)
    if fields:
        body = "\n" + body
    return f'@dataclass(frozen=True)\nclass {name}:\n    """{_doc(doc)}"""\n{body}'


def _file(out: _Out, mount: FilesMount, f: ConfigFile, optional: bool) -> tuple[str, str]:
    """(type, expression) of one file's accessor."""
    what = _q(f"mount {mount.name}")
    if f.shape is None:
        if optional:
            var = out.var()
            return "File | None", (f"File({var}) if ({var} := ld.file({_q(f.path)}, {what}, "
                                   f"{_tuple(f.contexts)})) is not None else None")
        return "File", f"File(ld.need_file({_q(f.path)}, {what}))"
    base, const = camel(f.key), snake(f.key)
    if base in out.taken or base + "File" in out.taken:
        base, const = camel(mount.name) + base, snake(f"{mount.name}_{f.key}")
    data_type = _typed_dict(out, f.shape, base)
    cls = out.reserve(base + "File")
    shape_const = out.reserve("_SHAPE_" + const.upper())
    literal = pprint.pformat(_shape_value(f.shape), width=92).replace("\n", "\n    ")
    out.shapes.append(f"{shape_const}: object = (\n    {literal}\n)\n")
    out.parsed.add(f.format)
    note = f" parsed as {f.format.upper()}"
    out.classes.append(_dataclass(cls, f"{f.path}, its content{note}.",
                                  [("data", data_type)]).replace(f"class {cls}:",
                                                                 f"class {cls}(File):"))
    fmt = _q(f.format)
    var = out.var()
    data = f"cast({_q(data_type)}, ld.parsed({var}, {fmt}, {shape_const}))"
    if optional:
        return f"{cls} | None", (
            f"(\n            {cls}({var}, {data})\n"
            f"            if ({var} := ld.file({_q(f.path)}, {what}, {_tuple(f.contexts)}))"
            " is not None\n            else None\n        )")
    return cls, (f"{cls}(\n            {var} := ld.need_file({_q(f.path)}, {what}),\n"
                 f"            {data},\n        )")


def _files_mount(out: _Out, m: FilesMount) -> tuple[str, str]:
    cls = out.reserve(camel(m.name) + "Mount")
    attrs = unique([snake(f.key) for f in m.files], {"path"})
    fields = [("path", "Path")]
    exprs = [f"path=ld.path({_q(m.path)})"]
    for attr, f in zip(attrs, m.files):
        t, e = _file(out, m, f, f.contexts != m.contexts)
        fields.append((attr, t))
        exprs.append(f"{attr}={e}")
    notes = "".join(f"\n\n    {f.key} is not parsed: it {f.note}." for f in m.files if f.note)
    out.classes.append(_dataclass(cls, f"Mount {m.name}: files at {m.path}.{notes}", fields))
    fn = out.reserve("_load_" + snake(m.name) + "_mount")
    args = ",\n        ".join(exprs)
    out.loaders.append(f"def {fn}(ld: _Loader) -> {cls}:\n    return {cls}(\n        {args},\n"
                       "    )\n")
    return cls, fn


def _secret_mount(out: _Out, m: SecretMount) -> tuple[str, str]:
    cls = out.reserve(camel(m.name) + "Mount")
    attrs = unique([snake(k.key) for k in m.keys], {"path"})
    fields = [("path", "Path")]
    exprs = [f"path=ld.path({_q(m.path)})"]
    what = _q(f"secret mount {m.name}")
    for attr, k in zip(attrs, m.keys):
        if k.contexts != m.contexts:
            fields.append((attr, "SecretFile | None"))
            var = out.var()
            exprs.append(f"{attr}=SecretFile({var}) if ({var} := ld.file({_q(k.path)}, {what}, "
                         f"{_tuple(k.contexts)})) is not None else None")
        else:
            fields.append((attr, "SecretFile"))
            exprs.append(f"{attr}=SecretFile(ld.need_file({_q(k.path)}, {what}))")
    out.classes.append(_dataclass(cls, f"Mount {m.name}: the files of secret {m.secret} at "
                                  f"{m.path}.", fields))
    fn = out.reserve("_load_" + snake(m.name) + "_mount")
    args = ",\n        ".join(exprs)
    out.loaders.append(f"def {fn}(ld: _Loader) -> {cls}:\n    return {cls}(\n        {args},\n"
                       "    )\n")
    return cls, fn


def _friend(out: _Out, f: Friend) -> tuple[str, str]:
    cls = out.reserve(camel(f.name) + "Friend")
    attrs = unique([snake(v.key) for v in f.values])
    fields = []
    exprs = []
    for attr, v in zip(attrs, f.values):
        optional = v.contexts != f.contexts
        ctx = f", {_tuple(v.contexts)}" if optional else ""
        if v.secret:
            how = f"{_q(v.env)}, {_tuple(v.file_contexts)}, {_tuple(v.env_contexts)}"
            t, e = ("Secret | None", f"ld.credential({how}{ctx})") if optional else (
                "Secret", f"ld.need_credential({how})")
        elif v.type == "int":
            t, e = ("int | None", f"ld.integer({_q(v.env)}{ctx})") if optional else (
                "int", f"ld.int_env({_q(v.env)})")
        else:
            t, e = ("str | None", f"ld.get({_q(v.env)}{ctx})") if optional else (
                "str", f"ld.env({_q(v.env)})")
        fields.append((attr, t))
        exprs.append(f"{attr}={e}")
    doc = (f"Friend {f.name}, what it injects:\n" + "".join(f"\n    - {v.key}: {v.source()}"
                                                         for v in f.values) + "\n    "
           if f.values else f"Friend {f.name}: nothing injected.")
    out.classes.append(_dataclass(cls, doc, fields))
    fn = out.reserve("_load_" + snake(f.name) + "_friend")
    args = "".join(f"        {e},\n" for e in exprs)
    out.loaders.append(f"def {fn}(ld: _Loader) -> {cls}:\n    return {cls}(\n{args}    )\n")
    return cls, fn


def emit(api: Api, command: str) -> str:
    """The module's text, without its header lines."""
    out = _Out(api)
    ports = unique([snake(p.route) for p in api.ports])
    port_fields = []
    port_exprs = []
    for attr, p in zip(ports, api.ports):
        if api.optional(p):
            port_fields.append((attr, "int | None"))
            port_exprs.append(f"{attr}=ld.port({p.port}, {_tuple(p.contexts)})")
        else:
            port_fields.append((attr, "int"))
            port_exprs.append(f"{attr}={p.port}")

    mounts: tuple[FilesMount | SecretMount, ...] = (*api.files, *api.secrets)
    mount_attrs = unique([snake(m.name) for m in mounts])
    mount_fields = []
    mount_exprs = []
    for attr, m in zip(mount_attrs, mounts):
        cls, fn = (_files_mount(out, m) if isinstance(m, FilesMount) else
                   _secret_mount(out, m))
        if api.optional(m):
            mount_fields.append((attr, f"{cls} | None"))
            mount_exprs.append(f"{attr}={fn}(ld) if ld.has_dir({_q(m.path)}, "
                               f"{_tuple(m.contexts)}) else None")
        else:
            mount_fields.append((attr, cls))
            mount_exprs.append(f"{attr}={fn}(ld)")

    env_attrs = unique([python_attr(e.name) for e in api.env])
    env_fields = []
    env_exprs = []
    for attr, e in zip(env_attrs, api.env):
        if api.optional(e):
            env_fields.append((attr, "str | None"))
            env_exprs.append(f"{attr}=ld.get({_q(e.name)}, {_tuple(e.contexts)})")
        else:
            env_fields.append((attr, "str"))
            env_exprs.append(f"{attr}=ld.env({_q(e.name)})")

    friend_attrs = unique([snake(f.name) for f in api.friends])
    friend_fields = []
    friend_exprs = []
    for attr, f in zip(friend_attrs, api.friends):
        cls, fn = _friend(out, f)
        if api.optional(f):
            names = tuple(n for v in f.values for n in (v.env, v.file_env) if n)
            friend_fields.append((attr, f"{cls} | None"))
            friend_exprs.append(f"{attr}={fn}(ld) if ld.has_env({_tuple(names)}, "
                                f"{_tuple(f.contexts)}) else None")
        else:
            friend_fields.append((attr, cls))
            friend_exprs.append(f"{attr}={fn}(ld)")

    which = f"context {api.contexts[0]}" if api.single else "contexts " + ", ".join(api.contexts)
    sections = [
        _dataclass("Ports", "The ports the service listens on, by route name.", port_fields),
        _dataclass("Mounts", "The files and secrets mounted into the container, by mount name.",
                   mount_fields),
        _dataclass("Env", "The plain environment variables the chart sets.", env_fields),
        _dataclass("Friends", "The services this one talks to: their injected config and "
                   "credentials.", friend_fields),
        _dataclass("Config", "Everything the chart gives the container; see load().",
                   [("context", "str | None"), ("ports", "Ports"), ("mounts", "Mounts"),
                    ("env", "Env"), ("friends", "Friends")]),
    ]

    def block(exprs: list[str], cls: str) -> str:
        if not exprs:
            return f"{cls}()"
        inner = "".join(f"            {e},\n" for e in exprs)
        return f"{cls}(\n{inner}        )"

    load = f'''def load(context: str | None = None, environ: Mapping[str, str] | None = None,
         root: str | os.PathLike[str] | None = None) -> Config:
    """Read the configuration the chart gives the container.

    `context` (default: ${{PLIGOS_CONTEXT}}{", else " + api.contexts[0] if api.single else ""}) \
says which context runs,
    so that what only some contexts give is required there.
    `environ` defaults to os.environ; `root` (default: ${{PLIGOS_ROOT}}, else /) is the folder
    mounted files are read below. Raises ConfigError listing everything that is missing.
    """
    ld = _Loader(context, environ, root)
    config = Config(
        context=ld.context,
        ports={block(port_exprs, "Ports")},
        mounts={block(mount_exprs, "Mounts")},
        env={block(env_exprs, "Env")},
        friends={block(friend_exprs, "Friends")},
    )
    ld.done()
    return config
'''
    imports = ["from __future__ import annotations", ""]
    imports.append("import json")
    imports.append("import os")
    if "yaml" in out.parsed:
        imports.append("import re as _re")
    imports += ["from collections.abc import Mapping", "from dataclasses import dataclass",
                "from pathlib import Path"]
    typing = ["Any"]
    if out.parsed:
        typing.append("TypedDict")
        if out.not_required:
            typing.append("NotRequired")
        typing.append("cast")
    imports.append(f"from typing import {', '.join(sorted(typing))}")

    reader = ""
    if "yaml" in out.parsed:
        reader = "\n".join(line for line in miniyaml.reader_source().splitlines()
                           if not line.startswith(("import ", "from "))).strip("\n")
        reader = reader.replace("_Any", "Any")
        reader = "\n\n" + reader + "\n"
    else:
        reader = ('\n\ndef yaml_load(text: str) -> Any:\n    """No file of this service is read '
                  'as YAML."""\n    raise ValueError("YAML is not read by this module")\n')

    doc = (f'"""Typed configuration of service {api.service} ({which}): what its chart gives '
           f'the container.\n\n'
           f'    import {DEFAULT_FILE[:-3]}\n'
           f'    config = {DEFAULT_FILE[:-3]}.load()  # raises ConfigError listing all that is '
           f'missing\n'
           + ("".join(f"    config.ports.{a}\n" for a in ports[:1]))
           + f'\nRegenerate with: {_doc(command)}\n"""\n')
    consts = (f"\nSERVICE = {_q(api.service)}\n"
              f"CONTEXTS: tuple[str, ...] = {_tuple(api.contexts)}\n"
              f'ROOT_ENV = "PLIGOS_ROOT"  # read mounted files below this folder instead of /\n'
              f'CONTEXT_ENV = "PLIGOS_CONTEXT"  # the context that runs, when not passed to '
              f"load()\n"
              f"# a friend's credential is read from the file the variable <NAME>{SUFFIX} names,"
              f" else\n# from <NAME>\n"
              f"CREDENTIAL_FILE_SUFFIX = {_q(SUFFIX)}\n")
    parts = [doc, "\n".join(imports) + "\n", consts, RUNTIME.rstrip("\n") + "\n", reader]
    if out.shapes:
        parts.append("\n\n" + "".join(out.shapes))
    for text in out.classes + sections:
        parts.append("\n\n" + text)
    for text in out.loaders:
        parts.append("\n\n" + text)
    parts.append("\n\n" + load)
    return "".join(parts)
