"""Rules of image entries: a repository, exactly one of tag and digest, a known pullPolicy."""

from __future__ import annotations

from collections.abc import Iterator

from pligos_tui.errors import Rule, did_you_mean
from pligos_tui.spec.fields import DIGEST_RE, REPOSITORY_RE, TAG_RE
from pligos_tui.spec.model import Image
from pligos_tui.spec.rules.context import ABSENT, RuleContext
from pligos_tui.spec.rules.registry import Found, rule
from pligos_tui.spec.vocabulary import PULL_POLICIES

IMAGE_REPOSITORY = Rule("E-IMAGE-REPOSITORY", "an image's repository is empty, or is not an "
                        "image repository (a tag belongs in tag:)")
IMAGE_PIN = Rule("E-IMAGE-PIN", "an image needs exactly one of tag and digest")
IMAGE_TAG = Rule("E-IMAGE-TAG", "an image tag that is not valid")
IMAGE_DIGEST = Rule("E-IMAGE-DIGEST", "an image digest that is not valid")
PULL_POLICY = Rule("E-PULL-POLICY", "an image's pullPolicy is not one Kubernetes has")


@rule(IMAGE_REPOSITORY)
def repository(ctx: RuleContext) -> Iterator[Found]:
    for e in ctx.of(Image):
        if ctx.written(e.at + ("repository",)) == "":  # missing or null: the reader says so
            yield Found(e.at + ("repository",), f"image {e.name!r} has an empty repository",
                        "e.g. repository: registry.example.com/team/app")
        if e.repository and not REPOSITORY_RE.match(e.repository):
            yield Found(e.at + ("repository",), f"{e.repository!r} is not an image repository",
                        "e.g. registry.example.com/team/app (no tag here: use tag:)")


@rule(IMAGE_PIN)
def tag_or_digest(ctx: RuleContext) -> Iterator[Found]:
    for e in ctx.of(Image):
        if e.tag and e.digest:
            yield Found(e.at + ("digest",), f"image {e.name!r} has both a tag and a digest",
                        "keep one: the digest pins the image, the tag names it")
        elif (not e.tag and not e.digest and ctx.written(e.at + ("tag",)) is ABSENT
              and ctx.written(e.at + ("digest",)) is ABSENT):
            yield Found(e.at, f"image {e.name!r} needs a tag or a digest",
                        'add tag: "1.0.0" (or digest: sha256:...)', key=True)
        elif not e.tag and not e.digest and ctx.written(e.at + ("tag",)) in ("", None):
            yield Found(e.at + ("tag",), f"image {e.name!r} has an empty tag, which would "
                        f"render as {e.repository or 'REPOSITORY'}: with nothing after it",
                        'write the tag, e.g. tag: "1.0.0" (or pin it with digest: sha256:...)')


@rule(IMAGE_TAG)
def tag(ctx: RuleContext) -> Iterator[Found]:
    for e in ctx.of(Image):
        if e.tag and not TAG_RE.match(e.tag):
            yield Found(e.at + ("tag",), f"{e.tag!r} is not a valid image tag",
                        "letters, digits, '_', '.' and '-', at most 128 characters")


@rule(IMAGE_DIGEST)
def digest(ctx: RuleContext) -> Iterator[Found]:
    for e in ctx.of(Image):
        if e.digest and not DIGEST_RE.match(e.digest):
            yield Found(e.at + ("digest",), f"{e.digest!r} is not an image digest",
                        "e.g. sha256: followed by 64 hex digits")


@rule(PULL_POLICY)
def pull_policy(ctx: RuleContext) -> Iterator[Found]:
    for e in ctx.of(Image):
        if e.pull_policy not in PULL_POLICIES:
            yield Found(e.at + ("pullPolicy",), f"unknown pullPolicy {e.pull_policy!r}",
                        did_you_mean(e.pull_policy, list(PULL_POLICIES), loose=True)
                        or f"one of {', '.join(sorted(PULL_POLICIES))}")
