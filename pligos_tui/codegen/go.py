"""The Go emitter: one package, standard library only, gofmt-clean, vets and builds.

`Load()` / `LoadWith(Options)` read the environment and the mounted files and return one
*ConfigError listing everything missing (the loader is goruntime.RUNTIME). A friend's
credential is read from the file its `<NAME>_FILE` variable names, else from the variable
`<NAME>` (security.credentialsAs). The emitted text is already in gofmt's layout: every struct
field carries a doc comment (so gofmt aligns nothing across fields), except the fields of
structs inferred from config files, which are aligned here as gofmt aligns them; values are set
by assignments, never by multi-line composite literals.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from pligos_tui.codegen.api import Api, ConfigFile, FilesMount, Friend, SecretMount
from pligos_tui.codegen.goruntime import RUNTIME
from pligos_tui.codegen.goyaml import READER
from pligos_tui.codegen.names import GO_KEYWORDS, camel, unique
from pligos_tui.codegen.shapes import Shape
from pligos_tui.spec.vocabulary import CREDENTIAL_FILE_SUFFIX as SUFFIX

NO_READER = '''
func yamlLoad(string) (any, error) {
	return nil, fmt.Errorf("no file of this service is read as YAML")
}
'''

DEFAULT_PACKAGE = "pligosconfig"


def package_name(folder: Path) -> str:
    name = re.sub(r"[^a-z0-9_]", "", folder.name.lower())
    if not name or name[0].isdigit() or name in GO_KEYWORDS or name in ("main", "internal"):
        return DEFAULT_PACKAGE
    return name


def _q(text: str) -> str:
    """A Go string literal."""
    return json.dumps(text, ensure_ascii=False).replace("\u2028", "\\u2028").replace(
        "\u2029", "\\u2029")


def _list(values: tuple[str, ...]) -> str:
    return ", ".join(_q(v) for v in values)


def _comment(text: str) -> str:
    return text.replace("\n", " ")


@dataclass
class _Out:
    types: list[str] = field(default_factory=list)
    funcs: list[str] = field(default_factory=list)
    taken: set[str] = field(default_factory=lambda: {
        "ConfigError", "Secret", "File", "SecretFile", "Options", "Config", "Ports", "Mounts",
        "Env", "Friends", "Load", "LoadWith", "Service", "Contexts", "RootEnv", "ContextEnv"})
    yaml: bool = False

    def reserve(self, name: str) -> str:
        name = unique([name], self.taken)[0]
        self.taken.add(name)
        return name


def _struct(name: str, doc: str, fields: list[tuple[str, str, str]]) -> str:
    """A struct whose every field has a doc comment: (name, type, comment)."""
    body = "".join(f"\t// {_comment(c)}\n\t{n} {t}\n" for n, t, c in fields)
    return f"// {_comment(doc)}\ntype {name} struct {{\n{body}}}\n"


def _data_struct(out: _Out, shape: Shape, name: str) -> str:
    """Emit structs for an object shape (and those nested in it); returns the Go type."""
    if shape.kind == "object":
        cls = out.reserve(name)
        rows = []
        attrs = unique([camel(f.key, go=True) for f in shape.fields])
        for attr, f in zip(attrs, shape.fields):
            t = _data_struct(out, f.shape, cls + attr)
            if not f.required and not t.startswith(("*", "[]", "map[")) and t != "any":
                t = "*" + t
            rows.append((attr, t, f"`json:{_q(f.key)}`"))
        wn = max((len(r[0]) for r in rows), default=0)
        wt = max((len(r[1]) for r in rows), default=0)
        body = "".join(f"\t{n.ljust(wn)} {t.ljust(wt)} {tag}\n" for n, t, tag in rows)
        out.types.append(f"// {cls} is inferred from the file's content in the repository.\n"
                         f"type {cls} struct {{\n{body}}}\n")
        t = cls
    elif shape.kind == "list":
        assert shape.item is not None
        t = "[]" + _data_struct(out, shape.item, name + "Item")
    else:
        t = {"any": "any", "str": "string", "int": "int", "float": "float64",
             "bool": "bool"}[shape.kind]
    if shape.nullable and not t.startswith(("[]", "*")) and t != "any":
        t = "*" + t
    return t


def _file(out: _Out, m: FilesMount, f: ConfigFile, optional: bool) -> tuple[str, str, str]:
    """(type, expression, comment) of one file's accessor."""
    what = _q(f"mount {m.name}")
    ctx = f", {_list(f.contexts)}" if optional else ""
    get = (f"ld.optFile({_q(f.path)}, {what}{ctx})" if optional
           else f"ld.needFile({_q(f.path)}, {what})")
    if f.shape is None:
        note = f" (not parsed: it {f.note})" if f.note else ""
        return ("*File" if optional else "File"), (get if optional else "*" + get), \
            f"{f.path}{note}."
    base = camel(f.key, go=True)
    if base in out.taken or base + "File" in out.taken:
        base = camel(m.name, go=True) + base
    base = out.reserve(base)
    out.taken.discard(base)
    data_type = _data_struct(out, f.shape, base)
    cls = out.reserve(base + "File")
    fn = out.reserve("load" + cls)
    out.yaml = out.yaml or f.format == "yaml"
    out.types.append(_struct(cls, f"{cls} is {f.path}, its content parsed as "
                             f"{f.format.upper()}.", [
                                 ("File", "", "File is where the file is."),
                                 ("Data", data_type, "Data is the file's parsed content.")]
                             ).replace("\tFile \n", "\tFile\n"))
    out.funcs.append(f"func {fn}(ld *loader, file *File) *{cls} {{\n"
                     "\tif file == nil {\n\t\treturn nil\n\t}\n"
                     f"\tparsed := &{cls}{{File: *file}}\n"
                     f"\tld.parse(file.Path, {_q(f.format)}, &parsed.Data)\n"
                     "\treturn parsed\n}\n")
    if optional:
        return "*" + cls, f"{fn}(ld, {get})", f"{f.path}, parsed."
    return cls, f"*{fn}(ld, {get})", f"{f.path}, parsed."


