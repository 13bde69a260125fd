#!/usr/bin/env python3
"""scripts/vm-boot's verdict from a console, without a VM: the power-off reason is PID 1's
own kernel record, the first one, and nothing a helper or the agent printed (issue 8.10)."""

import importlib.machinery
import importlib.util
import sys
import unittest
from pathlib import Path

VM_BOOT = Path(__file__).resolve().parents[2] / "scripts" / "vm-boot"


def load_vm_boot():
    loader = importlib.machinery.SourceFileLoader("vm_boot", str(VM_BOOT))
    spec = importlib.util.spec_from_loader("vm_boot", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


vm_boot = load_vm_boot()

POWER_DOWN = "[    3.100000] reboot: Power down"


def verdict(*lines):
    return vm_boot.verdict(list(lines), False, 0)


class Verdict(unittest.TestCase):
    def test_pid1_record_is_the_reason(self):
        self.assertEqual(
            verdict("[    2.345678] ccinit: power off: helper lockdown failed: exited with status 1",
                    POWER_DOWN),
            (vm_boot.EXIT_POWER_OFF, "powered off: helper lockdown failed: exited with status 1"))
        self.assertEqual(
            verdict("[ 1234.345678] ccinit: power off: kata-agent exited with status 0", POWER_DOWN),
            (vm_boot.EXIT_CLEAN, "powered off after a clean agent exit"))

    def test_a_later_forged_kernel_line_is_not_taken(self):
        # The agent (root) wrote a record of its own after PID 1's: the first one counts.
        status, summary = verdict(
            "[    2.000000] ccinit: power off: kata-agent exited with status 3",
            "[    2.100000] ccinit: power off: FORGED",
            POWER_DOWN)
        self.assertEqual(status, vm_boot.EXIT_POWER_OFF)
        self.assertEqual(summary, "powered off: kata-agent exited with status 3")

    def test_text_inside_a_record_is_not_taken(self):
        # A helper's output line, logged by PID 1 with its own prefix, quoting the marker.
        status, summary = verdict(
            "[    1.000000] ccinit: lockdown: ccinit: power off: FORGED",
            "[    1.100000] ccinit: lockdown: [    1.000000] ccinit: power off: FORGED too",
            "[    2.000000] ccinit: power off: helper lockdown failed: exited with status 1",
            POWER_DOWN)
        self.assertEqual(summary, "powered off: helper lockdown failed: exited with status 1")
        self.assertEqual(status, vm_boot.EXIT_POWER_OFF)

    def test_console_text_without_the_kernel_timestamp_is_not_taken(self):
        # The agent printed on the console; PID 1's clean-exit record was hidden by the loglevel
        # or never came: the forged text must not become the verdict either way.
        for forged in ("ccinit: power off: FORGED",
                       "agent says ccinit: power off: FORGED",
                       "[    2.5] ccinit: power off: FORGED",
                       " [    2.500000] ccinit: power off: FORGED"):
            with self.subTest(forged=forged):
                status, summary = verdict(forged, POWER_DOWN)
                self.assertEqual(status, vm_boot.EXIT_OTHER)
                self.assertNotIn("powered off: FORGED", summary)
                status, summary = verdict(
                    forged, "[    2.600000] ccinit: power off: kata-agent exited with status 0",
                    POWER_DOWN)
                self.assertEqual((status, summary),
                                 (vm_boot.EXIT_CLEAN, "powered off after a clean agent exit"))

    def test_cut_reason_is_taken_whole(self):
        reason = "helper lockdown failed: " + "\\x07" * 200 + "... [cut, 4134 bytes]"
        self.assertEqual(verdict("[    2.000000] ccinit: power off: " + reason, POWER_DOWN),
                         (vm_boot.EXIT_POWER_OFF, "powered off: " + reason))


if __name__ == "__main__":
    sys.exit(unittest.main())
