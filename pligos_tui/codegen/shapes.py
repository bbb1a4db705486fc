"""The type of a config file's content, inferred from the file as it is in the repository.

A Shape is language-neutral; the emitters turn it into a TypedDict (Python) or a struct (Go).
Inference is deliberately plain: a mapping becomes an object with one field per key, a list
takes the merge of its items' shapes, and anything that does not merge becomes `any`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCALARS = ("str", "int", "float", "bool")


@dataclass(frozen=True)
class Field:
    key: str
    shape: Shape
    required: bool = True


@dataclass(frozen=True)
class Shape:
    kind: str  # str | int | float | bool | any | list | object
    nullable: bool = False
    item: Shape | None = None  # list
    fields: tuple[Field, ...] = field(default_factory=tuple)  # object, in the file's order

    def with_nullable(self) -> Shape:
        return Shape(self.kind, True, self.item, self.fields)


ANY = Shape("any")


def infer(value: Any) -> Shape:
    if value is None:
        return Shape("any", nullable=True)
    if isinstance(value, bool):
        return Shape("bool")
    if isinstance(value, int):
        return Shape("int")
    if isinstance(value, float):
        return Shape("float")
    if isinstance(value, str):
        return Shape("str")
    if isinstance(value, list):
        item: Shape | None = None
        for v in value:
            s = infer(v)
            item = s if item is None else merge(item, s)
        return Shape("list", item=item or ANY)
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return Shape("object", fields=tuple(Field(k, infer(v)) for k, v in value.items()))
    return ANY


def merge(a: Shape, b: Shape) -> Shape:
    """A shape both values fit."""
    nullable = a.nullable or b.nullable
    if a.kind == "any" and a.nullable and not a.fields and a.item is None:
        return b.with_nullable()  # a null merges into whatever the other value is
    if b.kind == "any" and b.nullable and not b.fields and b.item is None:
        return a.with_nullable()
    if a.kind == b.kind and a.kind in SCALARS + ("any",):
        return Shape(a.kind, nullable)
    if {a.kind, b.kind} == {"int", "float"}:
        return Shape("float", nullable)
    if a.kind == b.kind == "list":
        assert a.item is not None and b.item is not None
        return Shape("list", nullable, item=merge(a.item, b.item))
    if a.kind == b.kind == "object":
        theirs = {f.key: f for f in b.fields}
        fields = []
        for f in a.fields:
            other = theirs.get(f.key)
            if other is None:
                fields.append(Field(f.key, f.shape, False))
            else:
                fields.append(Field(f.key, merge(f.shape, other.shape),
                                    f.required and other.required))
        mine = {f.key for f in a.fields}
        fields += [Field(f.key, f.shape, False) for f in b.fields if f.key not in mine]
        return Shape("object", nullable, fields=tuple(fields))
    return Shape("any", nullable)
