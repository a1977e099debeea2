#!/usr/bin/env python3
"""Writes testdata/hosts/web1/: a Debian 12 web host as `logscan --root` sees it.

nginx (host) serves shop.example.com: PHP through php8.2-fpm on a unix socket, and
/api/ proxied to the `shop-api` container (node, 127.0.0.1:3000). rsyslog on this
host writes only kern.log (no /var/log/syslog); there is no persistent journal.

Planted incident (UTC; naive stamps are Europe/Berlin, UTC+1): an admin's product-feed
export bloats a php-fpm child; at 13:02:31 the kernel OOM killer kills the container's
node process (the largest), nginx gets a reset and then connection refused on /api/
until docker restarts it (13:02:39); memory stays short, the fpm socket backlog fills
(EAGAIN) and at 13:03:05 the kernel kills the export's php-fpm child too. Expected:
one incident, oom_kill, 502, 13:02:31 .. 13:03:05.

Deterministic (fixed seed); reuses the scenario generator's renderers.
"""
import datetime as dt
import gzip
import json
import os
import random
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "scenarios", "_generator"))

from lib import *  # noqa: E402,F403
from web import Nginx, Access, Fpm  # noqa: E402
from kernel import oom_global, oom_reaped, task_row  # noqa: E402,F401

TREE = os.path.join(HERE, "web1")
TZ = "Europe/Berlin"
FPM_SOCK = "fastcgi://unix:/run/php/php8.2-fpm.sock:"
API = "http://127.0.0.1:3000"
CID = "811e0aec8e5edd8be2926ef3ad01c3d8afc1844c70c32aacf1f7764971a12d81"
BOOT = U("2026-11-19 05:44:12.306119")
HOST = "web1"


class Files:
    """Collects lines per file (sorted by time on write), like the scenario generator."""

    def __init__(self):
        self.name = "web1"
        self.files, self.order, self.seq = {}, [], 0

    def add(self, rel, t, text):
        self.seq += 1
        if rel not in self.files:
            self.files[rel] = []
            self.order.append(rel)
        self.files[rel].append((t, self.seq, text))

    def render(self, rel):
        out = []
        for _, _, text in sorted(self.files[rel], key=lambda e: (e[0], e[1])):
            out.append((text() if callable(text) else text).rstrip("\n") + "\n")
        return "".join(out)


def kern(f, rng):
    def add(t, msg):
        up = (t - BOOT).total_seconds()
        f.add("var/log/kern.log", t, "%s %s kernel: [%7d.%06d] %s" % (
            ts_syslog(t, TZ), HOST, int(up), round((up % 1) * 1e6) % 1000000, msg))
    return add


def ufw(rng):
    src = ip(rng, ("198.51.100", "203.0.113"))
    return ("[UFW BLOCK] IN=ens3 OUT= MAC=52:54:00:9a:41:0c:fe:54:00:9a:41:0c:08:00 SRC=%s DST=192.0.2.80 LEN=44 "
            "TOS=0x00 PREC=0x00 TTL=%d ID=%d PROTO=TCP SPT=%d DPT=%d WINDOW=1024 RES=0x00 SYN URGP=0"
            % (src, rng.randint(230, 250), rng.randint(1000, 65000), rng.randint(30000, 65000),
               rng.choice([23, 3389, 5900, 6379, 2375, 9200, 5432])))


def tasks(fpm_children, node_rss):
    base = [(301, 0, 301, 12412, 1702, 106496, 0, -250, "systemd-journal"),
            (337, 0, 337, 6480, 1140, 69632, 0, -1000, "systemd-udevd"),
            (590, 0, 590, 1650, 431, 53248, 0, 0, "cron"),
            (597, 101, 597, 2260, 618, 57344, 0, -900, "dbus-daemon"),
            (604, 0, 604, 55150, 1201, 81920, 0, 0, "rsyslogd"),
            (711, 0, 711, 3860, 1222, 73728, 0, -1000, "sshd"),
            (802, 0, 802, 468220, 9811, 524288, 0, -500, "dockerd"),
            (815, 0, 815, 453190, 5120, 372736, 0, -999, "containerd"),
            (912, 0, 912, 61280, 5012, 176128, 0, 0, "php-fpm8.2"),
            (933, 0, 933, 13210, 826, 86016, 0, 0, "nginx")]
    base += [(p, 33, p, 13680, 2433, 98304, 0, 0, "nginx") for p in (934, 935)]
    base += [(3366, 0, 3366, 180012, 2210, 110592, 0, -998, "containerd-shim")]
    if node_rss:
        base += [(3391, 1000, 3391, 1412880, node_rss, 6742016, 0, 0, "node")]
    return base + [(p, 33, p, vm, rss, pgt, 0, 0, "php-fpm8.2") for p, vm, rss, pgt in fpm_children]


