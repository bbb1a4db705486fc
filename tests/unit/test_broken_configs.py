"""A corpus of broken pligos.yaml files, one mistake a real user makes per file.

Each file in tests/fixtures/broken/ starts with header comments naming what must be reported:

    # what the mistake is
    # expect: LINE: a substring of the message      (one or more; LINE is the real file line)
    # expect-hint: a substring of the hint          (optional, any number)

For every case the loader must raise one ConfigError holding each expected problem (all of
them at once), with the expected hints on those problems; and `pligos generate` must print
each as `pligos.yaml:LINE:...`, exit with status 2 without a traceback, and write no chart.
The files under tests/fixtures/broken/files/ (a config file, a script) sit beside every case.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from pligos_tui.errors import ConfigError, Problem
from pligos_tui.spec.load import load_service

BROKEN = Path(__file__).resolve().parent.parent / "fixtures" / "broken"
SUPPORT_FILES = BROKEN / "files"

EXPECT = re.compile(r"# expect: (\d+): (.+)")
EXPECT_HINT = re.compile(r"# expect-hint: (.+)")

# Loader bugs found with this corpus. Each case fails today; strict xfail makes the suite
# say so when a fix lands, so that the entry is removed here.
KNOWN_BUGS: dict[str, str] = {}


@dataclass
class Case:
    path: Path
    expects: list[tuple[int, str]]
    hints: list[str]


def read_case(path: Path) -> Case:
    """The expectations in the leading comment block of a case file."""
    lines = path.read_bytes().decode("utf-8", errors="replace").splitlines()
    expects: list[tuple[int, str]] = []
    hints: list[str] = []
    for text in lines:
        if not text.startswith("#"):
            break
        if text.startswith("# expect"):
            expect, hint = EXPECT.fullmatch(text), EXPECT_HINT.fullmatch(text)
            assert expect or hint, f"{path.name}: malformed header line {text!r}"
            if expect:
                expects.append((int(expect.group(1)), expect.group(2)))
            elif hint:
                hints.append(hint.group(1))
    assert expects, f"{path.name}: no '# expect: LINE: message' header"
    for line, _ in expects:
        assert 0 < line <= len(lines), f"{path.name}: expected line {line} is not in the file"
    return Case(path, expects, hints)


def cases() -> list:
    params = []
    for path in sorted(BROKEN.glob("*.yaml")):
        marks = ([pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[path.stem])]
                 if path.stem in KNOWN_BUGS else [])
        params.append(pytest.param(path, id=path.stem, marks=marks))
    return params


def make_service(case_file: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "svc"
    shutil.copytree(SUPPORT_FILES, folder)
    shutil.copyfile(case_file, folder / "pligos.yaml")
    return folder


def listing(problems: list[Problem]) -> str:
    return "\n".join(f"  {p.line}: {p.message}  (hint: {p.hint})" for p in problems)


def check_loader(case: Case, folder: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_service(folder)
    problems = raised.value.problems
    unlocated = [p for p in problems if p.line is None]
    assert not unlocated, f"problem without a line:\n{listing(problems)}"
    matched: list[Problem] = []
    for line, text in case.expects:
        found = [p for p in problems if p.line == line and text in p.message]
        assert found, f"no problem on line {line} with {text!r}; reported:\n{listing(problems)}"
        matched.extend(found)
    for hint in case.hints:
        assert any(hint in p.hint for p in matched), (
            f"no hint with {hint!r} on the expected problems; reported:\n{listing(problems)}")


def check_cli(case: Case, folder: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PLIGOS_DEBUG"}
    result = subprocess.run([sys.executable, "-m", "pligos_tui", "generate", str(folder)],
                            capture_output=True, text=True, cwd=folder.parent, env=env,
                            timeout=120, check=False)
    stderr = result.stderr
    assert result.returncode == 2, f"exit {result.returncode}\n{result.stdout}{stderr}"
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    for line, text in case.expects:
        located = [out for out in stderr.splitlines() if f"pligos.yaml:{line}:" in out]
        assert located, f"nothing printed at pligos.yaml:{line}:\n{stderr}"
        assert any(text in out for out in located), f"line {line} lacks {text!r}:\n{stderr}"
    for hint in case.hints:
        assert any(out.lstrip().startswith("hint:") and hint in out
                   for out in stderr.splitlines()), f"no hint with {hint!r}:\n{stderr}"
    assert not (folder / "charts").exists(), "a chart was written for a broken pligos.yaml"


@pytest.mark.parametrize("case_file", cases())
def test_broken_config_is_reported(case_file: Path, tmp_path: Path) -> None:
    case = read_case(case_file)
    folder = make_service(case_file, tmp_path)
    check_loader(case, folder)
    check_cli(case, folder)
