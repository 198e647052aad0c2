"""Bundle this repository's demo, default mkdocs.yml and CI recipes into the wheel.

``publisher init`` copies them into a new project. They live once in the repository (the demo
is the test fixture, the CI recipes are tested where they are); at build time they are copied
into ``publisher/bundled/`` inside the built package, so an installed wheel has them too.
Everything else is configured in pyproject.toml.
"""

from __future__ import annotations

import runpy
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
BUNDLE = runpy.run_path(str(HERE / "publisher" / "bundled_files.py"))["BUNDLE"]


class BuildWithBundle(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the repository itself
            return
        target = Path(self.build_lib) / "publisher" / "bundled"
        for name, source in BUNDLE.items():
            src, dst = HERE / source, target / name
            if not src.exists():
                continue  # building from an sdist without them: init says what is missing
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, dst, dirs_exist_ok=True)
            else:
                shutil.copy2(src, dst)


setup(cmdclass={"build_py": BuildWithBundle})
