#!/usr/bin/env python3
"""Run the install instructions, command by command, as a new user would (CI).

Every fenced block after an ``<!-- install-check`` comment in README.md, then in the
documentation's install page (docs/getting-started/install.md), is run, in order, in one
bash session (so ``wheel=$(...)`` carries over), from a copy of this clone named
``viam-data-sync`` in a temporary folder: the pages' ``../viam-env`` and ``dist/`` land
there, never in the checkout. Notebook lines (``%pip install ...``) run as a fresh
kernel environment's ``python -m pip install ...``, with the pages'
``/path/to/viam-data-sync`` standing for the copy.

Then the hints: in a fresh venv with the wheel alone (no extras), the ``ImportError``
of ``viam_data_sync.server`` and of the DataFrame helpers must each name a command
that, run as printed, installs the extra, after which the import works.

Usage: ``python3 scripts/check_install.py`` (exit 0 when every command worked).
"""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import List, Tuple

ROOT = Path(__file__).resolve().parent.parent
MARKER = "<!-- install-check"
#: The pages whose marked blocks are run, in this order.
PAGES = ("README.md", "docs/getting-started/install.md")
#: The README's stand-in for the clone's folder in notebook lines.
PLACEHOLDER = "/path/to/viam-data-sync"


def install_blocks(readme: str) -> List[Tuple[str, List[str]]]:
    """``(language, command lines)`` of each fenced block that follows a marker comment."""
    blocks: List[Tuple[str, List[str]]] = []
    lines = readme.splitlines()
    index = 0
    while index < len(lines):
        if lines[index].lstrip().startswith(MARKER):
            fence = index + 1
            if fence >= len(lines) or not lines[fence].startswith("```"):
                raise ValueError(f"line {index + 1}: a marker must be followed by a fenced block")
            language = lines[fence][3:].strip()
            body: List[str] = []
            index = fence + 1
            while index < len(lines) and not lines[index].startswith("```"):
                if lines[index].strip() and not lines[index].lstrip().startswith("#"):
                    body.append(lines[index])
                index += 1
            blocks.append((language, body))
        index += 1
    return blocks


def shell_script(blocks: List[Tuple[str, List[str]]], clone: Path, kernel: Path) -> str:
    """One bash script that echoes then runs each command, failing on the first error."""
    out = ["set -euo pipefail"]
    for language, body in blocks:
        for line in body:
            command = line
            if language == "python":
                if not line.startswith("%pip "):
                    raise ValueError(f"notebook block: only %pip lines can be run here, got {line!r}")
                command = f"{shlex.quote(str(kernel / 'bin' / 'python'))} -m pip{line[len('%pip'):]}"
                command = command.replace(PLACEHOLDER, str(clone))
            out.append(f"printf '+ %s\\n' {shlex.quote(line)}")
            out.append(command)
    return "\n".join(out) + "\n"


def copy_clone(dest: Path) -> None:
    """The clone's files (tracked, and new files not ignored) as a user's clone has them."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            check=True, capture_output=True).stdout.split(b"\0")
    for raw in listed:
        if not raw:
            continue
        name = raw.decode()
        source = ROOT / name
        if not source.is_file():
            continue  # deleted in the work tree
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
        target.chmod(source.stat().st_mode & 0o777)


def run(args: List[str], cwd: Path, env: dict, check: bool = True) -> subprocess.CompletedProcess:
    print("+", " ".join(shlex.quote(a) for a in args), flush=True)
    proc = subprocess.run(args, cwd=cwd, env=env, text=True, capture_output=True)
    if check and proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(args)}")
    return proc


def hinted_command(stderr: str) -> str:
    """The ``pip install ...`` an error message ends with."""
    match = re.search(r": (pip install .+)$", stderr.strip().splitlines()[-1])
    if match is None:
        raise SystemExit(f"the error names no pip command:\n{stderr}")
    return match.group(1)


def check_hints(base: Path, clone: Path, env: dict) -> None:
    """A wheel without extras: each missing-extra hint's command works as printed."""
    venv = base / "hint-env"
    run([sys.executable, "-m", "venv", str(venv)], base, env)
    python = str(venv / "bin" / "python")
    wheel = next((clone / "dist").glob("viam_data_sync-*-py3-none-any.whl"))
    run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)], base, env)
    active = dict(env, PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", VIRTUAL_ENV=str(venv))
    probes = {
        "server": "import viam_data_sync.server",
        "pandas": "import viam_data_sync; viam_data_sync.tabular_to_dataframe([])",
    }
    for extra, probe in probes.items():
        failed = run([python, "-c", probe], base, active, check=False)
        if failed.returncode == 0:
            raise SystemExit(f"{extra}: expected an ImportError before installing the extra")
        command = hinted_command(failed.stderr)
        print(f"  hint for {extra!r}: {command}", flush=True)
        run(["bash", "-c", command + " --quiet --disable-pip-version-check"], base, active)
        run([python, "-c", probe], base, active)


def page_blocks() -> List[Tuple[str, List[str]]]:
    """The install blocks of every page of :data:`PAGES`, in order."""
    blocks: List[Tuple[str, List[str]]] = []
    for page in PAGES:
        found = install_blocks((ROOT / page).read_text(encoding="utf-8"))
        if not found:
            raise SystemExit(f"{page} has no install-check blocks")
        blocks += found
    return blocks


def main() -> int:
    blocks = page_blocks()
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_QUIET="1")
    with tempfile.TemporaryDirectory(prefix="viam-install-check-") as tmp:
        base = Path(tmp)
        clone = base / "viam-data-sync"
        copy_clone(clone)
        kernel = base / "kernel-env"
        if any(language == "python" for language, _ in blocks):
            run([sys.executable, "-m", "venv", str(kernel)], base, env)
        script = shell_script(blocks, clone, kernel)
        print(f"install instructions: {sum(len(b) for _, b in blocks)} commands in {clone}", flush=True)
        proc = subprocess.run(["bash", "-c", script], cwd=clone, env=env)
        if proc.returncode != 0:
            raise SystemExit(f"install instructions failed ({proc.returncode})")
        if kernel.exists():
            run([str(kernel / "bin" / "python"), "-c", "import viam_data_sync, pandas"], base, env)
        check_hints(base, clone, env)
    print("install check: OK", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
