"""The editor's buffer (`pligos_tui.jobs.editing.Buffer`): a change checked later, only applied
while current; the file watched for outside changes, never overwritten by a save without
being asked; and what a new field or a context's new name is checked against."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support import EXAMPLES

from pligos_tui.errors import ConfigError
from pligos_tui.io.keypath import is_under, parse_path
from pligos_tui.jobs import edits
from pligos_tui.jobs.editing import Buffer, OutsideChange

HELLO = (EXAMPLES / "hello" / "pligos.yaml").read_text()


@pytest.fixture
def buffer(tmp_path: Path) -> Buffer:
    (tmp_path / "pligos.yaml").write_text(HELLO)
    return Buffer.open(tmp_path)


def replace_outside(file: Path, text: str) -> None:
    tmp = file.with_name(".other")
    tmp.write_text(text)
    os.replace(tmp, file)


def test_a_change_left_unchecked_is_stale_until_its_own_check_lands(buffer: Buffer):
    first = buffer.text.replace("replicas: 2", "replicas: many")
    assert buffer.change(first, "typing", check=False)
    assert buffer.stale and buffer.error is None  # the last check's, meanwhile
    assert buffer.data is not None and buffer.data["contexts"][1]["replicas"] == "many"
    checked_first = buffer.check()
    second = first.replace("replicas: many", "replicas: 4")
    buffer.change(second, "typing", check=False)
    assert not buffer.apply(checked_first)  # of an older text: dropped
    assert buffer.stale and buffer.error is None
    assert buffer.apply(buffer.check())
    assert not buffer.stale and buffer.error is None
    assert buffer.service is not None and buffer.service.context("prod") is not None
    assert len(buffer.undo_stack) == 1  # one field's typing is one step
    buffer.undo()
    assert buffer.text == HELLO and not buffer.stale


def test_the_check_of_a_bad_text_holds_its_problems(buffer: Buffer):
    bad = buffer.text.replace("replicas: 2", "replicas: many")
    checked = buffer.check(bad)
    assert checked.service is None and isinstance(checked.error, ConfigError)
    assert buffer.error is None  # nothing applied by checking
    buffer.change(bad, check=False)
    buffer.apply(checked)
    assert "replicas must be a whole number" in buffer.problems[0].message


def test_outside_changes_are_noticed_and_a_touch_is_not(buffer: Buffer):
    assert buffer.outside_change() is None
    os.utime(buffer.file, ns=(1, 1))  # a new stamp, the same text
    assert buffer.outside_change() is None
    theirs = HELLO.replace("replicas: 2", "replicas: 9")
    replace_outside(buffer.file, theirs)
    change = buffer.outside_change()
    assert isinstance(change, OutsideChange) and change.theirs == theirs
    assert "changed outside the editor" in change.message


def test_save_refuses_to_overwrite_an_outside_change(buffer: Buffer):
    mine = HELLO.replace("replicas: 2", "replicas: 5")
    buffer.change(mine)
    theirs = HELLO.replace("replicas: 2", "replicas: 9")
    replace_outside(buffer.file, theirs)
    with pytest.raises(OutsideChange) as raised:
        buffer.save()
    assert buffer.file.read_text() == theirs
    buffer.keep_mine(raised.value)
    assert buffer.dirty
    buffer.save()
    assert buffer.file.read_text() == mine and not buffer.dirty
    assert buffer.outside_change() is None  # our own write is not an outside change


def test_taking_theirs_is_one_undo_step(buffer: Buffer):
    mine = HELLO.replace("replicas: 2", "replicas: 5")
    buffer.change(mine, "typing")
    theirs = HELLO.replace("replicas: 2", "replicas: 9")
    replace_outside(buffer.file, theirs)
    change = buffer.outside_change()
    assert change is not None
    buffer.take(change)
    assert buffer.text == theirs and not buffer.dirty and buffer.outside_change() is None
    buffer.undo()
    assert buffer.text == mine and buffer.dirty


def test_a_removed_file_is_an_outside_change_and_save_writes_it_again(buffer: Buffer):
    buffer.file.unlink()
    change = buffer.outside_change()
    assert change is not None and change.removed and "was removed" in change.message
    buffer.keep_mine(change)
    buffer.save()
    assert buffer.file.read_text() == HELLO


@pytest.mark.parametrize(("prop", "key", "value"), [
    ("images", "pullPolicy", "IfNotPresent"), ("images", "tag", "latest"),
    ("routes", "protocol", "TCP"), ("routes", "path", "/"),
])
def test_an_added_field_starts_valid(buffer: Buffer, prop: str, key: str, value: str):
    text = edits.add_entry(buffer.text, prop, "extra")
    if key in edits.ENTRY_TEMPLATES[prop]:
        text = edits.set_entry_field(text, prop, "extra", key, None)
    assert edits.new_field_value(key) == value
    text = edits.set_entry_field(text, prop, "extra", key, edits.new_field_value(key))
    error = buffer.check(text).error
    problems = error.problems if isinstance(error, ConfigError) else []
    at = parse_path(f"{prop}[extra].{key}")
    assert not [p for p in problems if is_under(parse_path(p.key_path), at)], problems


@pytest.mark.parametrize(("name", "problem"), [
    ("production", ""), ("Prod_X", "not a DNS label"), ("dev", "already a context named"),
    ("", "must not be empty"),
])
def test_a_context_name_is_checked_as_typed(buffer: Buffer, name: str, problem: str):
    found = edits.context_name_problem(buffer.data, name)
    assert (problem in found) if problem else found == ""
