"""Where the values of friends and secrets come from, for `pligos explain`.

`FriendsTrace` is `explain_trace.Trace` with the contract's `friends`, the subchart values of
requirement friends (their definition's, then what the context's `friends:` entry gives) and
`secrets`, each secret named with the lines that use it, never with its data (the values hold
none: `explain` compiles without reading a secret store).
"""

from __future__ import annotations

from typing import Any

from pligos_tui.io.keypath import KeyPath
from pligos_tui.jobs.explain_trace import (
    DEFAULT,
    DERIVED,
    FRIEND,
    MISSING,
    Source,
    Trace,
    value_at,
)
from pligos_tui.spec.model import Friend
from pligos_tui.spec.rules.secrets import uses_in
from pligos_tui.spec.vocabulary import DEFAULT_REFRESH_INTERVAL, INLINE, SECRET_STORE_KINDS


class FriendsTrace(Trace):
    """The sources of a compiled context's values, its friends' and secrets' included."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._handlers.update(friends=self._friends, secrets=self._secrets)

    def _friend_source(self, friend: Friend, at: KeyPath, kind: str = FRIEND,
                       reason: str = "") -> Source:
        return Source(kind, reason or friend.name, f"friend {friend.name} ({friend.file})",
                      friend.doc, friend.at + at, self._assigner("friends"))

    def _friends(self, path: KeyPath, value: Any) -> Source | None:
        friend = self.svc.friends.get(str(path[1])) if len(path) > 2 else None
        if friend is None:
            return self._default("the context uses no friends")
        key, rest = path[2], path[3:]
        if key == "type":
            if friend.at + ("type",) in friend.doc.marks:
                return self._friend_source(friend, ("type",))
            return self._default("a friend is a requirement unless it says otherwise")
        if key == "alias":
            return self._friend_source(friend, ("name",), DERIVED,
                                       "a requirement's subchart alias: its name"
                                       if value else "a dependency has no alias")
        if key == "config":
            return self._friend_source(friend, ("config", *rest))
        if key in ("env", "credentials") and not rest:
            return self._friend_source(friend, ("name",), DERIVED, f"friend {friend.name} has no "
                                       + ("config" if key == "env" else "credentials"))
        if key in ("env", "credentials") and rest and isinstance(rest[0], int):
            names = list(friend.config if key == "env" else friend.credentials)
            if rest[0] < len(names):
                name = names[rest[0]]
                field = "config" if key == "env" else "credentials"
                return self._friend_source(friend, (field, name), DERIVED,
                                           f"from {field}.{name} of friend {friend.name}")
        return None

    def _requirement(self, path: KeyPath, value: Any) -> Source | None:
        """A requirement friend's subchart values: the context's over the friend's own."""
        friend = self.svc.friends[str(path[0])]
        use = next((u for u in self.ctx.friends if u.name == friend.name), None)
        rest = path[1:]
        if use is not None and value_at(use.values, rest) == value:
            owner = self._owner(use.at)
            if owner is not None:
                return self._by_context(owner, use.at + ("values", *rest),
                                        f"the values of friend {friend.name} in {owner.name}")
        if value_at(friend.values, rest) == value:
            return self._friend_source(friend, ("values", *rest))
        return None

    def _secrets(self, path: KeyPath, value: Any) -> Source | None:
        if len(path) < 3:
            return self._default("the context uses no secrets")
        name, key = str(path[1]), path[2]
        uses = [u for u in uses_in(self.svc, self.ctx, self.settings) if u.name == name]
        used = "; ".join(f"{u.what} ({u.doc.file}:{u.doc.line(u.at)})" for u in uses)
        detail = f"secret {name}, used by {used}" if uses else f"secret {name}"
        if key == "type" and uses:
            more = f" and {len(uses) - 1} more" if len(uses) > 1 else ""
            return Source(DERIVED, f"used by {uses[0].what}{more}", detail, uses[0].doc,
                          uses[0].at)
        if key in ("delivery", "refreshInterval") or (key == "store" and len(path) > 3):
            found = self._delivery((key, *path[3:]), detail)
            if found is not None:
                return found
            default = {"delivery": INLINE, "refreshInterval": DEFAULT_REFRESH_INTERVAL}.get(
                str(key), SECRET_STORE_KINDS[0] if path[-1] == "kind" else "")
            return Source(DEFAULT, "", f"{default or 'none'}; {detail}")
        if key == "name":
            return self._delivery(("names", name), detail) or Source(
                DERIVED, "the secret's own name", detail)
        return Source(DERIVED, f"where the provider keeps {name}" if key == "remoteKey"
                      else f"the keys {name} needs", detail, uses[0].doc if uses else None,
                      uses[0].at if uses else ())

    def _delivery(self, rest: KeyPath, detail: str) -> Source | None:
        """How secret data is delivered: a context's `secrets:`, else the secrets block's."""
        for c in self.chain:
            if c.secrets is not None and value_at(c.secrets, rest) is not MISSING:
                return self._by_context(c, c.at + ("secrets", *rest), detail)
            if "secrets" in c.unset:
                break
        block = self.svc.secrets
        if block is not None and value_at(block.settings, rest) is not MISSING:
            return self._derived("the secrets: block", detail, at=("secrets", *rest))
        return None