def _mount_func(out: _Out, fn: str, cls: str, path: str, contexts: tuple[str, ...] | None,
                assigns: list[str]) -> str:
    lines = [f"func {fn}(ld *loader) *{cls} {{\n"]
    if contexts is not None:
        lines.append(f"\tif !ld.hasDir({_q(path)}, {_list(contexts)}) {{\n\t\treturn nil\n\t}}\n")
    lines.append(f"\tm := &{cls}{{}}\n")
    lines.append(f"\tm.Path = ld.path({_q(path)})\n")
    lines += [f"\tm.{a}\n" for a in assigns]
    lines.append("\treturn m\n}\n")
    return "".join(lines)


def _files_mount(out: _Out, m: FilesMount, optional: tuple[str, ...] | None) -> tuple[str, str]:
    cls = out.reserve(camel(m.name, go=True) + "Mount")
    attrs = unique([camel(f.key, go=True) for f in m.files], {"Path"})
    fields = [("Path", "string", "Path is the mount's folder.")]
    assigns = []
    for attr, f in zip(attrs, m.files):
        t, e, c = _file(out, m, f, f.contexts != m.contexts)
        fields.append((attr, t, f"{attr} is {c}"))
        assigns.append(f"{attr} = {e}")
    out.types.append(_struct(cls, f"{cls} is mount {m.name}: files at {m.path}.", fields))
    fn = out.reserve("load" + cls)
    out.funcs.append(_mount_func(out, fn, cls, m.path, optional, assigns))
    return cls, fn


def _secret_mount(out: _Out, m: SecretMount, optional: tuple[str, ...] | None) -> tuple[str, str]:
    cls = out.reserve(camel(m.name, go=True) + "Mount")
    attrs = unique([camel(k.key, go=True) for k in m.keys], {"Path"})
    fields = [("Path", "string", "Path is the mount's folder.")]
    assigns = []
    what = _q(f"secret mount {m.name}")
    for attr, k in zip(attrs, m.keys):
        if k.contexts != m.contexts:
            fields.append((attr, "*SecretFile", f"{attr} is {k.path}, in some contexts."))
            assigns.append(f"{attr} = ld.optSecretFile({_q(k.path)}, {what}, "
                           f"{_list(k.contexts)})")
        else:
            fields.append((attr, "SecretFile", f"{attr} is {k.path}."))
            assigns.append(f"{attr} = ld.needSecretFile({_q(k.path)}, {what})")
    out.types.append(_struct(cls, f"{cls} is mount {m.name}: the files of secret {m.secret} at "
                             f"{m.path}.", fields))
    fn = out.reserve("load" + cls)
    out.funcs.append(_mount_func(out, fn, cls, m.path, optional, assigns))
    return cls, fn


