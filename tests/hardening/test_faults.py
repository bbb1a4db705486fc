"""Faults: interrupted runs, concurrent runs, full or read-only disks, a failing Vault.

Whatever happens, each chart is either the old one or the new one, never a mix; the next run
recovers without manual cleanup; a failure is a clear error with the old charts intact."""

from __future__ import annotations

import json
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pligos_tui.charts.chart import content_hash, disk_files
from pligos_tui.spec.vocabulary import MARKER
from support import EXAMPLES, make_tree, register_secret, run_cli

SERVICES = 12


def _tree(root: Path, replicas: int) -> Path:
    for i in range(SERVICES):
        svc = root / f"svc-{i:02d}"
        if not svc.exists():
            shutil.copytree(EXAMPLES / "tokend", svc, ignore=shutil.ignore_patterns("charts"))
        text = (EXAMPLES / "tokend" / "pligos.yaml").read_text()
        text = text.replace("name: tokend", f"name: svc-{i:02d}", 1)
        text = text.replace("replicas: 3", f"replicas: {replicas}")
        # (the autoscaler's maximum stays above the replicas, its minimum)
        text = text.replace("maxReplicas: 10}", "maxReplicas: 10000}")
        assert "maxReplicas: 10000}" in text
        (svc / "pligos.yaml").write_text(text)
    return root


LIBRARY = "_pligos"  # the helpers' library chart of a charts root, beside the contexts


def _charts(root: Path) -> list[Path]:
    """The charts in place, the helpers' library included (not the half-written folders an
    interrupted run left aside)."""
    return sorted(p.parent for p in root.rglob(MARKER) if ".pligos-" not in p.parent.name)


def _assert_whole(chart: Path) -> int | None:
    """The chart is complete and consistent; returns the replicas it says (None for the
    helpers' library, which has no values, and for a flavor without replicas: a cronjob)."""
    marker = json.loads((chart / MARKER).read_text())
    assert content_hash(disk_files(chart)) == marker["hash"], f"{chart} is a mix"
    if chart.name == LIBRARY:
        assert not (chart / "values.yaml").exists()
        return None
    text = (chart / "values.yaml").read_text()
    if "\nreplicas: " not in text:
        assert "\nschedule: " in text, f"{chart} says no replicas"
        return None
    return int(text.split("\nreplicas: ", 1)[1].split("\n", 1)[0])


def _leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if ".pligos-new-" in p.name or ".pligos-old-" in p.name]


DEBRIS = re.compile(r"^\..+\.pligos-|\.pligos-tmp$|\.tmp$|~$")


