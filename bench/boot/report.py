"""The benchmark's printed summary."""

import os
import statistics

from vm import helper_medians, median

# The figures issue 7 asks for.
TARGET_AUTO_INIT_TO_AGENT = 1.6  # x the baseline, Run /init -> agent start, nvrc.mode=auto
TARGET_KERNEL_TO_AGENT = 1.10  # x the baseline, kernel start -> agent start
TARGET_SHIPPED_BYTES = 3_000_000  # the shipped ccinit files, uncompressed

MB = 1_000_000


def verdict(value, limit):
    return f"<= {limit:.2f}x: {'met' if value <= limit else 'NOT met'}"


def vm_boots(boots, count, cmdlines):
    """boots: {variant: [Boot]}, the baseline first."""
    names = list(boots)
    base = boots["baseline"]
    print(f"\nQEMU TCG boots: median of {count} boots of each, alternating (ms, from the kernel "
          "log's timestamps)")
    print(f"  machine load average (1, 5, 15 min) at the end: "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    for name in names:
        print(f"  {name:12} kernel cmdline: ... {cmdlines[name]}")
    print(f"  {'':29}" + "".join(f"{n:>18}" for n in names) + "   target (ccinit auto)")
    rows = [("kernel start -> Run /init", "init", None),
            ("Run /init -> agent start", "init_to_agent", TARGET_AUTO_INIT_TO_AGENT),
            ("kernel start -> agent start", "agent", TARGET_KERNEL_TO_AGENT)]
    for label, field, target in rows:
        b = median(base, field)
        cells = [f"{b:18.1f}"]
        for name in names[1:]:
            v = median(boots[name], field)
            cells.append(f"{v:9.1f} ({v / b:5.2f}x)")
        note = ""
        if target is not None:
            note = "   " + verdict(median(boots["ccinit auto"], field) / b, target)
        print(f"  {label:29}" + "".join(cells) + note)
    # A loaded machine shows here first: medians of few boots hide a wide spread.
    spread = [f"{min(x.init_to_agent for x in boots[n]):.0f}-"
              f"{max(x.init_to_agent for x in boots[n]):.0f}" for n in names]
    print(f"  {'Run /init -> agent, min-max':29}" + "".join(f"{c:>18}" for c in spread))


def sizes(images, shipped):
    """images: {name: (gzip bytes, uncompressed bytes)}; shipped: {path: bytes}."""
    print(f"\nInitramfs sizes (MB = 10^6 bytes)")
    print(f"  {'':36}{'gzip':>8}{'uncompressed':>14}")
    for name, (packed, unpacked) in images.items():
        print(f"  {name + ' image':36}{packed / MB:8.2f}{unpacked / MB:14.2f}")
    total = sum(shipped.values())
    met = "met" if total <= TARGET_SHIPPED_BYTES else "NOT met"
    print(f"  shipped ccinit files, uncompressed: {total / MB:.2f} MB "
          f"(target <= {TARGET_SHIPPED_BYTES / MB:.0f} MB: {met})")
    for path, size in sorted(shipped.items()):
        print(f"    {path:40}{size:>12,} bytes")


def helper_shares(timeline_boots, count):
    """timeline_boots: {variant: [Boot]} at nvrc.log=info."""
    names = list(timeline_boots)
    print(f"\nEach helper's share of Run /init -> agent start, MEASURED AT nvrc.log=info (PID 1 "
          f"logs each helper; median of {count} boots; ms, % of the interval)")
    print(f"  {'':29}" + "".join(f"{n:>22}" for n in names))
    totals = {n: median(timeline_boots[n], "init_to_agent") for n in names}
    per_variant = {n: dict(helper_medians(timeline_boots[n])) for n in names}
    helpers = []
    for n in names:
        helpers += [h for h, _ in helper_medians(timeline_boots[n]) if h not in helpers]
    print(f"  {'Run /init -> agent start':29}" + "".join(f"{totals[n]:15.1f}       "
                                                        for n in names))
    for helper in helpers:
        cells = []
        for n in names:
            ms = per_variant[n].get(helper)
            cells.append(f"{ms:15.1f} ({ms / totals[n]:4.0%})" if ms is not None
                         else f"{'not run':>15}       ")
        print(f"  {'helper ' + helper:29}" + "".join(cells))
    cells = []
    for n in names:
        rest = totals[n] - sum(per_variant[n].values())
        cells.append(f"{rest:15.1f} ({rest / totals[n]:4.0%})")
    # PID 1's own start-up, the gaps between helpers and starting the agent.
    print(f"  {'the rest (PID 1 itself)':29}" + "".join(cells))


def cpu(samples, count):
    """samples: {variant: [(user s, sys s)]}."""
    print(f"\nNative CPU time of a whole namespace boot (tests/support/ns_boot: ns-boot, PID 1, "
          f"the helpers and the agent; median of {count} boots, ms)")
    print(f"  {'':14}{'user+sys':>10}{'user':>10}{'sys':>10}")
    for name, values in samples.items():
        total = statistics.median(u + s for u, s in values) * 1000
        user = statistics.median(u for u, _ in values) * 1000
        sys_ = statistics.median(s for _, s in values) * 1000
        print(f"  {name:14}{total:10.1f}{user:10.1f}{sys_:10.1f}")


def memory(samples):
    """samples: {init: (VmRSS KiB, Pss KiB or None)}."""
    print("\nPID 1's memory after hand-off (while its child runs; namespace boots; kB as /proc "
          "shows it, MB = 1000 kB)")
    print(f"  {'':14}{'VmRSS kB':>10}{'MB':>7}{'Pss kB':>10}{'MB':>7}")
    for name, (rss, pss) in samples.items():
        pss_text = f"{pss:10.0f}{pss / 1000:7.2f}" if pss is not None else f"{'n/a':>10}"
        print(f"  {name:14}{rss:10.0f}{rss / 1000:7.2f}{pss_text}")
