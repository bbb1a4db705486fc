"""Build hook: ship the top-level cookiecutters/ folder inside the wheel.

Everything else about the package is declared in pyproject.toml. The service template lives in
cookiecutters/ at the top of the project (where template authors look for it); a top-level
folder is not part of a wheel, so building copies it to pligos_tui/_cookiecutters/.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildWithTemplates(build_py):
    def run(self) -> None:
        super().run()
        source = HERE / "cookiecutters"
        target = Path(self.build_lib) / "pligos_tui" / "_cookiecutters"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(source, target,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildWithTemplates})