def kernel_story(f, rng):
    k = kern(f, rng)
    for t in spread(rng, U("2026-11-24 12:21:00"), U("2026-11-24 13:38:00"), 9):
        k(t, ufw(rng))
    kids = [(23117, 298110, 171830, 1548288), (23102, 88412, 14210, 540672), (23125, 86270, 12880, 528384),
            (23131, 84990, 11020, 516096), (23140, 83120, 9980, 503808)]
    scope = "/system.slice/docker-%s.scope" % CID
    node = (3391, "node", 1000, 5651520, 901224, 0, 0, 6584)
    t = U("2026-11-24 13:02:31.207")
    for i, (_, msg) in enumerate(oom_global("php-fpm8.2", 23117, 1, node, tasks(kids, 225306), scope)):
        k(t + dt.timedelta(microseconds=i * 193), msg)
    k(t + dt.timedelta(milliseconds=63), oom_reaped(node)[1])
    kids2 = [(23117, 371208, 262214, 2138112)] + kids[1:] + [(23152, 64110, 7120, 372736)]
    php = (23117, "php-fpm8.2", 33, 1484832, 1046808, 0, 2048, 2088)
    t = U("2026-11-24 13:03:05.644")
    for i, (_, msg) in enumerate(oom_global("php-fpm8.2", 23131, 0, php, tasks(kids2, 0),
                                             "/system.slice/php8.2-fpm.service", rip="55d0c1d3b102", short=True)):
        k(t + dt.timedelta(microseconds=i * 177), msg)
    k(t + dt.timedelta(milliseconds=38), oom_reaped(php)[1])


def fpm_story(f, rng):
    fpm = Fpm(f, "var/log/php8.2-fpm.log", TZ, rng)
    fpm.recycle(U("2026-11-24 12:24:51.310"), 23061, 23102, 1874.201533)
    fpm.recycle(U("2026-11-24 12:39:07.882"), 23077, 23117, 2211.590113)
    fpm.recycle(U("2026-11-24 12:47:40.015"), 23088, 23125, 1998.003214)
    fpm.recycle(U("2026-11-24 12:55:13.604"), 23093, 23131, 2304.771902)
    fpm.started(U("2026-11-24 12:58:02.118"), 23140)
    fpm.pool_msg(U("2026-11-24 13:02:44.006"), "WARNING",
                 "seems busy (you may need to increase pm.start_servers, or pm.min/max_spare_servers), "
                 "spawning 1 children, there are 0 idle, and 5 total children")
    fpm.started(U("2026-11-24 13:02:44.008"), 23152)
    fpm.exited(U("2026-11-24 13:03:05.701"), 23117, 1437.819122, signal="9 (SIGKILL)")
    fpm.started(U("2026-11-24 13:03:05.702"), 23160)
    fpm.recycle(U("2026-11-24 13:21:30.441"), 23102, 23171, 3399.130908)


def api_line(t, obj):
    ms = int(t.timestamp() * 1000)
    base = {"level": 30, "time": ms, "pid": 1, "hostname": CID[:12]}
    base.update(obj)
    return json.dumps(base, separators=(",", ":"))


