"""What every part of the boot benchmark shares: the repository, failing, running a tool."""

import importlib.machinery
import importlib.util
import subprocess
import sys
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[2]


def die(message):
    sys.exit(f"bench/boot/run: {message}")


def run(command, **kwargs):
    result = subprocess.run([str(c) for c in command], **kwargs)
    if result.returncode != 0:
        die(f"{' '.join(map(str, command))}: exit status {result.returncode}")
    return result


def load_script(relative_path, name):
    """A Python script of the repository without a .py suffix, as a module."""
    loader = importlib.machinery.SourceFileLoader(name, str(REPO_DIR / relative_path))
    spec = importlib.util.spec_from_loader(name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module
