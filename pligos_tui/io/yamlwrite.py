"""Writing YAML: the one place Pligos turns data into YAML text.

Three styles, each for one reader:
- `dump_yaml`: what helm reads (values.yaml, Chart.yaml): block style, and text a YAML 1.1
  reader could take for a number, boolean or null is quoted; unprintable text is escaped.
- `dump_for_people`: what a person reads and edits (a new pligos.yaml): block mappings, short
  lists of scalars in flow style, no anchors.
- `dump_flow`: one value on one line, in flow style (a form field showing a list or mapping).
"""

from __future__ import annotations

import re
from typing import Any

import yaml

_BaseDumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _ChartDumper(_BaseDumper):  # type: ignore[misc,valid-type]
    """Block-style YAML (libyaml's emitter where available: generated values are large)."""


# Text that a YAML 1.1 reader (helm's) could take for a boolean, null or number unless quoted
_AMBIGUOUS = re.compile(r"(?i)(y|n|yes|no|on|off|true|false|null|~|[-+]?\.?[0-9].*|"
                        r"[-+]?\.(inf|nan))")
# characters every YAML reader takes as they are; text holding others is written escaped
_UNPRINTABLE = re.compile("[^\t\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe"
                          "\uff00-\ufffd\U00010000-\U0010ffff]")
_STR = "tag:yaml.org,2002:str"


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    if _UNPRINTABLE.search(data):
        return dumper.represent_scalar(_STR, data, style='"')
    if "\n" in data:
        return dumper.represent_scalar(_STR, data, style="|")
    if _AMBIGUOUS.fullmatch(data):
        return dumper.represent_scalar(_STR, data, style='"')
    return dumper.represent_scalar(_STR, data)


_ChartDumper.add_representer(str, _str_presenter)


def dump_yaml(data: Any) -> str:
    """YAML for helm: block style, ambiguous text quoted, keys in the order given."""
    return yaml.dump(data, Dumper=_ChartDumper, sort_keys=False, allow_unicode=True, width=1000,
                     default_flow_style=False)


class _PeopleDumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_list(dumper: yaml.SafeDumper, items: list[Any]) -> yaml.Node:
    flow = all(not isinstance(i, (dict, list)) for i in items)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=flow)


_PeopleDumper.add_representer(list, _represent_list)


def dump_for_people(data: Any) -> str:
    """YAML for people: block mappings, short lists of scalars in flow style, no anchors."""
    return yaml.dump(data, Dumper=_PeopleDumper, sort_keys=False, default_flow_style=False,
                     width=96, allow_unicode=True)


class _FlowDumper(yaml.SafeDumper):
    pass


# a line break, a tab or another control character: text holding one is written double-quoted,
# with escapes, so that the whole value stays on one line
_BREAKS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _flow_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = '"' if _BREAKS.search(data) else None
    return dumper.represent_scalar(_STR, data, style=style)


_FlowDumper.add_representer(str, _flow_str)


def dump_flow(value: Any) -> str:
    """One value on one line, in flow style: `[/bin/sh, -c]`, `{cpu: 100m}`, `{MSG: "a\\nb"}`."""
    text = yaml.dump(value, Dumper=_FlowDumper, default_flow_style=True, width=10**6,
                     sort_keys=False, allow_unicode=True).strip()
    return text[:-4].rstrip() if text.endswith("\n...") else text
