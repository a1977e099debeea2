"""Helpers to render log lines exactly the way the real programs write them.

Every event is defined at a UTC instant and rendered in the zone the writing
program would use, so cross-file clocks line up only when zones are honoured.
"""
import datetime as dt
import json
import os
import random
from zoneinfo import ZoneInfo

UTC = dt.timezone.utc
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MON = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
DAY = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def bj(t, maxj=137):
    """deterministic sub-millisecond jitter, identical for every instant in the same millisecond,
    so entries within one millisecond keep their order (generated instants are often whole ms)"""
    ms = int(t.timestamp() * 1000)
    return t + dt.timedelta(microseconds=(ms * 7919) % maxj + 1)


def U(s):
    """'2026-11-24 10:02:11.123' -> aware UTC datetime"""
    return dt.datetime.fromisoformat(s).replace(tzinfo=UTC)


def loc(t, tz):
    return t.astimezone(ZoneInfo(tz) if isinstance(tz, str) else tz)


def iso_z(t):
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") + (".%03dZ" % (t.microsecond // 1000) if t.microsecond else "Z")


def iso_utc_s(t):
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---- timestamp renderers -------------------------------------------------

def ts_nginx(t, tz):
    return loc(t, tz).strftime("%Y/%m/%d %H:%M:%S")


def ts_fpm(t, tz):
    l = loc(t, tz)
    return "[%02d-%s-%04d %02d:%02d:%02d]" % (l.day, MON[l.month - 1], l.year, l.hour, l.minute, l.second)


def ts_php(t, tzname):
    l = loc(t, tzname)
    return "[%02d-%s-%04d %02d:%02d:%02d %s]" % (l.day, MON[l.month - 1], l.year, l.hour, l.minute, l.second, tzname)


def ts_apache24(t, tz):
    l = loc(t, tz)
    return "[%s %s %02d %02d:%02d:%02d.%06d %04d]" % (DAY[l.weekday()], MON[l.month - 1], l.day, l.hour, l.minute,
                                                    l.second, l.microsecond, l.year)


def ts_apache22(t, tz):
    l = loc(t, tz)
    return "[%s %s %02d %02d:%02d:%02d %04d]" % (DAY[l.weekday()], MON[l.month - 1], l.day, l.hour, l.minute,
                                               l.second, l.year)


def ts_syslog(t, tz):
    l = loc(t, tz)
    return "%s %2d %02d:%02d:%02d" % (MON[l.month - 1], l.day, l.hour, l.minute, l.second)


def ts_syslog_iso(t, tz):
    t = bj(t)
    l = loc(t, tz)
    s = l.strftime("%Y-%m-%dT%H:%M:%S") + ".%06d" % l.microsecond
    off = l.strftime("%z")
    return s + off[:3] + ":" + off[3:]


def ts_dmesg_T(t, tz):
    l = loc(t, tz)
    return "[%s %s %2d %02d:%02d:%02d %04d]" % (DAY[l.weekday()], MON[l.month - 1], l.day, l.hour, l.minute,
                                              l.second, l.year)


def ts_access(t, tz):
    l = loc(t, tz)
    return "%02d/%s/%04d:%02d:%02d:%02d %s" % (l.day, MON[l.month - 1], l.year, l.hour, l.minute, l.second,
                                             l.strftime("%z"))


def ts_docker(t, nanos=None, fixed=False):
    """RFC3339Nano in UTC. json-file trims trailing zeros; compose uses fixed 9 digits."""
    u = t.astimezone(UTC)
    if nanos is None:
        if not fixed:
            u = bj(u)
        nanos = u.microsecond * 1000 + random.randint(0, 999)
    frac = "%09d" % nanos
    if not fixed:
        frac = frac.rstrip("0")
    return u.strftime("%Y-%m-%dT%H:%M:%S") + ("." + frac if frac else "") + "Z"


def journal_us(t, jitter=True):
    if jitter:
        t = bj(t)
    return str(int(t.timestamp()) * 1000000 + t.microsecond)


