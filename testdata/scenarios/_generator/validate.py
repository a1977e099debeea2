#!/usr/bin/env python3
"""Sanity checks for /work/main/testdata/scenarios.

- truth.json parses, has description/files/args/incidents; files exist; times are UTC 'Z' and from <= to;
  causes are contract causes; statuses are ints >= 500.
- JSON-lines files parse line by line (journal: all values strings/arrays/null; docker: log/stream/time).
- A tiny independent timestamp reader (per format, honouring --tz for naive stamps) reports, per incident,
  how many lines of each file fall inside [from-10s, to+10s], and the overall time range of each file,
  so zone mistakes show up as empty windows.
"""
import datetime as dt
import json
import os
import re
import sys
from zoneinfo import ZoneInfo

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CAUSES = {"php_fatal", "php_memory_exhausted", "php_timeout", "database_unavailable", "dependency_unavailable",
          "config_error", "permission_denied", "upstream_refused", "upstream_reset", "upstream_timeout",
          "upstream_bad_response", "no_live_upstreams", "upstream_tls", "worker_crash", "worker_pool_exhausted",
          "rate_limited", "restart", "oom_kill", "memory_exhausted", "disk_full", "too_many_open_files"}
MON = {m: i + 1 for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split())}
UTC = dt.timezone.utc


