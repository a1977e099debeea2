"""Linux kernel message blocks (6.1 Debian kernel wording)."""

HW = "QEMU Standard PC (i440FX + PIIX, 1996), BIOS rel-1.16.3-0-ga6ed6b701f0a-prebuilt.qemu.org 04/01/2014"
KVER = "6.1.0-27-amd64 #1  Debian 6.1.115-1"

TRACE_GLOBAL = [
    " dump_stack_lvl+0x44/0x5c", " dump_header+0x4a/0x211", " oom_kill_process.cold+0xb/0x10",
    " out_of_memory+0x1fd/0x4c0", " __alloc_pages_slowpath.constprop.0+0xcb6/0xe30", " __alloc_pages+0x305/0x330",
    " folio_alloc+0x17/0x50", " __filemap_get_folio+0x155/0x340", " filemap_fault+0x139/0x910",
    " __do_fault+0x31/0x80", " do_fault+0x1b8/0x410", " __handle_mm_fault+0x660/0xfa0",
    " handle_mm_fault+0xdb/0x2d0", " do_user_addr_fault+0x191/0x580", " exc_page_fault+0x70/0x170",
    " asm_exc_page_fault+0x22/0x30",
]

TRACE_MEMCG = [
    " dump_stack_lvl+0x44/0x5c", " dump_header+0x4a/0x211", " oom_kill_process.cold+0xb/0x10",
    " out_of_memory+0x1fd/0x4c0", " mem_cgroup_out_of_memory+0x134/0x150", " try_charge_memcg+0x696/0x780",
    " charge_memcg+0x39/0xf0", " __mem_cgroup_charge+0x28/0x80", " do_anonymous_page+0x11a/0x3b0",
    " __handle_mm_fault+0x8ba/0xfa0", " handle_mm_fault+0xdb/0x2d0", " do_user_addr_fault+0x191/0x580",
    " exc_page_fault+0x70/0x170", " asm_exc_page_fault+0x22/0x30",
]

REGS = [
    "RIP: 0033:0x{rip}",
    "Code: Unable to access opcode bytes at 0x{ripm}.",
    "RSP: 002b:00007ffc6a3e1d98 EFLAGS: 00010206",
    "RAX: 00007f3b1c600000 RBX: 0000000000200000 RCX: 00007f3b1c7ff000",
    "RDX: 00007f3b1c800000 RSI: 0000000000000000 RDI: 00007f3b1c600000",
    "RBP: 00007ffc6a3e1de0 R08: 0000000000000000 R09: 0000000000000000",
    "R10: 0000000000000022 R11: 0000000000000246 R12: 000055d0c2f4b2a0",
    "R13: 0000000000000000 R14: 00007f3b1c600018 R15: 0000000000000000",
]


def task_row(pid, uid, tgid, total_vm, rss, pgt, swap, adj, name):
    return "[%7d] %5d %5d %8d %8d %8d %8d         %5d %s" % (pid, uid, tgid, total_vm, rss, pgt, swap, adj, name)


def buddy(counts, tags):
    sizes = [4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096]
    parts, total = [], 0
    for n, s, tg in zip(counts, sizes, tags):
        total += n * s
        parts.append("%d*%dkB%s" % (n, s, (" (%s)" % tg) if n and tg else ""))
    return " ".join(parts) + " = %dkB" % total


