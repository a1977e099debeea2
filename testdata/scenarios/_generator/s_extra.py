import random

from lib import *
from web import Nginx, Access, STATIC_404
from kernel import oom_global, oom_reaped
from s_misc import same_conn

FPM_SOCK = "fastcgi://unix:/run/php/php8.2-fpm.sock:"


def oom_mysql():
    """The host OOM killer picks mariadbd while a cron import bloats; PHP pages fail with PDO [2002] until InnoDB recovers."""
    rng = random.Random(1919)
    sc = Scenario("oom-mysql-iso-syslog")
    tz = "Europe/Berlin"
    HOST = "web3"
    app = "/var/www/example.com"

    def sl(t, tag, msg):
        sc.add("syslog", t, "%s %s %s: %s" % (ts_syslog_iso(t, tz), HOST, tag, msg))

    ng = Nginx(sc, "error.log", tz, rng, workers=(1102, 1103), conn=3320411, level="error")
    # syslog noise
    for s, tag, m in [("02:05:01.411203", "CRON[88123]", "(root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)"),
                      ("02:09:01.118320", "CRON[88180]", "(root) CMD (  [ -x /usr/lib/php/sessionclean ] && if [ ! -d /run/systemd/system ]; then /usr/lib/php/sessionclean; fi)"),
                      ("02:09:01.160771", "systemd[1]", "Starting phpsessionclean.service - Clean php session files..."),
                      ("02:09:01.402118", "systemd[1]", "phpsessionclean.service: Deactivated successfully."),
                      ("02:09:01.402330", "systemd[1]", "Finished phpsessionclean.service - Clean php session files."),
                      ("02:10:01.002114", "CRON[88210]", "(www-data) CMD (php /var/www/example.com/bin/console app:import-feed --all)"),
                      ("02:11:37.640021", "kernel", ufw_line(rng)),
                      ("02:15:01.220145", "CRON[88601]", "(root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)"),
                      ("02:21:44.903112", "kernel", ufw_line(rng)),
                      ("02:25:01.330918", "CRON[88790]", "(root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)")]:
        sl(U("2026-11-24 " + s), tag, m)
    tasks = [(301, 0, 301, 12380, 1710, 106496, 0, -250, "systemd-journal"),
             (340, 0, 340, 6480, 1090, 69632, 0, -1000, "systemd-udevd"),
             (590, 0, 590, 1650, 410, 53248, 0, 0, "cron"),
             (598, 101, 598, 2260, 600, 57344, 0, -900, "dbus-daemon"),
             (610, 0, 610, 55150, 1210, 81920, 0, 0, "rsyslogd"),
             (701, 0, 701, 3860, 1180, 73728, 0, -1000, "sshd"),
             (745, 106, 745, 413580, 154101, 2351104, 0, 0, "mariadbd"),
             (790, 0, 790, 61280, 4980, 176128, 0, 0, "php-fpm8.2"),
             (811, 0, 811, 13210, 820, 86016, 0, 0, "nginx"),
             (1102, 33, 1102, 13690, 2380, 98304, 0, 0, "nginx"),
             (1103, 33, 1103, 13690, 2390, 98304, 0, 0, "nginx")] + \
            [(p, 33, p, 64100 + d, 9100 + d, 372736, 0, 0, "php-fpm8.2") for p, d in ((3310, 210), (3311, 1402), (3318, 88), (3320, 611))] + \
            [(88211, 33, 88211, 2224, 512, 57344, 0, 0, "sh"), (88212, 33, 88212, 198410, 141880, 1409024, 0, 0, "php8.2")]
    victim = (745, "mariadbd", 106, 1654320, 614308, 0, 2096, 2296)
    tk = U("2026-11-24 02:12:44.512")
    for i, (prio, msg) in enumerate(oom_global("php8.2", 88212, 0, victim, tasks, "/system.slice/mariadb.service",
                                               rip="7f61c2e9f3a1")):
        sl(tk + dt.timedelta(microseconds=i * 193), "kernel", msg)
    sl(tk + dt.timedelta(milliseconds=61), "kernel", oom_reaped(victim)[1])
    ev = [tk]
    for dms, m in [(95, "mariadb.service: A process of this unit has been killed by the OOM killer."),
                   (118, "mariadb.service: Main process exited, code=killed, status=9/KILL"),
                   (120, "mariadb.service: Failed with result 'oom-kill'."),
                   (121, "mariadb.service: Consumed 2h 11min 3.402s CPU time."),
                   (5330, "mariadb.service: Scheduled restart job, restart counter is at 1."),
                   (5334, "Stopped mariadb.service - MariaDB 10.11.6 database server."),
                   (5338, "Starting mariadb.service - MariaDB 10.11.6 database server...")]:
        sl(tk + dt.timedelta(milliseconds=dms), "systemd[1]", m)

    def maria(t, msg):
        l = loc(t, tz)
        sl(t, "mariadbd[88391]", "%04d-%02d-%02d %2d:%02d:%02d 0 [Note] %s" % (l.year, l.month, l.day, l.hour, l.minute, l.second, msg))

    base = tk + dt.timedelta(seconds=6)
    for s, m in [(0.02, "Starting MariaDB 10.11.6-MariaDB-0+deb12u1 source revision fecd78b83785d5ae96f2c6ff340375be803cd299 as process 88391"),
                 (0.050, "InnoDB: Compressed tables use zlib 1.2.13"), (0.051, "InnoDB: Number of transaction pools: 1"),
                 (0.053, "InnoDB: Using crc32 + pclmulqdq instructions"), (0.06, "InnoDB: Using liburing"),
                 (0.07, "InnoDB: Initializing buffer pool, total size = 512.000MiB, chunk size = 8.000MiB"),
                 (0.19, "InnoDB: Completed initialization of buffer pool"),
                 (0.21, "InnoDB: Buffered log writes (block size=512 bytes)"),
                 (0.23, "InnoDB: Starting crash recovery from checkpoint LSN=48812331402"),
                 (51.3, "InnoDB: Starting final batch to recover 1843 pages from redo log."),
                 (130.8, "InnoDB: 128 rollback segments are active."),
                 (131.0, "InnoDB: Removed temporary tablespace data file: \"./ibtmp1\""),
                 (131.1, "InnoDB: log sequence number 48830112983; transaction id 9912841"),
                 (131.4, "Server socket created on IP: '127.0.0.1'."),
                 (131.6, "/usr/sbin/mariadbd: ready for connections.")]:
        maria(base + dt.timedelta(seconds=s), m)
    tready = base + dt.timedelta(seconds=131.6)
    sl(tready + dt.timedelta(microseconds=300), "mariadbd[88391]",
       "Version: '10.11.6-MariaDB-0+deb12u1'  socket: '/run/mysqld/mysqld.sock'  port: 3306  Debian 12")
    sl(tready + dt.timedelta(milliseconds=40), "systemd[1]", "Started mariadb.service - MariaDB 10.11.6 database server.")

    head = ("PHP message: PHP Fatal error:  Uncaught PDOException: SQLSTATE[HY000] [2002] No such file or directory in {app}/src/Db/Connection.php:31\n"
            "Stack trace:\n"
            "#0 {app}/src/Db/Connection.php(31): PDO->__construct('mysql:host=loca...', 'shop', Object(SensitiveParameterValue), Array)\n"
            "#1 {app}/src/Db/Connection.php(19): App\\Db\\Connection->connect()\n"
            "#2 {app}/src/Http/Kernel.php(64): App\\Db\\Connection->pdo()\n"
            "#3 {app}/public/index.php(21): App\\Http\\Kernel->handle(Object(App\\Http\\Request))\n"
            "#4 {{main}}\n"
            "  thrown in {app}/src/Db/Connection.php on line 31").format(app=app)
    pages = ["GET / {proto}", "GET /category/garden {proto}", "GET /product/blue-widget-42 {proto}", "GET /cart {proto}",
             "GET /search?q=hose {proto}"]
    for t in [U("2026-11-24 02:12:45")] + spread(rng, U("2026-11-24 02:12:50"), tready - dt.timedelta(seconds=3), 12) + [tready - dt.timedelta(seconds=1)]:
        ng.err(t, "error", 'FastCGI sent in stderr: "%s" while reading response header from upstream' % head,
               ng.ctx(ip(rng), rng.choice(pages), upstream=FPM_SOCK))
        ev.append(t)
    ng.noise_between(U("2026-11-24 01:40:00"), U("2026-11-24 02:11:00"), 12, kinds=("404", "404", "php", "tls"))
    ng.noise_between(U("2026-11-24 02:18:00"), U("2026-11-24 02:40:00"), 8, kinds=("404", "php", "tls"))
    f, to = span(ev)
    sc.write({"description": "rsyslog high-precision format (RFC 3339 with +01:00, kernel lines without uptime stamp). "
                             "A 03:10 cron feed import (php8.2 CLI) triggers a host OOM; the kernel kills mariadbd, "
                             "systemd restarts it and InnoDB crash recovery takes ~2 minutes. Meanwhile PHP pages die "
                             "with PDOException [2002] No such file or directory (socket gone) -> 500. Root cause is "
                             "the OOM kill, not the database. nginx is naive Europe/Berlin time.",
              "files": ["syslog", "error.log"],
              "args": ["--tz", tz],
              "incidents": [{"from": f, "to": to, "cause": ["oom_kill"], "status": [500]}]})


