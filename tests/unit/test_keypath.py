"""Key paths: one formatter, one parser, and comparing paths step by step."""

from __future__ import annotations

import pytest

from pligos_tui.io.keypath import Named, format_path, is_under, parse_path, steps

DATA = {"contexts": [{"name": "dev"}, {"name": "prod", "image": "app"}], "images": [{}]}
PROD = Named("prod", "context")


@pytest.mark.parametrize("path,data,shown", [
    (("contexts", 1, "image"), DATA, "contexts[prod].image"),
    (("contexts", 1, "image"), None, "contexts[1].image"),
    (("images", 0, "tag"), DATA, "images[0].tag"),  # an item without a name: its index
    (("contexts", PROD, "image"), None, "contexts[prod].image"),
    (("contexts", PROD, "image"), DATA, "contexts[prod].image"),
    (("name",), None, "name"),
    ((), None, ""),
])
def test_format_path(path, data, shown):
    assert format_path(path, data) == shown


def test_parse_path_reads_what_format_path_writes():
    assert parse_path("contexts[prod].image") == ("contexts", "prod", "image")
    assert parse_path("resources[prod].requests.cpu") == ("resources", "prod", "requests", "cpu")
    assert parse_path("") == ()
    for path in (("contexts", PROD, "routes", 0), ("current-context",)):
        assert parse_path(format_path(path)) == steps(path)
    with pytest.raises(ValueError, match="not a key path"):
        parse_path("contexts[prod")


def test_steps_and_is_under():
    assert steps(("contexts", PROD, "routes", 0)) == ("contexts", "prod", "routes", "0")
    at = ("contexts", PROD)
    assert is_under(parse_path("contexts[prod].image"), at)
    assert is_under(parse_path("contexts[prod]"), at)
    assert not is_under(parse_path("contexts[production].image"), at)  # never by text
    assert not is_under(parse_path("contexts"), at)
    assert not is_under(parse_path("names"), ("name",))
    assert is_under(("liveness", "httpGet", "path"), ("liveness",))
    assert is_under((), ())
