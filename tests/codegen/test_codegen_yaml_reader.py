"""The YAML reader generated modules carry (Python and Go) reads config files as a full YAML
1.2 parser does, and refuses what it does not support instead of misreading it."""

from __future__ import annotations

import io
import json

import pytest
from cg_helpers import go, go_module, require_go
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from support import EXAMPLES

from pligos_tui.codegen import miniyaml
from pligos_tui.codegen.goyaml import READER

AGREE = {
    "mapping": "a: 1\nb: two\nc: 2.5\nd: true\ne: null\nf: ~\ng:\n",
    "nested": "a:\n  b:\n    c: 1\n  d: [1, 2]\ne: 3\n",
    "sequences": "list:\n  - a\n  -\n    - b\n  - - c\n    - d\nsame:\n- x\n- y: 1\n  z: 2\n",
    "quoted": "s: 'it''s'\nd: \"a\\tb\\u00e9\\\"\"\nk: 'a: b # c'\n\"q k\": 1\n",
    "comments": "# head\na: x # tail\nb: a#b\n\n# between\nc: 'x # y'\n",
    "flow": "x: {a: [1, 2], b: 'q, r', c: {d: e}}\ny: []\nz: {}\n",
    "literal": "lit: |\n  one\n   two\n\n  three\n\nnext: 1\n",
    "chomping": "a: |-\n  one\nb: >\n  a\n  b\n\n  c\nc: |+\n  x\n\nd: 1\n",
    "document start": "---\nkey: value\n",
    "urls and colons": "url: http://x.y:80/z\ntime: '12:30'\nempty: \"\"\n",
    "top-level list": "- 1\n- -2\n- +3\n- 1e3\n- .5\n",
    "block after comment": "a: |\n  text\n# comment\nb: 1\n",
    "tokend config": (EXAMPLES / "tokend/config/app.yaml").read_text(),
}

REFUSED = {
    "anchors": "a: &x 1\nb: *x\n",
    "tags": "a: !!str 1\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "multi-line plain": "a: one\n  two\n",
    "complex key": "? a\n: b\n",
}


def _full(text: str):
    return miniyaml.full_load(text)


@pytest.mark.parametrize("text", AGREE.values(), ids=AGREE.keys())
def test_reader_agrees_with_a_full_parser(text):
    data, why = miniyaml.read_parsed(text)
    assert why == ""
    assert miniyaml.same_data(data, _full(text))


@pytest.mark.parametrize("text", REFUSED.values(), ids=REFUSED.keys())
def test_reader_refuses_what_it_does_not_support(text):
    with pytest.raises(miniyaml.YamlSubsetError):
        miniyaml.yaml_load(text)
    data, why = miniyaml.read_parsed(text)
    assert data is None and "beyond what the generated reader supports" in why


@pytest.mark.parametrize("text", ["a: yes\n", "a: 0x10\n", "d: 2023-01-01\n", "a: .inf\n"])
def test_values_read_differently_mean_no_parsed_accessor(text):
    data, why = miniyaml.read_parsed(text)
    if why == "":  # the reader may read it, but then exactly as the full parser does
        assert miniyaml.same_data(data, _full(text))
    else:
        assert data is None


_scalars = (st.none() | st.booleans() | st.integers(-10**12, 10**12)
            | st.floats(allow_nan=False, allow_infinity=False, width=32)
            | st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
                      max_size=12))
_keys = st.text("abcdefghijklmnopqrstuvwxyz_-.ABC0123 ", min_size=1, max_size=8)
_data = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(_keys, inner, max_size=4), max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(_data, st.sampled_from(["block", "flow"]))
def test_documents_written_by_a_yaml_library_read_back_exactly(data, style):
    """Whatever the reader accepts of what a YAML library writes, it reads as the full
    parser does (top-level scalars and long wrapped strings are refused, not misread)."""
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = style == "flow"
    buf = io.StringIO()
    yaml.dump(data, buf)
    text = buf.getvalue()
    try:
        full = _full(text)
    except Exception:  # noqa: BLE001 - the library cannot read back what it wrote
        assume(False)
    try:
        mine = miniyaml.yaml_load(text)
    except miniyaml.YamlSubsetError:
        return
    assert miniyaml.same_data(mine, full), text


GO_MAIN = """package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
)

var _ = regexp.MustCompile

%s

func main() {
	var docs []string
	if err := json.NewDecoder(os.Stdin).Decode(&docs); err != nil {
		panic(err)
	}
	out := []any{}
	for _, doc := range docs {
		value, err := yamlLoad(doc)
		if err != nil {
			out = append(out, map[string]any{"error": err.Error()})
			continue
		}
		out = append(out, map[string]any{"value": value})
	}
	data, err := json.Marshal(out)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(data))
	_ = strconv.Itoa
	_ = strings.TrimSpace
}
"""


def _random_documents(count: int) -> list[str]:
    """Documents a YAML library writes from seeded random data, in block and flow style."""
    import random

    rng = random.Random(7)
    alphabet = "ab yz:#-'\"[]{},.&*!|>?%@`~019\t\\é\xa0"

    def value(depth: int):
        kind = rng.randrange(9 if depth < 3 else 6)
        if kind == 0:
            return None
        if kind == 1:
            return rng.choice([True, False])
        if kind == 2:
            return rng.randint(-10**6, 10**6)
        if kind == 3:
            return rng.choice([0.5, -2.25, 1e10, 3.0])
        if kind in (4, 5):
            return "".join(rng.choice(alphabet) for _ in range(rng.randrange(8)))
        if kind in (6, 7):
            return {"".join(rng.choice("abc-_ .") for _ in range(1 + rng.randrange(5))):
                    value(depth + 1) for _ in range(rng.randrange(4))}
        return [value(depth + 1) for _ in range(rng.randrange(4))]

    docs = []
    for i in range(count):
        yaml = YAML(typ="safe", pure=True)
        yaml.default_flow_style = i % 3 == 0
        buf = io.StringIO()
        yaml.dump({"root": value(0)}, buf)
        docs.append(buf.getvalue())
    return docs


def test_go_reader_reads_what_the_python_reader_reads(tmp_path):
    require_go()
    module = go_module(tmp_path / "reader", "example.com/reader")
    (module / "main.go").write_text(GO_MAIN % READER)
    docs = list(AGREE.values()) + list(REFUSED.values()) + _random_documents(300)
    build = go(tmp_path / "cache", module, "build", "-o", "reader", ".")
    assert build.returncode == 0, build.stderr
    import subprocess

    result = subprocess.run([str(module / "reader")], input=json.dumps(docs),
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    for doc, answer in zip(docs, got):
        try:
            expected = miniyaml.yaml_load(doc)
        except miniyaml.YamlSubsetError:
            assert "error" in answer, doc
            continue
        assert "error" not in answer, (doc, answer)
        # through JSON both sides compare as numbers, strings, lists and objects
        assert json.loads(json.dumps(expected)) == answer["value"], doc


def test_random_documents_read_as_the_full_parser_reads_them():
    docs = _random_documents(300)
    read = 0
    for text in docs:
        try:
            mine = miniyaml.yaml_load(text)
        except miniyaml.YamlSubsetError:
            continue
        read += 1
        assert miniyaml.same_data(mine, _full(text)), text
    assert read >= 280  # the subset covers what a YAML library writes for plain data
