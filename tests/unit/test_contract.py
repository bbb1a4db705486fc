"""The values contract is defined once: `vocabulary.CONTRACT_KEYS`.

The compiler writes exactly those top-level keys, in that order (a requirement's values follow
under its alias); the JSON schema every chart carries and docs/values-contract.md describe the
same keys in the same order; friends may not take one of them as their name.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from support import EXAMPLES

from pligos_tui.charts.contract import compile_context
from pligos_tui.charts.schema import SCHEMA_FILE
from pligos_tui.errors import ConfigError
from pligos_tui.secrets import RedactingProvider
from pligos_tui.spec.load import load_service, load_service_text
from pligos_tui.spec.vocabulary import CONTRACT_KEYS, CONTRACT_VERSION, GIVEN_KEYS

DOC = Path(__file__).resolve().parent.parent.parent / "docs" / "values-contract.md"


def test_compiled_values_have_the_contract_keys_in_order() -> None:
    svc = load_service(EXAMPLES / "tokend")
    held = {}
    for ctx in svc.contexts:
        values = compile_context(svc, ctx.name).values
        assert tuple(values) == tuple(k for k in CONTRACT_KEYS if k in values), ctx.name
        assert values["pligos"]["contract"] == CONTRACT_VERSION
        held[ctx.name] = set(values)
    # only the keys of what each flavor takes: a web service has no schedule, a cronjob no
    # routes, replicas or autoscaling
    assert {"routes", "expose", "autoscaling", "security"} <= held["prod"]
    assert not {"schedule", "job", "cronjob"} & held["prod"]
    assert {"schedule", "job", "cronjob", "security"} <= held["nightly-reindex"]
    assert not {"routes", "replicas", "autoscaling", "disruption"} & held["nightly-reindex"]
    assert not {"routes", "expose"} & held["janitor"]


def test_a_requirement_adds_its_alias_after_the_contract_keys(tmp_path: Path) -> None:
    shop = EXAMPLES / "shop" / "checkout"
    svc = load_service(shop)
    provider = RedactingProvider(_Keys())
    for ctx in svc.contexts:
        compiled = compile_context(svc, ctx.name, secrets=provider)
        keys = tuple(compiled.values)
        contract = tuple(k for k in keys if k in CONTRACT_KEYS)
        assert keys[:len(contract)] == contract
        assert set(keys[len(contract):]) == {f.name for f in compiled.requirements}


class _Keys:
    """A provider giving every secret the keys its users need (their bytes are redacted)."""

    def describe(self) -> str:
        return "test secrets"

    def get(self, name: str, context: str) -> dict[str, bytes]:
        return {"password": b"x", "tls.crt": b"x", "tls.key": b"x", "registry": b"r",
                "username": b"u", "current.pem": b"k"}


def test_the_schema_describes_the_contract_keys_in_order() -> None:
    schema = json.loads(SCHEMA_FILE.read_text())
    own = tuple(schema["properties"])[:len(CONTRACT_KEYS) + len(GIVEN_KEYS)]
    assert own == CONTRACT_KEYS + GIVEN_KEYS
    # and what helm adds for the helpers' library chart, and the renderer's reserved key
    assert set(schema["properties"]) - set(own) == {"pligos-library", "global", "pligosRender"}
    assert set(schema["required"]) <= set(CONTRACT_KEYS)
    assert SCHEMA_FILE.name == f"values-contract-{CONTRACT_VERSION}.json"


def test_the_documentation_lists_the_contract_keys_in_order() -> None:
    text = DOC.read_text()
    assert text.startswith(f"# The values contract, version {CONTRACT_VERSION}\n")
    section = text.split("## Top-level keys", 1)[1].split("\n#", 1)[0]
    rows = re.findall(r"^\| `([a-zA-Z]+)` \|", section, re.M)
    assert tuple(rows) == CONTRACT_KEYS


def test_a_friend_cannot_be_named_like_a_contract_key(tmp_path: Path) -> None:
    text = ("pligos: 1\nname: app\nfriends:\n  - name: routes\n    chart: {name: x, version: 1.0.0,"
            " repository: https://charts.example.com}\nimages:\n  - {name: a, repository: nginx, "
            "tag: '1'}\ncontexts:\n  - {name: dev, flavor: worker, image: a}\n")
    try:
        load_service_text(text, tmp_path, "pligos.yaml")
    except ConfigError as exc:
        messages = [p.message for p in exc.problems]
    else:
        messages = []
    assert "friend name 'routes' is a key of the values contract" in messages