def _debris(root: Path) -> list[str]:
    """What an interrupted write may leave anywhere below root: `.NAME.pligos-new-PID`,
    `.NAME.pligos-old-PID`, `.NAME.PID.HEX.pligos-tmp` and other temporary files."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if DEBRIS.search(p.name))


def _generate(root: Path, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "pligos_tui", "generate", str(root)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def test_kill_minus_nine_leaves_old_or_new_charts(tmp_path):
    root = _tree(tmp_path / "tree", replicas=3)
    assert run_cli("generate", str(root)).code == 0
    rng = random.Random(20261125)
    replicas = 3
    for _ in range(12):
        replicas += 1
        _tree(root, replicas)
        proc = _generate(root)
        time.sleep(rng.uniform(0.05, 0.6))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for chart in _charts(root):  # each chart is whole: the old one or the new one
            value = _assert_whole(chart)
            if "/prod/" in str(chart):
                assert 3 <= value <= replicas
        # the next run (itself interrupted or not) starts from whatever is there
    result = run_cli("generate", str(root))
    assert result.code == 0, result.err
    for chart in _charts(root):
        value = _assert_whole(chart)
        if "/prod/" in str(chart):
            assert value == replicas
    assert _leftovers(root) == []
    assert _debris(root) == []  # nothing any killed run left, charts or state files
    checked = run_cli("check", str(root), "--no-lint")
    assert checked.code == 0, checked.out + checked.err


def test_two_runs_at_once_both_finish_with_whole_charts(tmp_path):
    root = _tree(tmp_path / "tree", replicas=3)
    assert run_cli("generate", str(root)).code == 0
    _tree(root, replicas=7)
    first, second = _generate(root), _generate(root)
    for proc in (first, second):
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    for chart in _charts(root):
        value = _assert_whole(chart)
        if "/prod/" in str(chart):
            assert value == 7
    assert _leftovers(root) == []


def _generated_then_changed(tmp_path: Path) -> tuple[Path, dict]:
    """A copy of tokend with its charts generated, then its pligos.yaml changed: the service
    and the charts as they were."""
    svc = tmp_path / "tokend"
    shutil.copytree(EXAMPLES / "tokend", svc, ignore=shutil.ignore_patterns("charts"))
    assert run_cli("generate", str(svc)).code == 0
    before = {c: disk_files(c) for c in _charts(svc)}
    text = (svc / "pligos.yaml").read_text().replace("replicas: 3", "replicas: 4")
    (svc / "pligos.yaml").write_text(text)
    return svc, before


def test_full_disk_is_a_clear_error_and_keeps_the_old_charts(tmp_path):
    svc, before = _generated_then_changed(tmp_path)

    def small_disk() -> None:  # files may not grow past 8 KiB: like a disk that fills up
        resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))

    proc = subprocess.run([sys.executable, "-m", "pligos_tui", "generate", str(svc)],
                          capture_output=True, text=True, preexec_fn=small_disk, check=False)
    assert proc.returncode == 2
    assert "error: cannot write" in proc.stderr and "previous chart was left" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert {c: disk_files(c) for c in _charts(svc)} == before
    assert _leftovers(svc) == []


def test_read_only_output_is_a_clear_error(tmp_path):
    svc, before = _generated_then_changed(tmp_path)
    charts = svc / "charts"
    bind = subprocess.run(["mount", "--bind", str(charts), str(charts)], capture_output=True)
    if bind.returncode != 0:
        pytest.skip("cannot bind-mount here (needs root in a mount namespace)")
    try:
        ro = subprocess.run(["mount", "-o", "remount,bind,ro", str(charts)], capture_output=True)
        assert ro.returncode == 0, ro.stderr
        result = run_cli("generate", str(svc))
    finally:
        subprocess.run(["umount", str(charts)], check=True)
    assert result.code == 2
    assert "Read-only file system" in result.err and "Traceback" not in result.err
    assert {c: disk_files(c) for c in _charts(svc)} == before


class _FakeVault(BaseHTTPRequestHandler):
    """Answers like Vault's KV v2 API; `behaviour` decides what the second secret gets."""

    behaviour = "ok"
    served: list[str] = []

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        self.served.append(self.path)
        if self.path.startswith("/v1/sys/internal/ui/mounts/"):
            return self._send(200, {"data": {"options": {"version": "2"}, "type": "kv"}})
        name = self.path.rsplit("/", 1)[-1]
        if name == "signing-key" and self.behaviour == "403":
            return self._send(403, {"errors": ["permission denied"]})
        if name == "signing-key" and self.behaviour == "404":
            return self._send(404, {"errors": []})
        if name == "signing-key" and self.behaviour == "slow":
            time.sleep(3)
        data = {"tls.crt": "c", "tls.key": "k"} if name == "app-tls" else {"key.pem": "k"}
        self._send(200, {"data": {"data": data, "metadata": {"version": 1}}})

    def _send(self, status: int, body: dict) -> None:
        raw = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture
def fake_vault():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeVault)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(("behaviour", "message"), [
    ("403", "Vault refused access to secret/svc/dev/signing-key"),
    ("404", "no secret at secret/svc/dev/signing-key"),
    ("slow", "did not answer within 1 s"),
])
def test_vault_failing_mid_run_writes_nothing(fake_vault, tmp_path, behaviour, message):
    _FakeVault.behaviour = behaviour
    _FakeVault.served = []
    port = fake_vault.server_address[1]
    svc = make_tree(tmp_path / "svc", {"pligos.yaml": f"""
        pligos: 1
        name: svc
        secrets: {{provider: vault, address: "http://127.0.0.1:{port}", path: "svc/{{context}}",
                  timeout: 1}}
        images: [{{name: i, repository: example/svc, tag: "1"}}]
        routes: [{{name: http, port: 80, fqdn: svc.example.com, tls: app-tls}}]
        mounts: [{{name: key, path: /keys, secret: signing-key}}]
        contexts: [{{name: dev, flavor: webservice, image: i, routes: [http], mounts: [key]}}]
    """})
    started = time.monotonic()
    register_secret("fake-token-for-tests")
    result = run_cli("generate", str(svc), env={"VAULT_TOKEN": "fake-token-for-tests"})
    assert result.code == 2
    assert message in result.err, result.err
    assert "Traceback" not in result.err and "fake-token-for-tests" not in result.err
    assert not (svc / "charts").exists()
    assert time.monotonic() - started < 20
    assert any(p.endswith("/app-tls") for p in _FakeVault.served)  # the first one was read


def test_generation_is_deterministic_wherever_it_writes(tmp_path):
    svc = tmp_path / "tokend"
    shutil.copytree(EXAMPLES / "tokend", svc, ignore=shutil.ignore_patterns("charts"))
    outs = [tmp_path / "a", tmp_path / "elsewhere" / "deeper" / "b"]
    for out in outs:
        assert run_cli("generate", str(svc), "--out", str(out)).code == 0
    trees = [{p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*")
              if p.is_file() and p.name != ".pligos-inputs.json"} for out in outs]
    assert trees[0] == trees[1]
    assert all(str(tmp_path).encode() not in data for data in trees[0].values())
    time.sleep(1.1)  # a later run (other timestamps) gives the same bytes
    shutil.rmtree(outs[0])
    assert run_cli("generate", str(svc), "--out", str(outs[0])).code == 0
    again = {p.relative_to(outs[0]).as_posix(): p.read_bytes() for p in outs[0].rglob("*")
             if p.is_file() and p.name != ".pligos-inputs.json"}
    assert again == trees[0]