def ufw_line(rng):
    return ("[UFW BLOCK] IN=ens3 OUT= MAC=52:54:00:7a:21:c4:fe:54:00:7a:21:c4:08:00 SRC=%s DST=192.0.2.30 LEN=40 TOS=0x00 "
            "PREC=0x00 TTL=%d ID=%d PROTO=TCP SPT=%d DPT=%d WINDOW=1024 RES=0x00 SYN URGP=0"
            % (ip(rng, ("198.51.100", "203.0.113")), rng.randint(230, 250), rng.randint(1000, 65000),
               rng.randint(30000, 65000), rng.choice([23, 3389, 5900, 6379, 9200])))


def upstream_tls():
    rng = random.Random(2020)
    sc = Scenario("upstream-tls")
    tz = "Asia/Tokyo"
    ng = Nginx(sc, "error.log", tz, rng, workers=(2601, 2602, 2603, 2604), conn=5502918, level="warn")
    ng.noise_between(U("2026-11-24 00:00:00"), U("2026-11-24 00:29:00"), 16, kinds=("404", "404", "php", "tls", "tls", "buffered"))
    ng.noise_between(U("2026-11-24 00:39:00"), U("2026-11-24 01:00:00"), 12, kinds=("404", "php", "tls", "tls", "buffered"))
    apis = ["/api/v2/prices?sku=4711", "/api/v2/stock?sku=4711", "/api/v2/prices?sku=1893", "/api/v2/cart/totals",
            "/api/v2/shipping/quote?zip=150-0001"]
    servers = ["10.0.5.20:8443", "10.0.5.21:8443"]
    tls_err = "SSL_do_handshake() failed (SSL: error:0A00042E:SSL routines::tlsv1 alert protocol version:SSL alert number 70) while SSL handshaking to upstream"
    ev = []
    times = [U("2026-11-24 00:30:15")] + spread(rng, U("2026-11-24 00:30:17"), U("2026-11-24 00:36:35"), 40) + [U("2026-11-24 00:36:41")]
    down_until = None
    for t in times:
        c = ip(rng)
        api = rng.choice(apis)
        rq = "GET %s {proto}" % api
        ref = "https://example.com/product/blue-widget-42"
        cf = same_conn(ng, t)
        w = rng.choice(ng.workers)
        if down_until is None or t >= down_until:
            # both peers tried (proxy_next_upstream error), each marked failed (max_fails=1 fail_timeout=10s)
            for k, s in enumerate(servers):
                tt = t + dt.timedelta(milliseconds=3 * k)
                up = "https://%s%s" % (s, api)
                ng.err(tt, "error", tls_err, ng.ctx(c, rq, upstream=up, referrer=ref), conn=cf, pid=w)
                ng.err(tt, "warn", "upstream server temporarily disabled while SSL handshaking to upstream",
                       ng.ctx(c, rq, upstream=up, referrer=ref), conn=cf, pid=w)
            down_until = t + dt.timedelta(seconds=10)
        else:
            ng.err(t, "error", "no live upstreams while connecting to upstream",
                   ng.ctx(c, rq, upstream="https://api_backend%s" % api, referrer=ref), conn=cf, pid=w)
        ev.append(t)
    f, to = span(ev)
    sc.write({"description": "nginx proxies /api/ to an upstream block of two HTTPS backends. A backend change at "
                             "09:30 JST allows only TLS 1.3 while proxy_ssl_protocols is TLSv1.2: every handshake to "
                             "upstream fails (alert protocol version), both peers get disabled and requests in between "
                             "log 'no live upstreams'. 502 until the rollback at 09:36. Client-side 'SSL_do_handshake() "
                             "failed ... while SSL handshaking, client:' lines from scanners are noise. Root cause is the "
                             "upstream TLS failure; 'no live upstreams' is its consequence.",
              "args": ["--tz", tz],
              "incidents": [{"from": f, "to": to, "cause": ["upstream_tls"], "status": [502]}]})