def z(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


def naive(y, mo, d, h, mi, s, tz, us=0):
    return dt.datetime(y, mo, d, h, mi, s, us, tzinfo=tz).astimezone(UTC)


def stamp(line, tz, year):
    """-> aware UTC datetime or None (continuation / unknown)"""
    m = re.match(r"^(\S+ +\| )?(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) ", line)
    if m:  # docker -t / compose / ISO syslog
        s = re.sub(r"(\.\d{6})\d+", r"\1", m.group(2))
        return z(s).astimezone(UTC)
    if line.startswith("{"):
        o = json.loads(line)
        if "__REALTIME_TIMESTAMP" in o:
            return dt.datetime.fromtimestamp(int(o["__REALTIME_TIMESTAMP"]) / 1e6, UTC)
        if "time" in o:
            return z(re.sub(r"(\.\d{6})\d+", r"\1", o["time"])).astimezone(UTC)
    m = re.match(r"^(\d{4})/(\d\d)/(\d\d) (\d\d):(\d\d):(\d\d) \[", line)
    if m:
        return naive(*map(int, m.groups()), tz)
    m = re.match(r"^\[(\d\d)-(\w{3})-(\d{4}) (\d\d):(\d\d):(\d\d)(?: ([\w/+-]+))?\]", line)
    if m:
        d, mo, y, h, mi, s, zone = m.groups()
        return naive(int(y), MON[mo], int(d), int(h), int(mi), int(s), ZoneInfo(zone) if zone else tz)
    m = re.match(r"^\[\w{3} (\w{3}) ([ \d]\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{6}))? (\d{4})\]", line)
    if m:  # apache 2.2/2.4, dmesg -T
        mo, d, h, mi, s, us, y = m.groups()
        return naive(int(y), MON[mo], int(d), int(h), int(mi), int(s), tz, int(us or 0))
    m = re.match(r"^(\w{3}) ([ \d]\d) (\d\d):(\d\d):(\d\d) \S+ ", line)
    if m:  # BSD syslog, year from file
        mo, d, h, mi, s = m.groups()
        return naive(year, MON[mo], int(d), int(h), int(mi), int(s), tz)
    m = re.search(r"\[(\d\d)/(\w{3})/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-]\d{4})\]", line)
    if m:  # combined access log
        d, mo, y, h, mi, s, off = m.groups()
        o = dt.timezone(dt.timedelta(hours=int(off[:3]), minutes=int(off[0] + off[3:])))
        return dt.datetime(int(y), MON[mo], int(d), int(h), int(mi), int(s), tzinfo=o).astimezone(UTC)
    return None


def main():
    bad = 0
    names = sorted(n for n in os.listdir(ROOT) if os.path.isfile(os.path.join(ROOT, n, "truth.json")))
    for name in names:
        d = os.path.join(ROOT, name)
        errs = []
        try:
            truth = json.load(open(os.path.join(d, "truth.json")))
        except Exception as e:
            print(f"{name}: truth.json: {e}")
            bad += 1
            continue
        for k in ("description", "files", "args", "incidents"):
            if k not in truth:
                errs.append("missing " + k)
        args = truth.get("args", [])
        tz = ZoneInfo(args[args.index("--tz") + 1]) if "--tz" in args else UTC
        for inc in truth.get("incidents", []):
            for k in ("from", "to"):
                if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", inc.get(k, "")):
                    errs.append(f"{k} not UTC Z: {inc.get(k)}")
            if z(inc["from"]) > z(inc["to"]):
                errs.append("from > to")
            for c in inc["cause"]:
                if c not in CAUSES:
                    errs.append("unknown cause " + c)
            for s in inc["status"]:
                if not isinstance(s, int) or s < 500:
                    errs.append(f"status {s}")
        summary = []
        for f in truth.get("files", []):
            p = os.path.join(d, f)
            if not os.path.isfile(p):
                errs.append("missing file " + f)
                continue
            raw = open(p, "rb").read()
            if b"\r" in raw:
                errs.append(f + ": CR found")
            if not raw.endswith(b"\n"):
                errs.append(f + ": no final newline")
            lines = raw.decode("utf-8").split("\n")[:-1]
            year = dt.datetime.fromtimestamp(os.path.getmtime(p)).year
            times = []
            for i, l in enumerate(lines, 1):
                if l.startswith("{"):
                    try:
                        o = json.loads(l)
                    except ValueError as e:
                        errs.append(f"{f}:{i}: bad JSON {e}")
                        continue
                    if "__REALTIME_TIMESTAMP" in o:
                        for k, v in o.items():
                            if not (isinstance(v, str) or v is None or isinstance(v, list)):
                                errs.append(f"{f}:{i}: journal field {k} not a string")
                    elif not ({"log", "stream", "time"} <= set(o)) or not o["log"].endswith("\n"):
                        errs.append(f"{f}:{i}: docker line malformed")
                if not l.strip():
                    errs.append(f"{f}:{i}: empty line")
                try:
                    t = stamp(l, tz, year)
                except Exception as e:
                    errs.append(f"{f}:{i}: {e}")
                    t = None
                if t:
                    times.append(t)
            if not times:
                errs.append(f + ": no timestamps")
                continue
            # timestamps within a file must not run backwards by more than 2 s (apache access logs excepted)
            zoned = raw.startswith(b"{") or re.match(rb"^(\S+ +\| )?\d{4}-\d\d-\d\dT", raw) is not None
            for a, b in zip(times, times[1:]):
                if zoned and b < a:
                    errs.append(f"{f}: zoned timestamps not monotonic {a} -> {b}")
                    break
                if b < a - dt.timedelta(seconds=2) and "access" not in f:
                    errs.append(f"{f}: time goes back {a} -> {b}")
                    break
            win = []
            for inc in truth.get("incidents", []):
                lo, hi = z(inc["from"]) - dt.timedelta(seconds=10), z(inc["to"]) + dt.timedelta(seconds=10)
                win.append(sum(lo <= t <= hi for t in times))
            summary.append(f"{f}: {len(lines)} lines {min(times):%m-%d %H:%M}..{max(times):%H:%M}Z in-window {win}")
        status = "OK " if not errs else "BAD"
        bad += bool(errs)
        incs = ", ".join(f"{i['cause']}/{i['status']} {i['from'][11:19]}-{i['to'][11:19]}" for i in truth.get("incidents", []))
        print(f"{status} {name}: {incs or 'no incidents'}")
        for s in summary:
            print("      " + s)
        for e in errs[:10]:
            print("   !! " + e)
    print(f"{len(names)} scenarios, {bad} with problems")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
