"""The flags of `pligos gitops` that become names and fields of the objects are checked, and
--out writes where it is told."""

from __future__ import annotations

import pytest
import yaml

from support import run_cli

OCI = "oci://registry.example.com/charts"


@pytest.mark.parametrize(("args", "message"), [
    (["argocd", "--source", "oci", "--oci", OCI, "--namespace", "X_Y"],
     "--namespace 'X_Y' is not a DNS label"),
    (["argocd", "--source", "oci", "--oci", OCI, "--project", "My Project"],
     "--project 'My Project' must be a non-empty word"),
    (["argocd", "--repo", "https://git.example.com/p.git", "--revision", ""],
     "--revision '' must be a non-empty word"),
    (["argocd", "--repo", "not a url"], "--repo 'not a url' is not a git repository URL"),
    (["flux", "--oci", "oci://R/C?x"], "needs the registry pligos push wrote to"),
    (["flux", "--oci", OCI, "--branch", "dev"], "--branch names a git branch"),
    (["flux", "--repo", "https://git.example.com/p.git", "--branch", ""],
     "--branch '' must be a non-empty word"),
])
def test_flags_that_would_write_invalid_objects_are_refused(example, args, message, tmp_path):
    svc = example("hello")
    result = run_cli("gitops", args[0], str(svc), *args[1:], "--out", str(tmp_path / "o.yaml"))
    assert result.code == 2 and "Traceback" not in result.err
    assert message in result.err and result.out == ""
    assert not (tmp_path / "o.yaml").exists()


def test_flux_reads_a_plain_http_registry_with_insecure(example, tmp_path):
    svc = example("hello")
    out = tmp_path / "clusters" / "prod" / "pligos.yaml"  # its folders do not exist yet
    result = run_cli("gitops", "flux", str(svc), "--oci", OCI, "--insecure", "--out", str(out))
    assert result.code == 0, result.err
    objects = [d for d in yaml.safe_load_all(out.read_text()) if d]
    sources = [o for o in objects if o["kind"] == "OCIRepository"]
    assert sources and all(o["spec"]["insecure"] is True for o in sources)
    plain = run_cli("gitops", "flux", str(svc), "--oci", OCI)
    assert "insecure" not in plain.out


def test_out_below_a_file_is_an_error_not_a_crash(example, tmp_path):
    svc = example("hello")
    (tmp_path / "afile").write_text("x")
    result = run_cli("gitops", "argocd", str(svc), "--source", "oci", "--oci", OCI,
                     "--out", str(tmp_path / "afile" / "x") + "/")
    assert result.code == 2 and "Traceback" not in result.err
    assert "cannot write into" in result.err


def test_insecure_is_for_a_registry_only(example):
    result = run_cli("gitops", "flux", str(example("hello")), "--repo",
                     "https://git.example.com/p.git", "--insecure")
    assert result.code == 2 and "--insecure is for the plain-HTTP registry" in result.err