def oom_global(trig_comm, trig_pid, cpu, victim, tasks, memcg_path, rip="55d0c1d3a8f0", short=False):
    """Whole-host OOM report. victim = (pid, comm, uid, total_vm_kB, anon_kB, file_kB, shmem_kB, pgtables_kB).
    Returns [(priority, text)]."""
    vpid, vcomm, vuid, tvm, anon, filek, shm, pgt = victim
    out = [(4, "%s invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0" % trig_comm),
           (4, "CPU: %d PID: %d Comm: %s Not tainted %s" % (cpu, trig_pid, trig_comm, KVER)),
           (4, "Hardware name: " + HW),
           (4, "Call Trace:"), (4, " <TASK>")]
    out += [(4, l) for l in TRACE_GLOBAL]
    ripm = "%x" % (int(rip, 16) - 0x2a)
    out += [(4, l.format(rip=rip, ripm=ripm)) for l in REGS]
    out += [(4, " </TASK>")]
    if not short:
        out += [(6, l) for l in [
            "Mem-Info:",
            "active_anon:412233 inactive_anon:38120 isolated_anon:0",
            " active_file:112 inactive_file:97 isolated_file:0",
            " unevictable:0 dirty:0 writeback:0",
            " slab_reclaimable:6012 slab_unreclaimable:9321",
            " mapped:3012 shmem:4410 pagetables:5920",
            " sec_pagetables:0 bounce:0",
            " kernel_misc_reclaimable:0",
            " free:13080 free_pcp:62 free_cma:0",
            "Node 0 active_anon:1648932kB inactive_anon:152480kB active_file:448kB inactive_file:388kB unevictable:0kB isolated(anon):0kB isolated(file):0kB mapped:12048kB dirty:0kB writeback:0kB shmem:17640kB shmem_thp: 0kB shmem_pmdmapped: 0kB anon_thp: 0kB writeback_tmp:0kB kernel_stack:2656kB pagetables:23680kB sec_pagetables:0kB all_unreclaimable? yes",
            "Node 0 DMA free:7900kB boost:0kB min:352kB low:440kB high:528kB reserved_highatomic:0KB active_anon:7332kB inactive_anon:0kB active_file:0kB inactive_file:0kB unevictable:0kB writepending:0kB present:15992kB managed:15360kB mlocked:0kB bounce:0kB free_pcp:0kB local_pcp:0kB free_cma:0kB",
            "lowmem_reserve[]: 0 1910 1910 1910 1910",
            "Node 0 DMA32 free:44420kB boost:0kB min:44700kB low:55872kB high:67044kB reserved_highatomic:0KB active_anon:1641600kB inactive_anon:152480kB active_file:448kB inactive_file:388kB unevictable:0kB writepending:0kB present:2080640kB managed:1956392kB mlocked:0kB bounce:0kB free_pcp:248kB local_pcp:124kB free_cma:0kB",
            "lowmem_reserve[]: 0 0 0 0 0",
            "Node 0 DMA: " + buddy([1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1], ["U", "U", "U", "", "U", "U", "", "U", "U", "M", "M"]),
            "Node 0 DMA32: " + buddy([1283, 1020, 503, 221, 73, 11, 2, 0, 0, 0, 0], ["UME", "UME", "UME", "UM", "UM", "U", "U", "", "", "", ""]),
            "Node 0 hugepages_total=0 hugepages_free=0 hugepages_surp=0 hugepages_size=1048576kB",
            "Node 0 hugepages_total=0 hugepages_free=0 hugepages_surp=0 hugepages_size=2048kB",
            "4640 total pagecache pages",
            "0 pages in swap cache",
            "Free swap  = 0kB",
            "Total swap = 0kB",
            "524158 pages RAM",
            "0 pages HighMem/MovableOnly",
            "31062 pages reserved",
            "0 pages hwpoisoned",
        ]]
    out += [(6, "Tasks state (memory values in pages):"),
            (6, "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name")]
    out += [(6, task_row(*t)) for t in tasks]
    out += [(6, "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=%s,task=%s,pid=%d,uid=%d"
             % (memcg_path, vcomm, vpid, vuid)),
            (3, "Out of memory: Killed process %d (%s) total-vm:%dkB, anon-rss:%dkB, file-rss:%dkB, shmem-rss:%dkB, UID:%d pgtables:%dkB oom_score_adj:0"
             % (vpid, vcomm, tvm, anon, filek, shm, vuid, pgt))]
    return out


def oom_reaped(victim):
    vpid, vcomm, vuid, tvm, anon, filek, shm, pgt = victim
    return (6, "oom_reaper: reaped process %d (%s), now anon-rss:0kB, file-rss:0kB, shmem-rss:%dkB" % (vpid, vcomm, shm))


def oom_memcg(trig_comm, trig_pid, cpu, victim, tasks, scope, usage_kb, failcnt, stats):
    vpid, vcomm, vuid, tvm, anon, filek, shm, pgt = victim
    cg = "/system.slice/%s" % scope
    out = [(4, "%s invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0" % trig_comm),
           (4, "CPU: %d PID: %d Comm: %s Not tainted %s" % (cpu, trig_pid, trig_comm, KVER)),
           (4, "Hardware name: " + HW),
           (4, "Call Trace:"), (4, " <TASK>")]
    out += [(4, l) for l in TRACE_MEMCG]
    out += [(4, l.format(rip="7f2d4c91b2c4", ripm="7f2d4c91b29a")) for l in REGS]
    out += [(4, " </TASK>"),
            (6, "memory: usage %dkB, limit %dkB, failcnt %d" % (usage_kb, usage_kb, failcnt)),
            (6, "swap: usage 0kB, limit 0kB, failcnt 0"),
            (6, "Memory cgroup stats for %s:" % cg),
            (6, stats),
            (6, "Tasks state (memory values in pages):"),
            (6, "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name")]
    out += [(6, task_row(*t)) for t in tasks]
    out += [(6, "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=%s,mems_allowed=0,oom_memcg=%s,task_memcg=%s,task=%s,pid=%d,uid=%d"
             % (scope, cg, cg, vcomm, vpid, vuid)),
            (3, "Memory cgroup out of memory: Killed process %d (%s) total-vm:%dkB, anon-rss:%dkB, file-rss:%dkB, shmem-rss:%dkB, UID:%d pgtables:%dkB oom_score_adj:0"
             % (vpid, vcomm, tvm, anon, filek, shm, vuid, pgt))]
    return out


def memcg_stats(anon_b):
    keys = [("anon", anon_b), ("file", 1941504), ("kernel", 9150464), ("kernel_stack", 376832), ("pagetables", 3899392),
            ("sec_pagetables", 0), ("percpu", 5120), ("sock", 0), ("vmalloc", 0), ("shmem", 1052672),
            ("zswap", 0), ("zswapped", 0), ("file_mapped", 1478656), ("file_dirty", 0), ("file_writeback", 0),
            ("swapcached", 0), ("anon_thp", 0), ("file_thp", 0), ("shmem_thp", 0), ("inactive_anon", anon_b - 4096),
            ("active_anon", 1056768), ("inactive_file", 446464), ("active_file", 442368), ("unevictable", 0),
            ("slab_reclaimable", 2412296), ("slab_unreclaimable", 2381064), ("slab", 4793360)]
    return "\n".join("%s %d" % kv for kv in keys)
