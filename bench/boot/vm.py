"""Boots under QEMU (scripts/vm-boot) and what their consoles tell."""

import statistics
import subprocess
from dataclasses import dataclass

from common import REPO_DIR, die, load_script

timeline = load_script("scripts/boot-timeline", "boot_timeline")

# vm-boot's verdicts the benchmark expects: ccinit powers off after the agent's clean exit;
# the baseline's agent, once PID 1 by exec, exits and the kernel panics.
CLEAN, PANIC = 0, 3


@dataclass
class Boot:
    init: float  # ms, kernel start -> "Run /init as init process"
    agent: float  # ms, kernel start -> the agent's first record
    helpers: list  # [(name, ms)] at nvrc.log=info, else empty

    @property
    def init_to_agent(self):
        return self.agent - self.init


def boot(image, cmdline, console, expect):
    """One boot of `image`; its milestones, after checking vm-boot's verdict."""
    result = subprocess.run([REPO_DIR / "scripts/vm-boot", "--quiet", "--timeout", "180",
                             "--initrd", image, "--cmdline", cmdline, "--console", console],
                            stderr=subprocess.PIPE, text=True)
    text = console.read_text(errors="replace")
    seen = timeline.Milestones(text)
    if result.returncode != expect or seen.pid1 is None or seen.agent is None:
        tail = "\n".join(text.splitlines()[-15:])
        die(f"boot of {image.name} with '{cmdline}': vm-boot exit {result.returncode} (expected "
            f"{expect}):\n{result.stderr}--- console (end) ---\n{tail}")
    return Boot(seen.pid1, seen.agent, [(name, end - start) for name, start, end in seen.helpers])


def median(boots, field):
    return statistics.median(getattr(b, field) for b in boots)


def helper_medians(boots):
    """[(helper, median ms)] in boot order, over the boots that ran it."""
    order, times = [], {}
    for b in boots:
        for name, ms in b.helpers:
            if name not in times:
                order.append(name)
                times[name] = []
            times[name].append(ms)
    return [(name, statistics.median(times[name])) for name in order]
