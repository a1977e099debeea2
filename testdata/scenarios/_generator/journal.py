"""journalctl -o json entries (compact, all values strings)."""
import hashlib
import json

from lib import *


class Journal:
    def __init__(self, sc, rel, boot, host, seqnum=0x5a1c00, machine="7f3a2c9e1b4d4e6f8a0b1c2d3e4f5a6b",
                 boot_id="e2b5c1d07a3f4b9c8d6e1f2a3b4c5d6e", seqid="c4f1e9a2b7d34c58a6e0f1b2c3d4e5f6"):
        self.sc, self.rel, self.boot, self.host = sc, rel, boot, host
        self.seq = seqnum
        self.machine, self.boot_id, self.seqid = machine, boot_id, seqid
        self.file_id = hashlib.md5(host.encode()).hexdigest()

    def _head(self, t):
        self.seq += 1
        mono = int((t - self.boot).total_seconds() * 1e6)
        rt = journal_us(t)
        x = hashlib.md5(("%s%d" % (rt, self.seq)).encode()).hexdigest()[:16]
        cursor = "s=%s;i=%x;b=%s;m=%x;t=%x;x=%s" % (self.file_id, self.seq, self.boot_id, mono, int(rt), x)
        return {"__CURSOR": cursor, "__REALTIME_TIMESTAMP": rt, "__MONOTONIC_TIMESTAMP": str(mono),
                "_BOOT_ID": self.boot_id, "__SEQNUM": str(self.seq), "__SEQNUM_ID": self.seqid}, mono

    def _emit(self, t, obj):
        # the head (cursor, seqnum) is rendered at write time, in time order
        body = {k: v for k, v in obj.items() if not k.startswith("__") and k != "_BOOT_ID"}

        def render():
            h, mono = self._head(t)
            if "_SOURCE_MONOTONIC_TIMESTAMP" in body:
                body["_SOURCE_MONOTONIC_TIMESTAMP"] = str(mono - 37)
            h.update(body)
            return json.dumps(h, ensure_ascii=False, separators=(",", ":"))

        self.sc.add(self.rel, t, render)

    def kernel(self, t, prio, msg):
        h, mono = self._head(t)
        h.update({"_SOURCE_MONOTONIC_TIMESTAMP": str(mono - 37), "_TRANSPORT": "kernel", "PRIORITY": str(prio),
                  "SYSLOG_FACILITY": "0", "SYSLOG_IDENTIFIER": "kernel", "_MACHINE_ID": self.machine,
                  "_HOSTNAME": self.host, "_RUNTIME_SCOPE": "system", "MESSAGE": msg})
        self._emit(t, h)

    def systemd(self, t, msg, unit, prio=6, code=("src/core/unit.c", "5826", "unit_log_success"),
                msgid="7ad2d189f7e94e70a38c781354912448"):
        h, mono = self._head(t)
        h.update({"PRIORITY": str(prio), "SYSLOG_FACILITY": "3", "SYSLOG_IDENTIFIER": "systemd", "_UID": "0",
                  "_GID": "0", "_MACHINE_ID": self.machine, "_HOSTNAME": self.host, "_RUNTIME_SCOPE": "system",
                  "_TRANSPORT": "journal", "_PID": "1", "_COMM": "systemd", "_EXE": "/usr/lib/systemd/systemd",
                  "_CMDLINE": "/sbin/init", "_CAP_EFFECTIVE": "1ffffffffff", "_SYSTEMD_CGROUP": "/init.scope",
                  "_SYSTEMD_UNIT": "init.scope", "_SYSTEMD_SLICE": "-.slice", "CODE_FILE": code[0],
                  "CODE_LINE": code[1], "CODE_FUNC": code[2], "MESSAGE_ID": msgid, "UNIT": unit, "MESSAGE": msg,
                  "_SOURCE_REALTIME_TIMESTAMP": str(int(journal_us(t)) - 211)})
        if not msgid:
            del h["MESSAGE_ID"]
        self._emit(t, h)

    def syslog(self, t, ident, pid, msg, prio, unit, comm, exe, cmdline, uid="0", facility="3", extra=None,
               tz="UTC"):
        h, mono = self._head(t)
        l = loc(t, tz)
        h.update({"PRIORITY": str(prio), "SYSLOG_FACILITY": facility, "SYSLOG_IDENTIFIER": ident,
                  "SYSLOG_PID": str(pid), "SYSLOG_TIMESTAMP": "%s %2d %02d:%02d:%02d " % (
                      MON[l.month - 1], l.day, l.hour, l.minute, l.second),
                  "_TRANSPORT": "syslog", "_PID": str(pid), "_UID": uid, "_GID": uid, "_COMM": comm, "_EXE": exe,
                  "_CMDLINE": cmdline, "_CAP_EFFECTIVE": "0" if uid != "0" else "1ffffffffff",
                  "_SYSTEMD_CGROUP": "/system.slice/%s" % unit, "_SYSTEMD_UNIT": unit,
                  "_SYSTEMD_SLICE": "system.slice", "_SYSTEMD_INVOCATION_ID": hashlib.md5(unit.encode()).hexdigest(),
                  "_MACHINE_ID": self.machine, "_HOSTNAME": self.host, "_RUNTIME_SCOPE": "system",
                  "MESSAGE": msg, "_SOURCE_REALTIME_TIMESTAMP": str(int(journal_us(t)) - 180)})
        h = {k: v for k, v in h.items() if v is not None}
        if extra:
            h.update(extra)
        self._emit(t, h)

    def stdout(self, t, ident, pid, msg, prio, unit, comm, exe, cmdline, uid="0", extra=None):
        h, mono = self._head(t)
        h.update({"PRIORITY": str(prio), "SYSLOG_FACILITY": "3", "SYSLOG_IDENTIFIER": ident, "_TRANSPORT": "stdout",
                  "_STREAM_ID": hashlib.md5((unit + ident).encode()).hexdigest(), "_PID": str(pid), "_UID": uid,
                  "_GID": uid, "_COMM": comm, "_EXE": exe, "_CMDLINE": cmdline,
                  "_CAP_EFFECTIVE": "0" if uid != "0" else "1ffffffffff",
                  "_SYSTEMD_CGROUP": "/system.slice/%s" % unit, "_SYSTEMD_UNIT": unit,
                  "_SYSTEMD_SLICE": "system.slice", "_SYSTEMD_INVOCATION_ID": hashlib.md5(unit.encode()).hexdigest(),
                  "_MACHINE_ID": self.machine, "_HOSTNAME": self.host, "_RUNTIME_SCOPE": "system", "MESSAGE": msg})
        if extra:
            h.update(extra)
        self._emit(t, h)

    def raw(self, t, fields):
        h, mono = self._head(t)
        h.update({"_MACHINE_ID": self.machine, "_HOSTNAME": self.host, "_RUNTIME_SCOPE": "system"})
        h.update(fields)
        self._emit(t, h)