# ---- nginx ---------------------------------------------------------------

NGX_MAX = 2048


def ngx_cap(s):
    """nginx cuts an entry (prefix included, linefeed included) at 2048 bytes."""
    b = s.encode()
    if len(b) > NGX_MAX - 1:
        b = b[:NGX_MAX - 1]
        s = b.decode("utf-8", "ignore")
    return s


def ngx_ctx(client=None, server=None, request=None, upstream=None, host=None, referrer=None):
    parts = []
    if client:
        parts.append("client: " + client)
    if server is not None:
        parts.append("server: " + server)
    if request:
        parts.append('request: "%s"' % request)
    if upstream:
        parts.append('upstream: "%s"' % upstream)
    if host:
        parts.append('host: "%s"' % host)
    if referrer:
        parts.append('referrer: "%s"' % referrer)
    return (", " + ", ".join(parts)) if parts else ""


class Conn:
    """monotonic nginx connection serials"""

    def __init__(self, start, rng):
        self.n = start
        self.rng = rng

    def next(self, step=(1, 35)):
        self.n += self.rng.randint(*step)
        return self.n

    def at(self, t, rate=2.0):
        """serial for a connection opened around t: grows with elapsed time at ~rate conn/s"""
        last = getattr(self, "last", None)
        if last is None:
            inc = self.rng.randint(1, 20)
        else:
            inc = max(1, int((t - last).total_seconds() * rate * self.rng.uniform(0.6, 1.4)))
        self.last = t
        self.n += inc
        return self.n


# ---- writing -------------------------------------------------------------

class Scenario:
    def __init__(self, name):
        self.name = name
        random.seed(name)
        self.dir = os.path.join(ROOT, name)
        self.files = {}  # rel -> list of (t, seq, text)
        self.seq = 0
        self.order = []

    def add(self, rel, t, text):
        self.seq += 1
        if rel not in self.files:
            self.files[rel] = []
            self.order.append(rel)
        self.files[rel].append((t, self.seq, text))

    def write(self, truth, mtimes=None, sort=True):
        os.makedirs(self.dir, exist_ok=True)
        for rel in self.order:
            p = os.path.join(self.dir, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            ents = self.files[rel]
            if sort:
                ents = sorted(ents, key=lambda e: (e[0], e[1]))
            with open(p, "w", newline="\n") as f:
                for _, _, text in ents:
                    if callable(text):
                        text = text()
                    f.write(text.rstrip("\n") + "\n")
            last = max(e[0] for e in ents)
            ts = (mtimes or {}).get(rel, last + dt.timedelta(seconds=30))
            os.utime(p, (ts.timestamp(), ts.timestamp()))
        truth = dict(truth)
        truth.setdefault("files", self.order)
        with open(os.path.join(self.dir, "truth.json"), "w") as f:
            json.dump(truth, f, indent=1, ensure_ascii=False)
            f.write("\n")


def go_json(obj):
    """JSON the way Go's encoding/json writes it (HTML-escaped, compact)."""
    s = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def docker_line(text, stream, t, nanos=None):
    return go_json({"log": text + "\n", "stream": stream, "time": ts_docker(t, nanos)})


UAS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.6723.107 Mobile Safari/537.36",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
]


def ip(rng, nets=("203.0.113", "198.51.100", "192.0.2")):
    return "%s.%d" % (rng.choice(nets), rng.randint(2, 254))


def spread(rng, start, end, n, jitter=True):
    """n sorted random instants in [start, end] with microseconds"""
    span = (end - start).total_seconds()
    out = sorted(start + dt.timedelta(seconds=rng.uniform(0, span)) for _ in range(n))
    return out


def span(times):
    lo, hi = min(times), max(times)
    return iso_utc_s(lo), iso_utc_s(hi + dt.timedelta(microseconds=999999 - hi.microsecond) if hi.microsecond else hi)
