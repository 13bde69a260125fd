"""The images the benchmark boots and what they weigh.

ccinit's image is made only by scripts/mkrootfs, and its shipped files are whatever mkrootfs
put under /sbin/init and /usr/libexec/ccinit/, so a change of layout (one multi-call
executable, links) is measured as it is shipped.
"""

import gzip
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from common import REPO_DIR, die, run

# What the benchmark needs beyond the shipped files; all default targets of the release
# preset, like ccinit and its helpers.
BENCH_PROGRAMS = ["ccinit-test-agent", "ccinit-bench-baseline-init", "ns-boot"]
SHIPPED_PATHS = ["sbin/init", "usr/libexec/ccinit"]


@dataclass
class Image:
    cpio_gz: Path  # the initramfs
    root: Path  # the directory it was made from

    def sizes(self):
        """(gzip, uncompressed) bytes."""
        data = self.cpio_gz.read_bytes()
        return len(data), len(gzip.decompress(data))


def build(bin_dir):
    """The directory of the static release binaries, built first unless given."""
    if bin_dir is None:
        run(["cmake", "--preset", "release"], cwd=REPO_DIR, stdout=subprocess.DEVNULL)
        run(["cmake", "--build", "--preset", "release"], cwd=REPO_DIR, stdout=subprocess.DEVNULL)
        bin_dir = REPO_DIR / "build/release/bin"
    for program in BENCH_PROGRAMS:
        if not (bin_dir / program).is_file():
            die(f"{bin_dir / program}: missing (build the release preset)")
    return bin_dir


def pack(root, out):
    """A gzip newc archive, as scripts/mkrootfs makes its own."""
    names = run(["find", ".", "-mindepth", "1", "-printf", "%P\\0"], cwd=root,
                stdout=subprocess.PIPE).stdout
    names = b"\0".join(sorted(n for n in names.split(b"\0") if n)) + b"\0"
    cpio = run(["cpio", "--null", "--create", "--format=newc", "--owner=0:0", "--quiet"],
               cwd=root, input=names, stdout=subprocess.PIPE).stdout
    out.write_bytes(run(["gzip", "-n"], input=cpio, stdout=subprocess.PIPE).stdout)


def make_ccinit(bin_dir, workdir):
    cpio = workdir / "ccinit.cpio.gz"
    run([REPO_DIR / "scripts/mkrootfs", workdir / "ccinit", "--bin", bin_dir, "--cpio", cpio])
    return Image(cpio, workdir / "ccinit")


def make_baseline(bin_dir, workdir):
    """bench/boot/baseline_init.cc as /init (and /sbin/init, for a namespace boot), with the
    same stand-in agent."""
    root = workdir / "baseline"
    for d in ["proc", "sys", "dev", "sbin", "usr/bin"]:
        (root / d).mkdir(parents=True)
    run(["install", "-m", "0755", bin_dir / "ccinit-bench-baseline-init", root / "init"])
    os.symlink("../init", root / "sbin/init")
    run(["install", "-m", "0755", bin_dir / "ccinit-test-agent", root / "usr/bin/kata-agent"])
    run(["mknod", "-m", "0600", root / "dev/console", "c", "5", "1"])
    pack(root, workdir / "baseline.cpio.gz")
    return Image(workdir / "baseline.cpio.gz", root)


def shipped_files(root):
    """{path in the root: bytes} of the shipped ccinit files: everything under SHIPPED_PATHS,
    and what a symlink there leads to inside the root. A symlink counts as its own size, a
    file with several hard links once."""
    found, inodes = {}, set()
    pending = [root / p for p in SHIPPED_PATHS]
    while pending:
        path = pending.pop()
        try:
            st = path.lstat()
        except FileNotFoundError:
            continue
        name = "/" + str(path.relative_to(root))
        if name in found or (st.st_dev, st.st_ino) in inodes:
            continue
        inodes.add((st.st_dev, st.st_ino))
        if path.is_symlink():
            found[name] = st.st_size
            target = Path(os.readlink(path))
            if target.is_absolute():
                target = root / target.relative_to("/")
            else:
                target = path.parent / target
            resolved = Path(os.path.normpath(target))
            if resolved.is_relative_to(root):
                pending.append(resolved)
        elif path.is_dir():
            pending.extend(sorted(path.iterdir()))
        else:
            found[name] = st.st_size
    return found
