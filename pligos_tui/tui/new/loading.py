"""What the wizard reads once its first step is on screen.

The first step (the name, the description) is painted straight away; the template, the given
answers, the flavors to offer, the friends library and whether helm is there are read after
that, off the UI thread, by :func:`load_start` (typing into the first step meanwhile is not
held up). Nothing here imports more than the first step needs until it runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pligos_tui.jobs.scaffold import Answers, Given, Offered, Template

# reads the template and the answers given on the command line (raising a PligosError, which
# the command line reports, when either is wrong)
Load = Callable[[], "tuple[Template, Given]"]


@dataclass
class Start:
    """What the wizard starts from, read after its first paint."""

    template: Template
    given: Given
    flavors: list[tuple[str, str]]  # (name, description) of each flavor to offer
    library: str  # the friends library found (relative to the service), or the one given
    friends: list[Offered]  # the friends it defines
    helm: bool  # whether the review can render manifests (else it shows values)


def load_start(load: Load, dest: Path, *, flavors: list[tuple[str, str]] | None = None,
               helm: bool | None = None) -> Start:
    """Read what the wizard starts from; `flavors` and `helm`, when given, are taken as
    they are instead of being looked for."""
    from pligos_tui.helm import find_helm
    from pligos_tui.jobs import scaffold

    template, given = load()
    if flavors is None:
        flavors = scaffold.offered_flavors(given.answers, dest)
    if helm is None:
        helm = find_helm() is not None
    library, friends = scaffold.find_library(dest, given.answers.friends_library)
    scaffold.check_answers  # noqa: B018 - the checks' modules, loaded here rather than on a key
    return Start(template, given, flavors, library, friends, helm)


def preloaded(template: Template, answers: Answers, dest: Path) -> Load:
    """A :data:`Load` of a template and answers read already."""
    def load() -> tuple[Template, Given]:
        from pligos_tui.jobs.scaffold import Given

        return template, Given(answers, [], dest)
    return load

