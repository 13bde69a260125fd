#!/usr/bin/env python3
"""scripts/vm-boot --disk, without a VM: the QEMU options that attach an image as Kata
attaches an extension (read-only raw virtio-blk over PCI with a serial), and the serials
QEMU or virtio-blk could not carry are refused before QEMU starts."""

import importlib.machinery
import importlib.util
import subprocess
import tempfile
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


class Disk(unittest.TestCase):
    def test_each_disk_is_a_read_only_virtio_blk_with_its_serial(self):
        command = vm_boot.qemu_command("bzImage", "initrd", "console=ttyS0", "tcg", "512M", None,
                                       [("/x/gpu.img", "extension-gpu"),
                                        ("/x/coco.img", "extension-coco")])
        tail = command[command.index("-append") + 2:]
        self.assertEqual(tail, [
            "-drive", "file=/x/gpu.img,if=none,format=raw,id=disk0,readonly=on",
            "-device", "virtio-blk-pci,drive=disk0,serial=extension-gpu",
            "-drive", "file=/x/coco.img,if=none,format=raw,id=disk1,readonly=on",
            "-device", "virtio-blk-pci,drive=disk1,serial=extension-coco",
        ])

    def test_no_disk_no_drive(self):
        command = vm_boot.qemu_command("bzImage", "initrd", "c", "tcg", "512M", None)
        self.assertNotIn("-drive", command)

    def test_bad_serials_are_refused(self):
        with tempfile.NamedTemporaryFile() as image:
            for serial in ("", "extension-abcdefghijk", "a,b"):  # 21 bytes; QEMU's separator
                result = subprocess.run([str(VM_BOOT), "--disk", image.name, serial],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True)
                self.assertEqual(result.returncode, 1, serial)
                self.assertIn("serial", result.stderr, serial)


if __name__ == "__main__":
    unittest.main()
