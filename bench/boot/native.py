"""Native figures from namespace boots: CPU time of a whole boot and PID 1's memory after
hand-off (tests/support/ns_boot), and the same memory figure for catatonit and tini."""

import os
import shutil
import signal
import statistics
import subprocess
import time
from pathlib import Path

from common import die

POWERED_OFF = 130  # ns-boot: the guest's PID 1 powered off


def spawn(argv, out_dir):
    """Starts argv with stdout and stderr in out_dir; returns its pid (waited for with wait4)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, str(out_dir / "stdout"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
         0o644),
        (os.POSIX_SPAWN_OPEN, 2, str(out_dir / "stderr"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
         0o644),
    ]
    return os.posix_spawn(argv[0], [str(a) for a in argv], os.environ, file_actions=actions)


def ns_boot_argv(bin_dir, root, cmdline, work):
    """ns-boot with a fresh log and fresh stand-ins."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    return [str(bin_dir / "ns-boot"), "--root", root, "--cmdline", cmdline, "--kmsg",
            work / "kmsg", "--sysctl-dir", work / "stand-ins", "--timeout", "60"]


def boot_cpu(bin_dir, root, cmdline, work, expect=POWERED_OFF):
    """(user, sys) CPU seconds of one namespace boot: ns-boot and all it waited for, PID 1,
    its helpers and the agent included (wait4 counts the waited-for descendants)."""
    pid = spawn(ns_boot_argv(bin_dir, root, cmdline, work), work)
    _, status, usage = os.wait4(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != expect:
        die(f"ns-boot of {root} with '{cmdline}': exit {code} (expected {expect}):\n"
            f"{(work / 'stderr').read_text(errors='replace')}")
    return usage.ru_utime, usage.ru_stime


def children(pid):
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The name in parentheses may hold spaces; the parent pid is the second field after.
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def memory_kib(pid):
    """(VmRSS, Pss or None) of a process, in KiB."""
    rss = pss = None
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def wait_until(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while not (found := condition()):
        if time.monotonic() > deadline:
            die(f"timed out waiting for {what}")
        time.sleep(0.05)
    return found


def stop(pid):
    """Kills a process the benchmark started (its namespace's processes die with it) and
    reaps it."""
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def ccinit_pid1_memory(bin_dir, root, cmdline, work):
    """PID 1's memory while the agent runs: a boot whose agent sleeps, read once the agent
    has started and PID 1 has settled into supervising it."""
    pid = spawn(ns_boot_argv(bin_dir, root, cmdline + " test.agent.action=sleep:60", work), work)
    try:
        kmsg = work / "kmsg"
        wait_until(lambda: kmsg.exists() and "kata-agent: started" in kmsg.read_text(
            errors="replace"), 30, f"the agent to start in {root}")
        time.sleep(0.5)
        # ns-boot -> the middle process -> the guest's PID 1.
        middle = wait_until(lambda: children(pid), 5, "ns-boot's middle process")[0]
        pid1 = wait_until(lambda: children(middle), 5, "the guest's PID 1")[0]
        return memory_kib(pid1)
    finally:
        stop(pid)


def ensure_installed(programs):
    """{program: package} installed with apt-get when missing."""
    missing = [package for program, package in programs.items() if not shutil.which(program)]
    if missing:
        print(f"installing {' '.join(missing)} (apt-get)", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True,
                       stdout=subprocess.DEVNULL, env={**os.environ,
                                                       "DEBIAN_FRONTEND": "noninteractive"})


def other_init_memory(init_argv, work):
    """The memory of another init run as PID 1 of a PID namespace with a long sleep as its
    child: `unshare --fork --pid --mount-proc INIT -- sleep` (--kill-child: the namespace
    ends with unshare)."""
    sleep = shutil.which("sleep")
    pid = spawn(["/usr/bin/unshare", "--fork", "--pid", "--mount-proc", "--kill-child=SIGKILL",
                 *init_argv, "--", sleep, "600"], work)
    try:
        init = wait_until(lambda: children(pid), 5, f"{init_argv[0]} to start")[0]
        wait_until(lambda: children(init), 5, f"{init_argv[0]}'s child")
        time.sleep(0.3)
        return memory_kib(init)
    finally:
        stop(pid)


def median_memory(samples):
    """(median VmRSS, median Pss or None) of (rss, pss) samples."""
    rss = statistics.median(s[0] for s in samples)
    pss = [s[1] for s in samples if s[1] is not None]
    return rss, statistics.median(pss) if pss else None