def _friend(out: _Out, f: Friend, optional: tuple[str, ...] | None) -> tuple[str, str]:
    cls = out.reserve(camel(f.name, go=True) + "Friend")
    attrs = unique([camel(v.key, go=True) for v in f.values])
    fields = []
    assigns = []
    for attr, v in zip(attrs, f.values):
        opt = v.contexts != f.contexts
        ctx = f", {_list(v.contexts)}" if opt else ""
        if v.secret:
            how = (f"{_q(v.env)}, []string{{{_list(v.file_contexts)}}}, "
                   f"[]string{{{_list(v.env_contexts)}}}")
            t, call = "Secret", "credential"
            note = f"{attr} is {v.source()}."
        else:
            how = _q(v.env)
            t, call = {"int": ("int", "intEnv"), "str": ("string", "env")}[v.type]
            note = f"{attr} is ${v.env}."
        if opt:
            t = "*" + t
            call = "opt" + call[0].upper() + call[1:]
        elif v.secret:
            call = "needCredential"
        fields.append((attr, t, note))
        assigns.append(f"{attr} = ld.{call}({how}{ctx})")
    out.types.append(_struct(cls, f"{cls} is what service {f.name} injects.", fields))
    fn = out.reserve("load" + cls)
    lines = [f"func {fn}(ld *loader) *{cls} {{\n"]
    if optional is not None:
        names = ", ".join(_q(n) for v in f.values for n in (v.env, v.file_env) if n)
        lines.append(f"\tif !ld.hasEnv([]string{{{names}}}, {_list(optional)}) {{\n"
                     "\t\treturn nil\n\t}\n")
    lines.append(f"\tf := &{cls}{{}}\n")
    lines += [f"\tf.{a}\n" for a in assigns]
    lines.append("\treturn f\n}\n")
    out.funcs.append("".join(lines))
    return cls, fn