def docker_story(f, rng, acc):
    rel = "var/lib/docker/containers/%s/%s-json.log" % (CID, CID)

    def out(t, text, stream="stdout"):
        f.add(rel, t, lambda: docker_line(text, stream, t))

    def started(t):
        out(t, "")
        out(t + dt.timedelta(milliseconds=2), "> shop-api@2.14.1 start")
        out(t + dt.timedelta(milliseconds=3), "> node --max-old-space-size=3072 dist/server.js")
        out(t + dt.timedelta(milliseconds=4), "")
        out(t + dt.timedelta(milliseconds=611), api_line(t + dt.timedelta(milliseconds=611),
            {"msg": "connected to redis", "url": "redis://127.0.0.1:6379/2"}))
        out(t + dt.timedelta(milliseconds=640), api_line(t + dt.timedelta(milliseconds=640),
            {"msg": "Server listening at http://0.0.0.0:3000"}))

    started(U("2026-11-24 12:14:09.512"))
    routes = ["/api/cart", "/api/cart", "/api/stock/blue-widget-42", "/api/recommendations?sku=GH-25",
              "/api/cart/items", "/api/shipping/estimate?zip=10115"]
    reqid = [4410]

    def request(t, url, status=200, method="GET"):
        reqid[0] += rng.randint(1, 9)
        rt = rng.randint(4, 160)
        out(t, api_line(t, {"reqId": "req-%x" % reqid[0], "req": {"method": method, "url": url,
                            "remoteAddress": "172.17.0.1"}, "res": {"statusCode": status},
                            "responseTime": rt + rng.random(), "msg": "request completed"}))
        acc.hit(t + dt.timedelta(milliseconds=rt), url, status, size=rng.randint(180, 4200), method=method,
                ref="https://shop.example.com/cart")

    for t in spread(rng, U("2026-11-24 12:20:00"), U("2026-11-24 13:02:29"), 38):
        route = rng.choice(routes)
        request(t, route, method="POST" if route.endswith("/items") else "GET")
    out(U("2026-11-24 12:41:17.204"), api_line(U("2026-11-24 12:41:17.204"),
        {"level": 40, "msg": "recommendations cache miss storm", "keys": 412}))
    started(U("2026-11-24 13:02:39.118"))
    for t in spread(rng, U("2026-11-24 13:02:41"), U("2026-11-24 13:40:00"), 30):
        request(t, rng.choice(routes))


def nginx_story(f, rng, acc):
    ng = Nginx(f, "var/log/nginx/error.log", TZ, rng, workers=(934, 935), conn=771204, server="shop.example.com",
               host="shop.example.com", app="/var/www/shop")
    ng.noise_between(U("2026-11-24 12:20:00"), U("2026-11-24 13:01:50"), 18)
    ng.noise_between(U("2026-11-24 13:05:00"), U("2026-11-24 13:40:00"), 12, kinds=("404", "php", "tls", "closed"))
    acc.background(U("2026-11-24 12:20:00"), U("2026-11-24 13:40:00"), 120)
    api_pages = ["GET /api/cart {proto}", "GET /api/stock/blue-widget-42 {proto}", "POST /api/cart/items {proto}",
                 "GET /api/shipping/estimate?zip=10115 {proto}"]
    # the node process dies mid-request
    t = U("2026-11-24 13:02:31")
    c = ip(rng)
    ng.err(t, "error", "recv() failed (104: Connection reset by peer) while reading response header from upstream",
           ng.ctx(c, "GET /api/recommendations?sku=GH-25 {proto}", upstream=API + "/api/recommendations?sku=GH-25",
                  referrer="https://shop.example.com/product/garden-hose-25m"))
    acc.hit(t, "/api/recommendations?sku=GH-25", 502, size=166, client=c)
    # until docker has restarted it
    for t in spread(rng, U("2026-11-24 13:02:32"), U("2026-11-24 13:02:38.9"), 7):
        c, rq = ip(rng), rng.choice(api_pages)
        path = rq.split()[1]
        ng.err(t, "error", "connect() failed (111: Connection refused) while connecting to upstream",
               ng.ctx(c, rq, upstream=API + path, referrer="https://shop.example.com/cart"))
        acc.hit(t, path, 502, size=166, client=c, method=rq.split()[0])
    # memory stays short: php-fpm children stall, the socket backlog fills
    pages = ["GET / {proto}", "GET /category/garden {proto}", "GET /product/blue-widget-42 {proto}",
             "GET /cart {proto}", "GET /search?q=hose {proto}"]
    eagain = ("connect() to unix:/run/php/php8.2-fpm.sock failed (11: Resource temporarily unavailable) "
              "while connecting to upstream")
    for t in spread(rng, U("2026-11-24 13:02:50"), U("2026-11-24 13:03:04"), 5):
        c, rq = ip(rng), rng.choice(pages)
        ng.err(t, "error", eagain, ng.ctx(c, rq, upstream=FPM_SOCK))
        acc.hit(t, rq.split()[1], 502, size=166, client=c)
    # the export itself is killed
    t = U("2026-11-24 13:03:05")
    ng.err(t, "error", "recv() failed (104: Connection reset by peer) while reading response header from upstream",
           ng.ctx("198.51.100.61", "POST /admin/export/feed?channel=google-shopping {proto}", upstream=FPM_SOCK,
                  referrer="https://shop.example.com/admin/export"))
    acc.hit(t, "/admin/export/feed?channel=google-shopping", 502, size=166, method="POST", client="198.51.100.61",
            ref="https://shop.example.com/admin/export")


