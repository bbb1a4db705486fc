"""The part of every generated Python module that does not depend on the service: the
error type, Secret, File and SecretFile, and the loader that reads the environment and the
mounted files and collects every problem."""

RUNTIME = '''

class ConfigError(Exception):
    """The container lacks configuration its chart gives it; `problems` lists all of it."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        super().__init__(f"configuration of service {SERVICE} is incomplete ({count}):\\n"
                         + "\\n".join(f"  - {p}" for p in problems))


class Secret:
    """A secret value: printing or logging it shows ***; reveal() returns it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret(***)"

    __str__ = __repr__


@dataclass(frozen=True)
class File:
    """A mounted file; `path` is where it is in the container (below PLIGOS_ROOT when set)."""

    path: Path

    def read_bytes(self) -> bytes:
        return self.path.read_bytes()

    def read_text(self) -> str:
        return self.path.read_text(encoding="utf-8")


@dataclass(frozen=True)
class SecretFile:
    """A file of a mounted secret; reveal() reads it into a Secret, which never prints."""

    path: Path

    def reveal(self) -> Secret:
        return Secret(self.path.read_bytes().decode("utf-8"))

    def read_bytes(self) -> bytes:
        return self.path.read_bytes()


class _Loader:
    """Reads what the container is given and collects every problem before failing."""

    def __init__(self, context: str | None, environ: Mapping[str, str] | None,
                 root: str | os.PathLike[str] | None) -> None:
        self.environ: Mapping[str, str] = os.environ if environ is None else environ
        self.context = (context or self.environ.get(CONTEXT_ENV)
                        or (CONTEXTS[0] if len(CONTEXTS) == 1 else None))
        self.root = Path(root if root is not None else self.environ.get(ROOT_ENV) or "/")
        self.problems: list[str] = []
        if self.context is not None and self.context not in CONTEXTS:
            self.problems.append(f"context {self.context!r} (from load() or {CONTEXT_ENV}) is "
                                 f"not one this module was generated for: {', '.join(CONTEXTS)}")

    def wanted(self, contexts: tuple[str, ...] | None) -> bool:
        return contexts is None or self.context in contexts

    def get(self, name: str, contexts: tuple[str, ...] | None = None) -> str | None:
        value = self.environ.get(name)
        if value is None and self.wanted(contexts):
            self.problems.append(f"environment variable {name} is not set")
        return value

    def env(self, name: str) -> str:
        value = self.get(name)
        return "" if value is None else value

    def integer(self, name: str, contexts: tuple[str, ...] | None = None) -> int | None:
        value = self.get(name, contexts)
        if value is None:
            return None
        try:
            return int(value)
        except ValueError:
            self.problems.append(f"environment variable {name} is {value!r}, not a whole number")
            return None

    def int_env(self, name: str) -> int:
        value = self.integer(name)
        return 0 if value is None else value

    def credential(self, name: str, files: tuple[str, ...], env: tuple[str, ...],
                   contexts: tuple[str, ...] | None = None) -> Secret | None:
        """A friend's credential: read from the file the variable <name>_FILE names, else
        the variable <name> itself. `files` and `env` are the contexts giving it each way."""
        file_var = name + CREDENTIAL_FILE_SUFFIX
        named = self.environ.get(file_var)
        if named is not None:
            full = self.path(named) if named.startswith("/") else Path(named)
            what = f"credential file named by {file_var}"
            try:
                return Secret(full.read_bytes().decode("utf-8"))
            except FileNotFoundError:
                self.problems.append(f"file {full} is missing ({what})")
            except OSError as exc:
                self.problems.append(f"file {full} cannot be read ({what}): "
                                     f"{exc.strerror or type(exc).__name__}")
            except UnicodeDecodeError:
                self.problems.append(f"file {full} is not UTF-8 text ({what})")
            return None
        value = self.environ.get(name)
        if value is not None:
            return Secret(value)
        if self.wanted(contexts):
            if self.context in files:
                wanted = [file_var]
            elif self.context in env:
                wanted = [name]
            else:  # no context known: each way some context gives it
                wanted = [file_var] * bool(files) + [name] * bool(env) or [file_var, name]
            self.problems.append(f"environment variable {' or '.join(wanted)} is not set")
        return None

    def need_credential(self, name: str, files: tuple[str, ...],
                        env: tuple[str, ...]) -> Secret:
        return self.credential(name, files, env) or Secret("")

    def has_env(self, names: tuple[str, ...], contexts: tuple[str, ...]) -> bool:
        if self.context is not None:
            return self.context in contexts
        return any(n in self.environ for n in names)

    def port(self, port: int, contexts: tuple[str, ...]) -> int | None:
        return None if self.context is not None and self.context not in contexts else port

    def path(self, path: str) -> Path:
        return self.root / path.lstrip("/")

    def file(self, path: str, what: str, contexts: tuple[str, ...] | None = None) -> Path | None:
        full = self.path(path)
        if full.is_file():
            return full
        if self.wanted(contexts):
            self.problems.append(f"file {full} is missing ({what})")
        return None

    def need_file(self, path: str, what: str) -> Path:
        return self.file(path, what) or self.path(path)

    def has_dir(self, path: str, contexts: tuple[str, ...]) -> bool:
        if self.context is not None:
            return self.context in contexts
        return self.path(path).is_dir()

    def parsed(self, path: Path | None, fmt: str, shape: object) -> Any:
        if path is None or not path.is_file():
            return None
        try:
            text = path.read_text(encoding="utf-8")
            data = json.loads(text) if fmt == "json" else yaml_load(text)
        except (OSError, ValueError) as exc:
            self.problems.append(f"file {path} cannot be read as {fmt}: {exc}")
            return None
        errors: list[str] = []
        _check(data, shape, "", errors)
        self.problems.extend(f"file {path}: {e}" for e in errors[:10])
        return data

    def done(self) -> None:
        if self.problems:
            raise ConfigError(self.problems)


def _check(value: object, shape: object, where: str, out: list[str]) -> None:
    """Whether parsed content has the type inferred from the file in the repository."""
    if isinstance(shape, tuple) and shape[0] == "?":
        if value is None:
            return
        shape = shape[1]
    at = where or "the document"
    if isinstance(shape, tuple) and shape[0] == "list":
        if not isinstance(value, list):
            out.append(f"{at}: expected a list, found {type(value).__name__}")
            return
        for i, item in enumerate(value):
            _check(item, shape[1], f"{where}[{i}]", out)
        return
    if isinstance(shape, tuple) and shape[0] == "object":
        if not isinstance(value, dict):
            out.append(f"{at}: expected a mapping, found {type(value).__name__}")
            return
        for key, required, inner in shape[1]:
            if key in value:
                _check(value[key], inner, f"{where}.{key}" if where else key, out)
            elif required:
                out.append(f"{at}: missing key {key!r}")
        return
    ok = {"any": True,
          "str": isinstance(value, str),
          "bool": isinstance(value, bool),
          "int": isinstance(value, int) and not isinstance(value, bool),
          "float": isinstance(value, (int, float)) and not isinstance(value, bool)}[str(shape)]
    if not ok:
        out.append(f"{at}: expected {shape}, found {type(value).__name__}")
'''