def emit(api: Api, command: str, package: str) -> str:
    """The package's source, without its header lines."""
    out = _Out()
    sets: list[str] = ["cfg.Context = ld.context"]

    port_fields = []
    for attr, p in zip(unique([camel(p.route, go=True) for p in api.ports]), api.ports):
        if api.optional(p):
            note = f"{attr} is the port of route {p.route}, nil in contexts without it."
            port_fields.append((attr, "*int", note))
            sets.append(f"cfg.Ports.{attr} = ld.port({p.port}, {_list(p.contexts)})")
        else:
            port_fields.append((attr, "int", f"{attr} is the port of route {p.route}."))
            sets.append(f"cfg.Ports.{attr} = {p.port}")

    mount_fields = []
    mounts: tuple[FilesMount | SecretMount, ...] = (*api.files, *api.secrets)
    for attr, m in zip(unique([camel(m.name, go=True) for m in mounts]), mounts):
        optional = m.contexts if api.optional(m) else None
        cls, fn = (_files_mount(out, m, optional) if isinstance(m, FilesMount)
                   else _secret_mount(out, m, optional))
        if optional:
            note = f"{attr} is mount {m.name}, nil in contexts without it."
            mount_fields.append((attr, "*" + cls, note))
            sets.append(f"cfg.Mounts.{attr} = {fn}(ld)")
        else:
            mount_fields.append((attr, cls, f"{attr} is mount {m.name}."))
            sets.append(f"cfg.Mounts.{attr} = *{fn}(ld)")

    env_fields = []
    for attr, e in zip(unique([camel(e.name, go=True) for e in api.env]), api.env):
        if api.optional(e):
            note = f"{attr} is ${e.name}, nil in contexts without it."
            env_fields.append((attr, "*string", note))
            sets.append(f"cfg.Env.{attr} = ld.optEnv({_q(e.name)}, {_list(e.contexts)})")
        else:
            env_fields.append((attr, "string", f"{attr} is ${e.name}."))
            sets.append(f"cfg.Env.{attr} = ld.env({_q(e.name)})")

    friend_fields = []
    for attr, f in zip(unique([camel(f.name, go=True) for f in api.friends]), api.friends):
        optional = f.contexts if api.optional(f) else None
        cls, fn = _friend(out, f, optional)
        if optional:
            note = f"{attr} is friend {f.name}, nil in contexts without it."
            friend_fields.append((attr, "*" + cls, note))
            sets.append(f"cfg.Friends.{attr} = {fn}(ld)")
        else:
            friend_fields.append((attr, cls, f"{attr} is friend {f.name}."))
            sets.append(f"cfg.Friends.{attr} = *{fn}(ld)")

    which = f"context {api.contexts[0]}" if api.single else "contexts " + ", ".join(api.contexts)
    first_port = next((camel(p.route, go=True) for p in api.ports), "")
    doc = (f"// Package {package} is the typed configuration of service {api.service} "
           f"({which}):\n// what its chart gives the container.\n//\n"
           f"//\tcfg, err := {package}.Load() // a *ConfigError lists all that is missing\n"
           + (f"//\tport := cfg.Ports.{first_port}\n" if first_port else "")
           + f"//\n// Regenerate with: {command}\n")
    imports = ["encoding/json", "errors", "fmt", "io/fs", "os", "path/filepath", "strconv",
               "strings", "unicode/utf8"]
    if out.yaml:
        imports.append("regexp")
    parts = [doc, f"package {package}\n\n",
             "import (\n" + "".join(f"\t{_q(i)}\n" for i in sorted(imports)) + ")\n\n",
             (f"// Service is the service this package was generated for.\n"
             f"const Service = {_q(api.service)}\n\n"
             f"// Contexts are the contexts this package covers.\n"
             f"var Contexts = []string{{{_list(api.contexts)}}}\n\n"
             "// RootEnv names the variable holding the folder mounted files are read below.\n"
             'const RootEnv = "PLIGOS_ROOT"\n\n'
             "// ContextEnv names the variable holding the context that runs.\n"
             'const ContextEnv = "PLIGOS_CONTEXT"\n\n'
             "// credentialFileSuffix ends the variable naming the file of a friend's credential.\n"
             f"const credentialFileSuffix = {_q(SUFFIX)}\n"),
             RUNTIME, READER if out.yaml else NO_READER]
    sections = [
        _struct("Ports", "Ports are the ports the service listens on, by route.", port_fields),
        _struct("Mounts", "Mounts are the files and secrets mounted into the container.",
                mount_fields),
        _struct("Env", "Env holds the plain environment variables the chart sets.", env_fields),
        _struct("Friends", "Friends holds what the services this one talks to inject.",
                friend_fields),
        _struct("Config", "Config is everything the chart gives the container; see Load.", [
            ("Context", "string", "Context is the context that runs, when known."),
            ("Ports", "Ports", "Ports are the listening ports."),
            ("Mounts", "Mounts", "Mounts are the mounted files and secrets."),
            ("Env", "Env", "Env holds the plain variables."),
            ("Friends", "Friends", "Friends holds the friends' config and credentials.")]),
    ]
    for text in out.types + sections + out.funcs:
        parts.append("\n" + text)
    body = "".join(f"\t{s}\n" for s in sets)
    parts.append(
        "\n// Load reads the configuration the chart gives the container.\n"
        "func Load() (*Config, error) {\n\treturn LoadWith(Options{})\n}\n"
        "\n// LoadWith reads the configuration with the given options; it returns a *ConfigError\n"
        "// listing everything that is missing.\n"
        "func LoadWith(opts Options) (*Config, error) {\n"
        "\tld := newLoader(opts)\n\tcfg := &Config{}\n" + body +
        "\tif len(ld.problems) > 0 {\n\t\treturn nil, &ConfigError{Problems: ld.problems}\n\t}\n"
        "\treturn cfg, nil\n}\n")
    return "".join(parts)