def rotated_nginx(rng):
    """error.log.1 (yesterday) and error.log.2.gz (the day before): everyday noise only."""
    out = {}
    for rel, day in (("var/log/nginx/error.log.1", "2026-11-23"), ("var/log/nginx/error.log.2.gz", "2026-11-22")):
        f = Files()
        ng = Nginx(f, rel, TZ, rng, workers=(934, 935), conn=702113, server="shop.example.com",
                   host="shop.example.com", app="/var/www/shop")
        ng.noise_between(U(day + " 05:30:00"), U(day + " 23:59:00"), 14, kinds=("404", "404", "php", "tls"))
        out[rel] = f.render(rel)
    return out


CONFIGS = {
    "etc/php/8.2/fpm/php-fpm.conf": """;;;;;;;;;;;;;;;;;;;;;
; FPM Configuration ;
;;;;;;;;;;;;;;;;;;;;;

; All relative paths in this configuration file are relative to PHP's install
; prefix (/usr). This prefix can be dynamically changed by using the
; '-p' argument from the command line.

;;;;;;;;;;;;;;;;;;
; Global Options ;
;;;;;;;;;;;;;;;;;;

[global]
; Pid file
; Note: the default prefix is /var
; Default Value: none
; Warning: if you change the value here, you need to modify systemd
; service PIDFile= setting to match the value here.
pid = /run/php/php8.2-fpm.pid

; Error log file
; If it's set to "syslog", log is sent to syslogd instead of being written
; into a local file.
; Note: the default prefix is /var
; Default Value: log/php-fpm.log
error_log = /var/log/php8.2-fpm.log

; Log level
; Possible Values: alert, error, warning, notice, debug
; Default Value: notice
;log_level = notice

;emergency_restart_threshold = 0
;emergency_restart_interval = 0
;process_control_timeout = 0

;;;;;;;;;;;;;;;;;;;;
; Pool Definitions ;
;;;;;;;;;;;;;;;;;;;;

; To configure the pools it is recommended to have one .conf file per
; pool in the following directory:
include=/etc/php/8.2/fpm/pool.d/*.conf
""",
    "etc/php/8.2/fpm/pool.d/www.conf": """; Start a new pool named 'www'.
[www]
user = www-data
group = www-data
listen = /run/php/php8.2-fpm.sock
listen.owner = www-data
listen.group = www-data
pm = dynamic
pm.max_children = 12
pm.start_servers = 4
pm.min_spare_servers = 2
pm.max_spare_servers = 6
pm.max_requests = 500
request_terminate_timeout = 300s
catch_workers_output = yes
; PHP errors of this pool go to nginx (FastCGI stderr) and the master log.
;php_admin_value[error_log] = /var/log/fpm-php.www.log
php_admin_value[memory_limit] = 1536M
php_admin_flag[log_errors] = on
""",
    "etc/php/8.2/fpm/php.ini": """[PHP]
engine = On
short_open_tag = Off
max_execution_time = 30
memory_limit = 128M
error_reporting = E_ALL & ~E_DEPRECATED & ~E_STRICT
display_errors = Off
log_errors = On
; Log errors to specified file. PHP's default behavior is to leave this value
; empty.
;error_log = php_errors.log
;error_log = syslog
""",
    "etc/docker/daemon.json": '{\n  "log-driver": "json-file",\n  "log-opts": {"max-size": "50m", "max-file": "3"}\n}\n',
    "etc/nginx/sites-enabled/shop.example.com": """server {
    listen 443 ssl http2;
    server_name shop.example.com;
    root /var/www/shop/public;
    error_log /var/log/nginx/error.log;
    access_log /var/log/nginx/access.log;

    location /api/ {
        proxy_pass http://127.0.0.1:3000;
    }
    location ~ \\.php$ {
        include snippets/fastcgi-php.conf;
        fastcgi_pass unix:/run/php/php8.2-fpm.sock;
    }
}
""",
    "etc/rsyslog.conf": "# Logs live in the (volatile) journal; rsyslog keeps only the kernel's, which must survive a reboot.\n"
                        "module(load=\"imuxsock\")\nmodule(load=\"imklog\")\n"
                        "kern.*\t\t\t\t-/var/log/kern.log\n",
    "etc/timezone": "Europe/Berlin\n",
    "var/log/auth.log": "Nov 24 13:10:02 web1 sshd[24410]: Accepted publickey for deploy from 192.0.2.44 port 51862 ssh2: ED25519 SHA256:2m0cVqv3h7Jb0ZqfJX8s0wz1gk1f8Zt1pEo4Ik7cYpU\n",
    "var/log/dpkg.log": "2026-11-24 06:25:12 status installed man-db:amd64 2.11.2-2\n",
}


