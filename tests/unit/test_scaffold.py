"""`pligos new` without a terminal: the answers model, the checks, the one writer."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from support import kube_validate, lint_strict, make_tree, render, run_cli

from pligos_tui.spec.flavors import BUILTIN_DIR
from pligos_tui.jobs import scaffold
from pligos_tui.jobs.scaffold import Answers, ContextAnswers, answers_from, check_answers


def tree_state(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def new(tmp_path: Path, *args: str):
    return run_cli("new", *args, cwd=tmp_path)


# --------------------------------------------------------------------------- --no-input

def test_no_input_writes_a_service_whose_charts_lint(tmp_path, helm_bin):
    result = new(tmp_path, "billing", "--no-input", "--set", "name=billing",
                 "--set", "flavor=webservice")
    assert result.code == 0, result.err
    assert "wrote billing: " in result.out
    svc = tmp_path / "billing"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["billing"]  # no staging left
    doc = yaml.safe_load((svc / "pligos.yaml").read_text())
    assert [c["name"] for c in doc["contexts"]] == ["dev", "prod"]
    assert doc["contexts"][1]["replicas"] == 2
    for ctx in ("dev", "prod"):
        chart = svc / "charts" / ctx / "billing"
        lint_strict(helm_bin, chart)
        manifests = render(helm_bin, chart)
        kube_validate(manifests, tmp_path)
        kinds = sorted({m["kind"] for m in manifests})
        # with its secure defaults; prod's two replicas get a disruption budget
        assert kinds == ["ConfigMap", "Deployment", "NetworkPolicy",
                         *(["PodDisruptionBudget"] if ctx == "prod" else []), "Service",
                         "ServiceAccount"]
    assert (svc / "config" / "app.yaml").is_file()
    assert not (svc / "script").exists()  # start=image: no starter script
    gitignore = (svc / ".gitignore").read_text()
    assert "/secrets/" in gitignore and "/charts/**/secrets/" in gitignore
    assert "# billing" in (svc / "README.md").read_text()
    # `pligos check` agrees the charts are valid and up to date
    checked = run_cli("check", str(svc), cwd=tmp_path)
    assert checked.code == 0, checked.out + checked.err


def test_second_run_refuses_and_changes_nothing(tmp_path):
    args = ("svc", "--no-input", "--set", "name=billing", "--set", "flavor=webservice")
    assert new(tmp_path, *args).code == 0
    before = tree_state(tmp_path)
    again = new(tmp_path, *args, "--set", "description=changed")
    assert again.code == 2
    assert again.err.splitlines()[0] == "error: svc is not empty; nothing was written"
    assert "--force" in again.err
    assert tree_state(tmp_path) == before


def test_missing_required_answers_are_listed(tmp_path):
    result = new(tmp_path, "x", "--no-input", "--set", "description=hi")
    assert result.code == 2
    assert result.err.splitlines()[0] == "error: missing required answers: name, flavor"
    assert "Traceback" not in result.err
    assert list(tmp_path.iterdir()) == []


def test_bad_answers_are_named_and_nothing_is_written(tmp_path):
    result = new(tmp_path, "x", "--no-input", "--set", "name=Bad_Name", "--set", "flavor=webz",
                 "--set", "port=70000", "--set", "contexts.prod.fqdn=NOT A HOST")
    assert result.code == 2
    lines = result.err.splitlines()
    assert lines[0] == "error: 4 answers to fix; nothing was written"
    assert any(line.startswith("  name: service name 'Bad_Name' is not a DNS label")
               for line in lines)
    assert ("  flavor: unknown flavor 'webz' (flavors are: cronjob, daemonset, job, "
            "statefulset, webservice, worker)") in lines
    assert any(line.startswith("  port: port 70000 is outside 1-65535") for line in lines)
    assert any(line.startswith("  contexts.prod.fqdn: 'NOT A HOST' is not a host name")
               for line in lines)
    assert list(tmp_path.iterdir()) == []


def test_unknown_and_malformed_answers(tmp_path):
    result = new(tmp_path, "x", "--no-input", "--set", "nmae=billing", "--set", "port=eighty",
                 "--set", "novalue")
    assert result.code == 2
    assert "error: --set 'novalue' is not KEY=VALUE" in result.err
    result = new(tmp_path, "x", "--no-input", "--set", "nmae=billing", "--set", "port=eighty")
    assert "unknown answer 'nmae' (did you mean 'name'?)" in result.err
    assert "port must be a whole number, not 'eighty'" in result.err
    assert list(tmp_path.iterdir()) == []


def test_answers_file_with_context_settings_and_set_wins(tmp_path, helm_bin):
    make_tree(tmp_path, {"answers.yaml": """
        name: tokend
        flavor: webservice
        description: Issues tokens
        image: {repository: ghcr.io/acme/tokend, tag: "1.4.2"}
        start: executable
        command: /tokend --listen :8080
        probe: tcp
        contexts:
          dev: {replicas: 1}
          staging: {replicas: 2}
          prod: {replicas: 3, fqdn: tokens.example.com, cpu: 100m, memory: 128Mi}
        """})
    result = new(tmp_path, "out", "--no-input", "--answers", "answers.yaml",
                 "--set", "contexts.prod.replicas=4")
    assert result.code == 0, result.err
    doc = yaml.safe_load((tmp_path / "out" / "pligos.yaml").read_text())
    assert doc["images"] == [{"name": "app", "repository": "ghcr.io/acme/tokend",
                              "tag": "1.4.2"}]
    assert doc["commands"] == [{"name": "start", "type": "executable", "command": ["/tokend"],
                                "args": ["--listen", ":8080"]}]
    prod = doc["contexts"][2]
    assert (prod["name"], prod["replicas"], prod["routes"], prod["resources"]) == (
        "prod", 4, ["http-prod"], "prod")
    chart = tmp_path / "out" / "charts" / "prod" / "tokend"
    lint_strict(helm_bin, chart)
    manifests = render(helm_bin, chart)
    kube_validate(manifests, tmp_path)
    ingress = [m for m in manifests if m["kind"] == "Ingress"]
    assert ingress[0]["spec"]["rules"][0]["host"] == "tokens.example.com"
    assert sorted(p.name for p in (tmp_path / "out" / "charts").iterdir()
                  if p.is_dir()) == ["_pligos", "dev", "prod", "staging"]  # (the helpers once)


@pytest.mark.parametrize("flavor,kinds", [
    ("worker", ["ConfigMap", "Deployment", "NetworkPolicy", "ServiceAccount"]),
    ("cronjob", ["ConfigMap", "CronJob", "NetworkPolicy", "ServiceAccount"])])
def test_other_flavors_get_only_what_they_accept(tmp_path, helm_bin, flavor, kinds):
    result = new(tmp_path, "job", "--no-input", "--set", "name=job", "--set", f"flavor={flavor}",
                 "--set", "start=script", "--set", "config=no")
    assert result.code == 0, result.err
    svc = tmp_path / "job"
    assert (svc / "script" / "start.sh").read_text().startswith("#!/bin/sh\n")
    assert not (svc / "config").exists()
    doc = yaml.safe_load((svc / "pligos.yaml").read_text())
    assert "routes" not in doc
    for ctx in ("dev", "prod"):
        chart = svc / "charts" / ctx / "job"
        lint_strict(helm_bin, chart)
        manifests = render(helm_bin, chart)
        kube_validate(manifests, tmp_path)
        budget = ["PodDisruptionBudget"] if ctx == "prod" and flavor == "worker" else []
        # the script's ConfigMap, the secure defaults, prod's disruption budget (2 replicas)
        assert sorted({m["kind"] for m in manifests}) == sorted(kinds + budget)


def test_force_adds_files_and_keeps_the_rest(tmp_path):
    make_tree(tmp_path, {"svc/notes.txt": "mine\n", "svc/README.md": "old readme\n",
                         "svc/charts/dev/hand/Chart.yaml": "name: hand\n"})
    result = new(tmp_path, "svc", "--no-input", "--set", "name=hand", "--set",
                 "flavor=worker", "--force")
    # the chart folder charts/dev/hand/ was not written by Pligos: it is refused, kept as is
    assert result.code == 2
    assert "charts/dev/hand" in result.err
    assert (tmp_path / "svc" / "notes.txt").read_text() == "mine\n"
    assert (tmp_path / "svc" / "charts/dev/hand/Chart.yaml").read_text() == "name: hand\n"
    shutil.rmtree(tmp_path / "svc" / "charts")
    result = new(tmp_path, "svc", "--no-input", "--set", "name=hand", "--set",
                 "flavor=worker", "--force")
    assert result.code == 0, result.err
    assert (tmp_path / "svc" / "notes.txt").read_text() == "mine\n"
    assert "# hand" in (tmp_path / "svc" / "README.md").read_text()
    assert (tmp_path / "svc" / "charts/prod/hand/Chart.yaml").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["svc"]


def test_custom_template_and_its_own_prompts(tmp_path):
    make_tree(tmp_path, {
        "tpl/cookiecutter.json": json.dumps({"name": "x", "team": "platform",
                                             "tier": ["gold", "silver"], "_pligos_yaml": ""}),
        "tpl/{{cookiecutter.name}}/pligos.yaml": "{{ cookiecutter._pligos_yaml }}\n",
        "tpl/{{cookiecutter.name}}/OWNERS": "{{ cookiecutter.team }} {{ cookiecutter.tier }}\n",
    })
    template = scaffold.load_template(str(tmp_path / "tpl"))
    assert template.own_prompts == {"team": "platform", "tier": ["gold", "silver"]}
    result = new(tmp_path, "svc", "--no-input", "--template", "tpl", "--set", "name=api",
                 "--set", "flavor=worker", "--set", "config=no", "--set", "team=payments")
    assert result.code == 0, result.err
    assert (tmp_path / "svc" / "OWNERS").read_text() == "payments gold\n"
    assert yaml.safe_load((tmp_path / "svc" / "pligos.yaml").read_text())["name"] == "api"


def test_template_that_writes_an_invalid_service_writes_nothing(tmp_path):
    make_tree(tmp_path, {
        "tpl/cookiecutter.json": json.dumps({"name": "x"}),
        "tpl/{{cookiecutter.name}}/pligos.yaml": "pligos: 1\nname: {{ cookiecutter.name }}\n"
                                                 "contexts: []\nbogus: 1\n",
    })
    result = new(tmp_path, "svc", "--no-input", "--template", "tpl", "--set", "name=api",
                 "--set", "flavor=worker")
    assert result.code == 2
    assert "unknown key 'bogus'" in result.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tpl"]


def test_flavor_path_is_recorded_relative_to_the_service(tmp_path, helm_bin):
    flavor = tmp_path / "flavors" / "tiny"
    shutil.copytree(BUILTIN_DIR / "worker", flavor)
    (flavor / "flavor.yaml").write_text('description: "A tiny worker"\n'
                                        "accepts: [image, command, env]\nrequires: [image]\n")
    result = new(tmp_path, "services/api", "--no-input", "--flavor-path", "flavors",
                 "--set", "name=api", "--set", "flavor=tiny")
    assert result.code == 0, result.err
    doc = yaml.safe_load((tmp_path / "services/api/pligos.yaml").read_text())
    assert doc["flavorPaths"] == ["../../flavors"]
    assert "probes" not in doc and "mounts" not in doc  # tiny accepts neither
    lint_strict(helm_bin, tmp_path / "services/api/charts/dev/api")


# --------------------------------------------------------------------------- the model

def test_check_maps_loader_problems_to_answers(tmp_path):
    answers = answers_from([("name", "ok"), ("port", "0"), ("contexts.prod.cpu", "lots"),
                            ("contexts.prod.fqdn", "api.example.com"), ("probe.path", "")])
    check = check_answers(answers, tmp_path / "ok")
    assert set(check.fields) == {"port", "contexts.prod.cpu"}
    assert check.first("port").startswith("port 0 is outside 1-65535")
    assert "'lots' is not a Kubernetes quantity" in check.first("contexts.prod.cpu")


def test_check_of_good_answers_is_clean_and_text_loads(tmp_path):
    from pligos_tui.spec.load import load_service_text

    answers = Answers(name="api", contexts=[ContextAnswers("dev"), ContextAnswers("qa", 2)])
    check = check_answers(answers, tmp_path / "api")
    assert check.ok, check.fields
    svc = load_service_text(check.text, tmp_path, "pligos.yaml", check=False)
    assert [c.name for c in svc.contexts] == ["dev", "qa"]


def test_exec_command_needs_words_and_balanced_quotes(tmp_path):
    answers = answers_from([("name", "api"), ("start", "executable"), ("probe", "exec"),
                            ("probe.command", "cat '/tmp/ready")])
    check = check_answers(answers, tmp_path / "api")
    assert check.first("command").startswith("give the command to run")
    assert check.first("probe.command") == "unbalanced quotes"


def test_contexts_answer_keeps_settings_of_known_contexts():
    answers = answers_from([("contexts.prod.replicas", "5"), ("contexts", "dev,staging,prod")])
    assert [(c.name, c.replicas) for c in answers.contexts] == [
        ("dev", 1), ("staging", 1), ("prod", 5)]


# --------------------------------------------------------------------------- packaging

def test_the_wheel_ships_the_template_and_new_works_from_it(tmp_path):
    import subprocess
    import sys
    import zipfile

    from support import ROOT

    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                            str(tmp_path / "dist"), str(ROOT)], capture_output=True,
                           text=True, check=False)
    assert built.returncode == 0, built.stderr
    wheel = next((tmp_path / "dist").glob("pligos_tui-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    base = "pligos_tui/_cookiecutters/service/"
    for rel in ("cookiecutter.json", "hooks/post_gen_project.py",
                "{{cookiecutter.name}}/pligos.yaml", "{{cookiecutter.name}}/.gitignore",
                "{{cookiecutter.name}}/README.md", "{{cookiecutter.name}}/config/app.yaml",
                "{{cookiecutter.name}}/script/start.sh"):
        assert base + rel in names
    target = tmp_path / "site"
    installed = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q",
                                "--target", str(target), str(wheel)],
                               capture_output=True, text=True, check=False)
    assert installed.returncode == 0, installed.stderr
    work = tmp_path / "work"
    work.mkdir()
    env = {"PYTHONPATH": str(target)}
    where = run_cli("--version", cwd=work, env=env)
    assert where.code == 0
    probe = subprocess.run([sys.executable, "-c", "import pligos_tui.jobs.scaffold as s; "
                            "print(s.builtin_template())"], cwd=work, capture_output=True,
                           text=True, env={**__import__("os").environ, **env}, check=True)
    assert probe.stdout.strip() == str(target / "pligos_tui" / "_cookiecutters" / "service")
    result = run_cli("new", "svc", "--no-input", "--set", "name=svc", "--set",
                     "flavor=webservice", cwd=work, env=env)
    assert result.code == 0, result.err
    assert (work / "svc" / "charts" / "prod" / "svc" / "Chart.yaml").is_file()


def test_template_from_git(tmp_path):
    import subprocess

    from support import ROOT

    repo = tmp_path / "tpl"
    shutil.copytree(ROOT / "cookiecutters" / "service", repo)
    (repo / "{{cookiecutter.name}}" / "TEAM").write_text("platform\n")
    for args in (["init", "-q"], ["add", "-A"],
                 ["-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "t"]):
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)
    result = new(tmp_path, "svc", "--no-input", "--template", f"git+file://{repo}",
                 "--set", "name=api", "--set", "flavor=worker")
    assert result.code == 0, result.err
    assert (tmp_path / "svc" / "TEAM").read_text() == "platform\n"
    bad = new(tmp_path, "svc2", "--no-input", "--template", f"git+file://{tmp_path}/nope",
              "--set", "name=api", "--set", "flavor=worker")
    assert bad.code == 2
    assert bad.err.startswith(f"error: cannot fetch template git+file://{tmp_path}/nope")
    assert not (tmp_path / "svc2").exists()


def test_an_empty_existing_folder_is_filled_in_place(tmp_path):
    folder = tmp_path / "svc"
    folder.mkdir()
    inode = folder.stat().st_ino  # a shell sitting in it keeps a valid working folder
    result = run_cli("new", "--no-input", "--set", "name=svc", "--set", "flavor=worker",
                     cwd=folder)
    assert result.code == 0, result.err
    assert folder.stat().st_ino == inode
    assert (folder / "pligos.yaml").is_file() and (folder / "charts/dev/svc").is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["svc"]


def test_answers_are_never_rendered_as_templates(tmp_path):
    description = "{{ 7*7 }} {% if true %}x{% endif %} {{ cycler.__init__.__globals__ }}"
    result = new(tmp_path, "svc", "--no-input", "--set", "name=api", "--set", "flavor=worker",
                 "--set", f"description={description}")
    assert result.code == 0, result.err
    assert description in (tmp_path / "svc" / "README.md").read_text()
    doc = yaml.safe_load((tmp_path / "svc" / "pligos.yaml").read_text())
    assert doc["description"] == description