def too_many_files():
    rng = random.Random(2121)
    sc = Scenario("too-many-open-files")
    tz = "UTC"
    ng = Nginx(sc, "error.log", tz, rng, workers=(811 + 1, 811 + 2), conn=12004411, level="warn")
    acc = Access(sc, "access.log", tz, rng)
    # the morning reload already warned about the limit (systemd LimitNOFILE=1024, no worker_rlimit_nofile)
    ng.err(U("2026-11-24 08:02:11"), "warn", "4096 worker_connections exceed open file resource limit: 1024", conn=False, pid=811)
    ng.noise_between(U("2026-11-24 10:05:00"), U("2026-11-24 10:39:00"), 16, kinds=("404", "404", "php", "tls", "buffered"))
    ng.noise_between(U("2026-11-24 10:47:00"), U("2026-11-24 11:10:00"), 10, kinds=("404", "php", "tls", "buffered"))
    acc.background(U("2026-11-24 10:05:00"), U("2026-11-24 11:10:00"), 90)
    ev = []
    start, end = U("2026-11-24 10:40:05"), U("2026-11-24 10:44:31")
    for t in [start] + spread(rng, start, end, 24) + [end]:
        ng.err(t, "crit", "accept4() failed (24: Too many open files)", conn=False)
        ev.append(t)
    statics = ["/assets/css/app.4b1e2c.css", "/assets/js/app.77d0e1.js", "/img/logo.svg", "/img/banner-black-friday.webp"]
    for t in spread(rng, start + dt.timedelta(seconds=2), end - dt.timedelta(seconds=2), 22):
        c = ip(rng)
        if rng.random() < 0.55:
            rq = rng.choice(["GET / {proto}", "GET /category/garden {proto}", "GET /product/blue-widget-42 {proto}",
                             "GET /search?q=hose {proto}", "POST /cart/add {proto}"])
            ng.err(t, "alert", "socket() failed (24: Too many open files) while connecting to upstream",
                   ng.ctx(c, rq, upstream=FPM_SOCK))
            m, p = rq.split()[:2]
        else:
            p = rng.choice(statics)
            m = "GET"
            ng.err(t, "crit", 'open() "/var/www/example.com/public%s" failed (24: Too many open files)' % p,
                   ng.ctx(c, "GET %s {proto}" % p, referrer="https://example.com/"))
        acc.hit(t, p, 500, size=177, method=m, client=c)
    f, to = span(ev)
    sc.write({"description": "nginx runs with 4096 worker_connections but only 1024 file descriptors (warned at the "
                             "08:02 reload). A traffic spike of slow keep-alive clients exhausts the descriptors: "
                             "accept4() fails (no response at all), socket() to php-fpm fails ([alert]) and static "
                             "open() fails -> 500 in the access log, 10:40-10:44 UTC.",
              "files": ["error.log", "access.log"],
              "args": ["--tz", tz],
              "incidents": [{"from": f, "to": to, "cause": ["too_many_open_files"], "status": [500]}]})


if __name__ == "__main__":
    oom_mysql()
    upstream_tls()
    too_many_files()
