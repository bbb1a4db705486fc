"""Flavor versions (SemVer 2.0.0) and the pins a context's `flavor:` carries."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pligos_tui.spec.versions import (
    Version,
    VersionSyntaxError,
    best,
    is_version,
    newest_first,
    parse_pin,
    parse_version,
)


def v(text: str) -> Version:
    return parse_version(text)


def test_precedence_follows_semver():
    # the order of the SemVer 2.0.0 specification's own example, and build metadata ignored
    ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
               "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.2.0",
               "1.10.0", "2.0.0"]
    assert sorted((v(t) for t in reversed(ordered)), key=lambda x: x) == [v(t) for t in ordered]
    assert [str(x) for x in newest_first(v(t) for t in ordered)][:3] == [
        "2.0.0", "1.10.0", "1.2.0"]
    assert v("1.0.0+build.7") == v("1.0.0") and str(v("1.0.0+build.7")) == "1.0.0+build.7"
    assert v("1.0.0-rc.1").prerelease and not v("1.0.0").prerelease


@pytest.mark.parametrize(("text", "hint"), [
    ("2.0", "a version has three numbers: 2.0.0"),
    ("2", "a version has three numbers: 2.0.0"),
    ("v2.0.0", "write it without the v: 2.0.0"),
    ("02.0.0", "a version is MAJOR.MINOR.PATCH"),
    ("1.0.0-01", "no leading zero"),
    ("2.0.0.1", "a version is MAJOR.MINOR.PATCH"),
    ("", "a version is MAJOR.MINOR.PATCH"),
])
def test_what_is_not_a_version_says_how_one_is_written(text: str, hint: str):
    with pytest.raises(VersionSyntaxError) as caught:
        parse_version(text)
    assert hint in caught.value.hint
    assert not is_version(text)


def test_a_version_yaml_read_as_a_number_is_refused_with_quotes_as_the_fix():
    with pytest.raises(VersionSyntaxError) as caught:
        parse_version(2.0)
    assert "not text" in caught.value.message and '"2.0.0"' in caught.value.hint


def test_pins_take_a_major_a_minor_or_one_version():
    any_version = parse_pin("web")
    assert (any_version.name, any_version.pinned, any_version.written) == ("web", False, "web")
    assert any_version.matches(v("0.0.0")) and any_version.describe() == "any version"
    major = parse_pin("web@2")
    assert major.matches(v("2.0.0")) and major.matches(v("2.9.3")) and not major.matches(v("3.0.0"))
    assert major.describe() == "2.x.y" and major.written == "web@2"
    minor = parse_pin("web@2.3")
    assert minor.matches(v("2.3.9")) and not minor.matches(v("2.4.0"))
    assert minor.describe() == "2.3.x"
    exact = parse_pin("web@2.3.1")
    assert exact.matches(v("2.3.1")) and not exact.matches(v("2.3.2"))
    assert parse_pin("web@3.0.0-rc.1").matches(v("3.0.0-rc.1"))
    assert parse_pin("web").with_version("2").written == "web@2"


@pytest.mark.parametrize(("written", "message", "hint"), [
    ("web@x.y", "'x.y' in 'web@x.y' is not a version to pin", "web@2, @2.3 or @2.3.1"),
    ("web@", "pins no version", "leave out @"),
    ("@2", "names no flavor", "write the flavor's name first"),
    ("web@2@3", "more than one @", "pin one version"),
    ("web@v2", "is not a version to pin", "write it without the v: web@2"),
    ("web@2.3.1.4", "is not a version to pin", "a major version, major.minor"),
])
def test_a_pin_written_wrong_says_what_is_wrong(written: str, message: str, hint: str):
    with pytest.raises(VersionSyntaxError) as caught:
        parse_pin(written)
    assert message in caught.value.message and hint in caught.value.hint


def test_the_newest_release_is_taken_and_a_pre_release_only_when_nothing_else_is():
    assert str(best([v("1.0.0"), v("2.0.0-rc.1"), v("1.4.2")])) == "1.4.2"
    assert str(best([v("2.0.0-rc.1"), v("2.0.0-beta")])) == "2.0.0-rc.1"
    assert best([]) is None


triples = st.tuples(*(st.integers(min_value=0, max_value=10_000),) * 3)


@given(triples, triples)
def test_releases_order_as_their_numbers(a: tuple[int, int, int], b: tuple[int, int, int]):
    x, y = v(".".join(map(str, a))), v(".".join(map(str, b)))
    assert (x < y) == (a < b) and (x == y) == (a == b)
    assert parse_version(str(x)) == x