def _tree_of_48_charts(root):
    """12 services of 4 contexts each: past the count from which two processes write."""
    for i in range(12):
        make_tree(root / f"s{i:02d}", {"pligos.yaml": f"""
            pligos: 1
            name: s{i:02d}
            images: [{{name: i, repository: example/s{i:02d}, tag: "1"}}]
            contexts: [{{name: a, flavor: worker, image: i}}, {{name: b, flavor: worker, image: i}},
                       {{name: c, flavor: worker, image: i}}, {{name: d, flavor: worker, image: i}}]
        """})
    return root


def test_a_large_tree_written_by_two_processes_is_complete(tmp_path):
    """Past a few dozen charts the writing is shared by two processes: every chart is
    written, whole, once; and a second run finds all of them unchanged."""
    root = _tree_of_48_charts(tmp_path / "tree")
    out = tmp_path / "out"
    result = run_cli("generate", str(root), "--out", str(out), "--json")
    assert result.code == 0, result.err
    assert len(json.loads(result.out)["written"]) == 48
    charts = _charts(out)
    assert [c for c in charts if c.name == LIBRARY] == [out / LIBRARY]  # once per root
    assert len(charts) == 48 + 1
    for chart in charts:
        marker = json.loads((chart / MARKER).read_text())
        assert content_hash(disk_files(chart)) == marker["hash"]
    again = json.loads(run_cli("generate", str(root), "--out", str(out), "--json").out)
    assert len(again["unchanged"]) == 48 and again["written"] == []


def test_a_refusal_in_a_large_run_is_reported_with_its_hint_before_any_write(tmp_path):
    """A folder Pligos did not make among the destinations of a run large enough for two
    writing processes: the message, its hint, exit 2, the folder untouched, nothing written."""
    root = _tree_of_48_charts(tmp_path / "tree")
    out = tmp_path / "out"
    mine = make_tree(out / "c" / "s07", {"notes.txt": "mine\n"})
    result = run_cli("generate", str(root), "--out", str(out))
    assert result.code == 2, result.out + result.err
    assert "exists and was not generated by Pligos; nothing was written" in result.err
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == [
        "c", "c/s07", "c/s07/notes.txt"]
    assert "hint: move it away, or write the charts elsewhere with --out DIR" in result.err
    assert "Traceback" not in result.err and "internal error" not in result.err
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]


def test_kill_minus_nine_during_new_leaves_nothing_or_a_whole_service(tmp_path):
    rng = random.Random(7)
    args = ["new", "--no-input", "--set", "name=billing", "--set", "flavor=webservice"]
    for attempt in range(8):
        dest = tmp_path / f"svc{attempt}"
        proc = subprocess.Popen([sys.executable, "-m", "pligos_tui", *args[:1], str(dest),
                                 *args[1:]], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.1, 1.2))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if dest.exists():  # the whole service, or nothing
            assert (dest / "pligos.yaml").is_file()
            for chart in _charts(dest):
                _assert_whole(chart)
            assert run_cli("check", str(dest), "--no-lint").code == 0
            assert run_cli(*args[:1], str(dest), *args[1:]).code == 2  # refused: not empty
        else:
            result = run_cli(*args[:1], str(dest), *args[1:])
            assert result.code == 0, result.err
            assert run_cli("check", str(dest), "--no-lint").code == 0
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


SAVER = """
import sys
from pathlib import Path
from pligos_tui.io.files import atomic_write
path = Path(sys.argv[1])
for i in range(100000):
    atomic_write(path, (f"# save {i}\\n" + "x: 1\\n" * 2000).encode())
"""


def test_kill_minus_nine_during_a_save_leaves_the_old_or_the_new_file(tmp_path):
    target = tmp_path / "pligos.yaml"
    target.write_text("# save start\n" + "x: 1\n" * 2000)
    rng = random.Random(11)
    for _ in range(10):
        proc = subprocess.Popen([sys.executable, "-c", SAVER, str(target)])
        time.sleep(rng.uniform(0.1, 0.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        lines = target.read_text().splitlines()
        assert lines[0].startswith("# save ") and lines[1:] == ["x: 1"] * 2000
    from pligos_tui.io.files import atomic_write

    atomic_write(target, b"x: 2\n")  # the next save cleans what the killed ones left
    assert [p.name for p in tmp_path.iterdir()] == ["pligos.yaml"]
    assert target.read_text() == "x: 2\n"