def container_config():
    return {
        "StreamConfig": {}, "State": {"Running": True, "Paused": False, "Restarting": False, "OOMKilled": False,
                                      "RemovalInProgress": False, "Dead": False, "Pid": 3391, "ExitCode": 0,
                                      "Error": "", "StartedAt": "2026-11-24T13:02:38.977412093Z",
                                      "FinishedAt": "2026-11-24T13:02:31.402118260Z", "Health": None},
        "ID": CID, "Created": "2026-11-19T05:51:40.118302514Z", "Managed": False,
        "Path": "docker-entrypoint.sh", "Args": ["npm", "start"],
        "Config": {"Hostname": CID[:12], "User": "node", "ExposedPorts": {"3000/tcp": {}},
                   "Env": ["NODE_ENV=production", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                           "NODE_VERSION=22.11.0"],
                   "Cmd": ["npm", "start"], "Image": "ghcr.io/example/shop-api:2.14.1",
                   "WorkingDir": "/app", "Entrypoint": ["docker-entrypoint.sh"],
                   "Labels": {"org.opencontainers.image.version": "2.14.1"}},
        "Image": "sha256:6d1f0a2b9c8e7d6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f",
        "LogPath": "/var/lib/docker/containers/%s/%s-json.log" % (CID, CID),
        "Name": "/shop-api", "RestartCount": 1, "Driver": "overlay2", "Platform": "linux",
        "MountLabel": "", "ProcessLabel": "", "AppArmorProfile": "docker-default",
    }


def main():
    rng = random.Random(90901)
    if os.path.isdir(TREE):
        shutil.rmtree(TREE)
    f = Files()
    acc = Access(f, "var/log/nginx/access.log", TZ, rng)
    kernel_story(f, rng)
    fpm_story(f, rng)
    docker_story(f, rng, acc)
    nginx_story(f, rng, acc)
    files = {rel: f.render(rel) for rel in f.order}
    files.update(rotated_nginx(rng))
    files.update(CONFIGS)
    files["var/lib/docker/containers/%s/config.v2.json" % CID] = json.dumps(container_config(), separators=(",", ":"))
    files["var/lib/docker/containers/%s/hostconfig.json" % CID] = json.dumps(
        {"LogConfig": {"Type": "json-file", "Config": {"max-file": "3", "max-size": "50m"}},
         "RestartPolicy": {"Name": "unless-stopped", "MaximumRetryCount": 0},
         "PortBindings": {"3000/tcp": [{"HostIp": "127.0.0.1", "HostPort": "3000"}]}}, separators=(",", ":"))
    for rel, text in sorted(files.items()):
        p = os.path.join(TREE, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        if rel.endswith(".gz"):
            with open(p, "wb") as out:
                # mtime 0: the same bytes on every run
                out.write(gzip.compress(text.encode(), mtime=0))
        else:
            with open(p, "w", newline="\n") as out:
                out.write(text)


if __name__ == "__main__":
    main()
