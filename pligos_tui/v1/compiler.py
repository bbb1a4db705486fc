"""The schema compiler of the original Pligos: a context's spec -> the chart's values.

Types are mappings of field name to a type expression:

- a primitive, `string`, `numeric`, `bool` or `object`: the value is copied as given;
- a type name: the value is the name of an instance in `values.<type>`, or an inline mapping,
  compiled with that type's fields;
- `repeated T`: a list (of instance names or inline instances) compiled into a list;
- `mapped T`: the same, compiled into a mapping keyed by each instance's `name`;
- `embedded T`: one instance whose compiled fields are merged into the enclosing mapping
  (for a primitive, the mapping given is merged as is);
- `embedded mapped T`: like `mapped T`, but the entries land in the enclosing mapping;
- a nested mapping: an anonymous type, compiled field by field.

Only the fields a type declares are compiled; other keys of an instance are left out, and
`name` is kept only where the type declares it. The root type is `context`, compiled from a
context's `spec`. As in the original, an empty list anywhere in the copied data becomes an
empty mapping. Every problem is reported with the file and line of the node that causes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pligos_tui.errors import ConfigError, Problem, Problems, did_you_mean, display_path
from pligos_tui.io.keypath import KeyPath
from pligos_tui.io.yamlread import Document
from pligos_tui.spec.reader import type_name
from pligos_tui.v1.load import Context, Service, load_yaml

PRIMITIVES = ("string", "numeric", "bool", "object")
ROOT_TYPE = "context"
# checked in this order: "embedded mapped" before "embedded"
MODIFIERS = ("embedded mapped", "repeated", "mapped", "embedded")


@dataclass(frozen=True)
class Where:
    """A node of a YAML file: where a value or a type expression was written."""

    doc: Document
    path: KeyPath

    def __truediv__(self, key: str | int) -> Where:
        return Where(self.doc, self.path + (key,))


@dataclass
class TypeDef:
    name: str
    fields: Any  # a mapping of field -> type expression (checked on use)
    where: Where


def load_types(svc: Service, schema: Document) -> dict[str, TypeDef]:
    """The types a context sees: pligos.types files in order, then the flavor's schema.yaml
    (a later definition of a type replaces an earlier one, as in the original)."""
    types: dict[str, TypeDef] = {}
    docs = [load_yaml(t.path, display_path(t.path)) for t in svc.types] + [schema]
    problems: list[Problem] = []
    for doc in docs:
        if doc.data is None:
            continue
        if not isinstance(doc.data, dict):
            problems.append(Problem(doc.file, line=1, message="a types file must be a mapping "
                                    "of type name to its fields",
                                    hint="write e.g. route: {port: numeric}"))
            continue
        for name, fields in doc.data.items():
            types[name] = TypeDef(name, fields, Where(doc, (name,)))
    if problems:
        raise ConfigError(problems)
    return types


def go_normalize(value: Any) -> Any:
    """A deep copy of plain data in which, as the original's loader does, [] becomes {}."""
    if isinstance(value, dict):
        return {k: go_normalize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [go_normalize(v) for v in value] if value else {}
    return value


def parse_type(expr: str) -> tuple[str, str]:
    """'repeated route' -> ('repeated', 'route'); 'route' -> ('', 'route')."""
    for mod in MODIFIERS:
        if expr.startswith(mod + " "):
            return mod, expr[len(mod) + 1:].strip()
    return "", expr.strip()


class _Failed(Exception):
    """A problem was recorded; the field that caused it is left out."""


class Compiler:
    def __init__(self, svc: Service, types: dict[str, TypeDef]) -> None:
        self.svc = svc
        self.types = types
        self.problems: list[Problem] = []
        self._stack: list[tuple[str, KeyPath]] = []
        self._names: dict[KeyPath, str] = {}

    # ------------------------------------------------------------------ reporting

    def fail(self, where: Where, message: str, hint: str = "", *, key: bool = False) -> _Failed:
        collector = Problems(where.doc.file)
        where.doc.problem(collector, where.path, message, hint, key=key)
        for p in collector.items:
            if p not in self.problems:
                self.problems.append(p)
        return _Failed(message)

    # ------------------------------------------------------------------ entry point

    def compile_context(self, ctx: Context) -> dict[str, Any]:
        root = self.types.get(ROOT_TYPE)
        if root is None:
            schema = next(iter(self.types.values()), None)
            where = Where(schema.where.doc, ()) if schema else Where(self.svc.doc, ctx.at)
            self.fail(where, f"the flavor's schema declares no root type {ROOT_TYPE!r}",
                      f"add {ROOT_TYPE}: with the fields a context's spec gives")
            raise ConfigError(self.problems)
        spec_where = Where(self.svc.doc, ctx.at + ("spec",))
        try:
            values = self.compile_fields(root.fields, root.where, ctx.spec, spec_where)
        except _Failed:
            values = {}
        if self.problems:
            raise ConfigError(self.problems)
        return values

    # ------------------------------------------------------------------ the compiler

    def compile_fields(self, fields: Any, twhere: Where, config: Any,
                       cwhere: Where) -> dict[str, Any]:
        if not isinstance(fields, dict):
            raise self.fail(twhere, "a type must be a mapping of field name to type, not "
                            f"{type(fields).__name__}", "write e.g. port: numeric")
        if config == []:
            config = {}
        if not isinstance(config, dict):
            raise self.fail(cwhere, f"expected a mapping of fields here, not "
                            f"{type_name(config)}", "give the fields of " + _what(twhere))
        out: dict[str, Any] = {}
        for key, expr in fields.items():
            if key not in config:
                continue
            try:
                self.compile_field(out, key, expr, twhere / key, config[key], cwhere / key)
            except _Failed:
                continue
        return out

    def compile_field(self, out: dict[str, Any], key: str, expr: Any, twhere: Where,
                      value: Any, vwhere: Where) -> None:
        if isinstance(expr, dict):
            out[key] = self.compile_fields(expr, twhere, value, vwhere)
            return
        if not isinstance(expr, str):
            raise self.fail(twhere, f"the type of {key!r} must be a type expression or a "
                            f"mapping, not {type_name(expr)}",
                            "write e.g. string, numeric, route, repeated route, mapped route")
        mod, base = parse_type(expr)
        if base in PRIMITIVES:
            if mod == "embedded":
                if value == [] or value is None:
                    return
                if not isinstance(value, dict):
                    raise self.fail(vwhere, f"{key} is embedded {base} and must be a mapping, "
                                    f"not {type_name(value)}", "give a mapping of keys to merge")
                out.update(go_normalize(value))
            elif mod == "embedded mapped":
                raise self.fail(twhere, f"embedded mapped needs a named type, not {base}",
                                f"use embedded {base}, or declare a type")
            else:
                out[key] = go_normalize(value)
            return
        typedef = self.type(base, twhere)
        if mod in ("repeated", "mapped", "embedded mapped"):
            items = self.instances(value, vwhere, base, key, named=mod != "repeated")
            compiled = [(name, self.compile_instance(typedef, inst, iwhere))
                        for name, inst, iwhere in items]
            if mod == "repeated":
                out[key] = [c for _, c in compiled]
            elif mod == "mapped":
                out[key] = {name: c for name, c in compiled}
            else:
                out.update({name: c for name, c in compiled})
            return
        inst, iwhere = self.instance(value, vwhere, base, key)
        compiled_one = self.compile_instance(typedef, inst, iwhere)
        if mod == "embedded":
            out.update(compiled_one)
        else:
            out[key] = compiled_one

    def compile_instance(self, typedef: TypeDef, inst: dict[str, Any],
                         iwhere: Where) -> dict[str, Any]:
        token = (typedef.name, iwhere.path)
        name = inst.get("name")
        self._names.setdefault(iwhere.path, name if isinstance(name, str) else
                               _label(iwhere.path))
        if token in self._stack:
            chain = " -> ".join(f"{t} {self._names[p]}" for t, p in self._stack + [token])
            raise self.fail(iwhere, f"instances refer to each other in a cycle: {chain}",
                            "break the cycle")
        self._stack.append(token)
        try:
            return self.compile_fields(typedef.fields, typedef.where, inst, iwhere)
        finally:
            self._stack.pop()

    # ------------------------------------------------------------------ lookups

    def type(self, name: str, where: Where) -> TypeDef:
        found = self.types.get(name)
        if found is None:
            known = sorted(self.types)
            raise self.fail(where, f"no type named {name!r}",
                            did_you_mean(name, known) or "declare it in the flavor's "
                            "schema.yaml or a file of pligos.types; primitives are "
                            + ", ".join(PRIMITIVES))
        return found

    def instances(self, value: Any, where: Where, typ: str, key: str,
                  named: bool) -> list[tuple[str, dict[str, Any], Where]]:
        if value is None or value == {}:
            return []
        if not isinstance(value, list):
            raise self.fail(where, f"{key} takes a list of {typ} instances (names or inline "
                            f"mappings), not {type_name(value)}",
                            f"write {key}: [{value}]" if isinstance(value, str) else
                            f"write {key}: [name, ...]")
        out: list[tuple[str, dict[str, Any], Where]] = []
        failed = False
        for i, item in enumerate(value):
            try:
                inst, iwhere = self.instance(item, where / i, typ, key)
            except _Failed:
                failed = True
                continue
            name = inst.get("name")
            if named and not isinstance(name, str):
                self.fail(iwhere, f"an inline {typ} in {key} needs a name",
                          f"add name: ...; {key} is keyed by the names of its entries")
                failed = True
                continue
            out.append((name if isinstance(name, str) else "", inst, iwhere))
        if failed:
            raise _Failed(key)
        return out

    def instance(self, value: Any, where: Where, typ: str,
                 key: str) -> tuple[dict[str, Any], Where]:
        if isinstance(value, dict):
            return value, where
        if not isinstance(value, str):
            raise self.fail(where, f"{key} takes the name of a {typ} instance or an inline "
                            f"mapping, not {type_name(value)}",
                            f"write the name of an entry of values.{typ}")
        entries = self.svc.instances.get(typ)
        if not entries:
            raise self.fail(where, f"no {typ} named {value!r}: values.{typ} defines no "
                            "instances", f"add values: {{{typ}: [{{name: {value}, ...}}]}}")
        for i, inst in entries:
            if inst.get("name") == value:
                return inst, Where(self.svc.doc, ("values", typ, i))
        names = [str(inst.get("name")) for _, inst in entries]
        raise self.fail(where, f"no {typ} named {value!r}",
                        did_you_mean(value, names) or f"values.{typ} has: {', '.join(names)}")


def _label(path: KeyPath) -> str:
    return ".".join(str(p) for p in path)


def _what(where: Where) -> str:
    return f"{'.'.join(str(p) for p in where.path)} ({where.doc.file})"


def compile_context(svc: Service, ctx: Context, schema: Document) -> dict[str, Any]:
    """The values of a context: its spec compiled with the flavor's types."""
    return Compiler(svc, load_types(svc, schema)).compile_context(ctx)
