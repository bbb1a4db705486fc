"""Helpers of the codegen tests: real mypy, ruff and Go, and a container's view of a chart."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from support import by_kind, helm, make_tree, secret_values

VENV_BIN = Path(sys.executable).parent
GO = shutil.which("go")

SHOP = {
    "pligos.yaml": """\
        pligos: 1
        name: shop
        flavorPaths: [flavors]
        secrets: {provider: file, path: secrets}
        images:
          - {name: app, repository: registry.example.com/shop, tag: "2.0"}
          - {name: shipper, repository: registry.example.com/shipper, tag: "1.0"}
        routes:
          - {name: http, port: 80, containerPort: 8000}
          - {name: admin, port: 9000}
        mounts:
          - {name: settings, path: /etc/shop, files: [config/settings.json, config/motd.txt]}
          - {name: keys, path: /etc/shop/keys, secret: signing}
          - {name: shipping, path: /etc/shipper, files: [config/shipper.json]}
        env:
          - name: base
            variables: {MODE: web, WORKERS: 4}
          - name: shipping
            variables: {SHIP_TO: loki}
        containers:
          - {name: log-shipper, image: shipper, env: [shipping], mounts: [shipping]}
          - {name: migrate, image: app, env: [shipping], mounts: [settings]}
        friends:
          - name: postgres
            type: dependency
            chart: {name: postgresql, version: 15.5.0, repository: "https://charts.example.com/b"}
            config: {host: "{{ .Release.Name }}-postgresql", port: 5432, database: shop}
            credentials: {password: postgres-password}
        contexts:
          - name: dev
            flavor: webservice
            image: app
            routes: [http]
            mounts: [settings]
            env: [base]
          - name: prod
            flavor: shop-web
            image: app
            routes: [http, admin]
            mounts: [settings, keys]
            env: [base]
            friends: [postgres]
            sidecars: [log-shipper]
            initContainers: [migrate]
          - name: legacy
            extends: prod
            security:
              credentialsAs: env
              reason: its old database client reads the password from POSTGRES_PASSWORD
        """,
    # webservice, with the settings and the containers beside the service's own
    "flavors/shop-web/flavor.yaml": """\
        base: webservice
        accepts: [image, command, probe, routes, mounts, env, resources, replicas, friends,
                  values, security, sidecars, initContainers]
        """,
    "config/shipper.json": '{"to": "loki"}\n',
    "config/settings.json": '{"currency": "EUR", "limits": {"cart": 50, "ratio": 0.5},'
                            ' "tags": ["a", "b"], "beta": null}\n',
    "config/motd.txt": "hello\n",
    "secrets/signing.yaml": "private.pem: KEYDATA\npublic.pem: PUBDATA\n",
    "secrets/postgres-password.yaml": "password: s3cret\n",
}


ODD = {
    "pligos.yaml": """\
        pligos: 1
        name: odd
        images:
          - {name: app, repository: registry.example.com/odd, tag: "1"}
        routes:
          - {name: type, port: 80}
          - {name: grpc-api, port: 9000}
        mounts:
          - {name: class, path: /etc/odd, files: [conf]}
        env:
          - name: base
            variables: {class: a, lower: b, "__dunder": c, WITH_DIGIT_1: d}
        contexts:
          - {name: only, flavor: worker, image: app, mounts: [class], env: [base]}
          - {name: web, flavor: webservice, image: app, routes: [type, grpc-api]}
        """,
    "conf/odd.yaml": """\
        log-level: info
        class: x
        "with space": 1
        1st: yes
        nested:
          - {name: a, port: 1}
          - {name: b, weight: 0.5}
          - name: c
            port: null
        empty: []
        nothing:
        text: |
          two
          lines
        """,
    "conf/list.json": '[{"a": 1, "b": [true]}, {"a": 2.5}]\n',
    "conf/anchors.yml": "base: &b {x: 1}\nother: *b\n",
    "conf/path": "a file named like the mount's path attribute\n",
}


def make_odd(root: Path) -> Path:
    """A service whose names and config files stretch the emitters."""
    return make_tree(root / "odd", ODD)


def make_shop(root: Path) -> Path:
    """A service with a JSON config file, a secret mount, a friend with a credential (a file
    in prod, a variable in legacy) and, in prod and legacy, a sidecar and an init container
    (with a mount and a variable of their own)."""
    return make_tree(root / "shop", SHOP)


def require_go() -> str:
    if GO is None:
        pytest.skip("Go is not installed (Debian: apt-get install golang-go); the Go half of "
                    "codegen is not tested")
    return GO


def go_env(cache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(GOPATH=str(cache / "gopath"), GOCACHE=str(cache / "gocache"), GOFLAGS="-mod=mod",
               GO111MODULE="on", GOPROXY="off", GOTOOLCHAIN="local", CGO_ENABLED="0")
    return env


def go(cache: Path, cwd: Path, *args: str, env: dict[str, str] | None = None
       ) -> subprocess.CompletedProcess[str]:
    full = go_env(cache)
    full.update(env or {})
    return subprocess.run([require_go(), *args], cwd=cwd, env=full, capture_output=True,
                          text=True, check=False)


def go_module(folder: Path, name: str = "example.com/svc") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "go.mod").write_text(f"module {name}\n\ngo 1.19\n")
    return folder


def mypy_strict(*paths: Path) -> None:
    result = subprocess.run([str(VENV_BIN / "mypy"), "--strict", "--no-incremental",
                             "--cache-dir", os.devnull, *map(str, paths)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def ruff(*paths: Path) -> None:
    result = subprocess.run([str(VENV_BIN / "ruff"), "check", "--isolated", "--no-cache",
                             *map(str, paths)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def template(helm_bin: str, chart: Path, release: str) -> list[dict]:
    result = helm(helm_bin, "template", release, str(chart), *secret_values(chart))
    assert result.returncode == 0, result.stderr
    return [d for d in yaml.safe_load_all(result.stdout) if d]


def container_view(manifests: list[dict], root: Path, kind: str = "Deployment",
                   container: str | None = None) -> dict[str, str]:
    """What the chart gives its container (the one named `container`, else the only one):
    ConfigMap, Secret and projected volumes written below `root` at their mount paths, and the
    container's environment (values and secretKeyRefs)."""
    [workload] = by_kind(manifests, kind)
    pod = workload["spec"]["template"]["spec"]
    [main] = [c for c in pod["containers"] if container in (None, c["name"])]
    objects = {(m["kind"], m["metadata"]["name"]): m for m in manifests}

    def data_of(kind: str, name: str) -> dict[str, bytes]:
        obj = objects[(kind, name)]
        if kind == "Secret":
            out = {k: base64.b64decode(v) for k, v in (obj.get("data") or {}).items()}
            out.update({k: v.encode() for k, v in (obj.get("stringData") or {}).items()})
            return out
        out = {k: v.encode() for k, v in (obj.get("data") or {}).items()}
        out.update({k: base64.b64decode(v) for k, v in (obj.get("binaryData") or {}).items()})
        return out

    def chosen(files: dict[str, bytes], items: list[dict] | None) -> dict[str, bytes]:
        """A volume's files: every key, or the `items` it names, at their paths."""
        return files if items is None else {i["path"]: files[i["key"]] for i in items}

    def files_of(volume: dict) -> dict[str, bytes] | None:
        if "configMap" in volume:
            return chosen(data_of("ConfigMap", volume["configMap"]["name"]),
                          volume["configMap"].get("items"))
        if "secret" in volume:
            return chosen(data_of("Secret", volume["secret"]["secretName"]),
                          volume["secret"].get("items"))
        if "projected" in volume:
            out: dict[str, bytes] = {}
            for source in volume["projected"]["sources"]:
                kind = "Secret" if "secret" in source else "ConfigMap"
                ref = source["secret" if kind == "Secret" else "configMap"]
                out.update(chosen(data_of(kind, ref["name"]), ref.get("items")))
            return out
        return None  # (emptyDir, volume claims: nothing to read)

    volumes = {v["name"]: v for v in pod.get("volumes") or []}
    for mount in main.get("volumeMounts") or []:
        files = files_of(volumes[mount["name"]])
        if files is None:
            continue
        folder = root / mount["mountPath"].lstrip("/")
        for key, data in files.items():
            (folder / key).parent.mkdir(parents=True, exist_ok=True)
            (folder / key).write_bytes(data)

    env: dict[str, str] = {}
    for item in main.get("env") or []:
        if "value" in item:
            env[item["name"]] = item["value"]
        else:
            ref = item["valueFrom"]["secretKeyRef"]
            env[item["name"]] = data_of("Secret", ref["name"])[ref["key"]].decode()
    return env


def go_program(cache: Path, module: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Build the module's main package and run it with exactly `env` as its environment."""
    build = go(cache, module, "build", "-o", "prog", ".")
    assert build.returncode == 0, build.stderr
    return subprocess.run([str(module / "prog")], env=env, capture_output=True, text=True,
                          check=False)
