"""`pligos push` against registries that fail: one that never answers, and a reference with a
password in it, which no message may repeat."""

from __future__ import annotations

import socket
import threading

import pytest

from support import run_cli


def test_a_registry_that_never_answers_is_an_error_not_a_hang(example, helm_bin):
    svc = example("hello")
    assert run_cli("generate", str(svc), "--context", "dev").code == 0
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    port = server.getsockname()[1]
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:  # takes connections and never says a word
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        result = run_cli("push", str(svc), "--context", "dev", "--to",
                         f"oci://127.0.0.1:{port}/charts", "--plain-http",
                         env={"PLIGOS_REGISTRY_TIMEOUT": "2"})
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()
    assert result.code == 2 and "Traceback" not in result.err
    assert "did not finish within 2 s" in result.err
    assert f"127.0.0.1:{port}" in result.err and "running and reachable" in result.err


def test_a_password_in_the_registry_reference_is_refused_and_never_shown(example, helm_bin):
    svc = example("hello")
    assert run_cli("generate", str(svc), "--context", "dev").code == 0
    result = run_cli("push", str(svc), "--context", "dev", "--to",
                     "oci://robot:hunter2-pw@127.0.0.1:9/charts", "--plain-http")
    assert result.code == 2
    assert "hunter2-pw" not in result.err + result.out
    assert "helm registry login 127.0.0.1:9" in result.err


@pytest.mark.parametrize("to", ["oci://registry.example.com", "oci://registry.example.com/",
                                "oci://r.example.com/c?x=1", "oci://r.example.com/a b"])
def test_a_registry_address_without_a_repository_is_refused(example, to):
    svc = example("hello")
    result = run_cli("push", str(svc), "--context", "dev", "--to", to)
    assert result.code == 2 and "is not the address of a repository" in result.err
