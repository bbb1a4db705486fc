"""Drop the parts of the scaffold the answers did not ask for."""

import shutil
from pathlib import Path

if "{{ cookiecutter.start }}" != "script":
    shutil.rmtree(Path("script"), ignore_errors=True)
if "{{ cookiecutter.config }}" != "yes":
    shutil.rmtree(Path("config"), ignore_errors=True)
