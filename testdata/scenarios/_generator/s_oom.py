import random

from lib import *
from web import Nginx, Access, Fpm
from kernel import *
from journal import Journal

FPM_SOCK = "fastcgi://unix:/run/php/php8.2-fpm.sock:"


def kern_bsd(sc, rel, host, tz, boot):
    def add(t, msg):
        up = (t - boot).total_seconds()
        sc.add(rel, t, "%s %s kernel: [%5d.%06d] %s" % (ts_syslog(t, tz), host, int(up), round((up % 1) * 1e6) % 1000000, msg))
    return add


def ufw(rng, dst="192.0.2.10", dpt=None):
    src = ip(rng, ("198.51.100", "203.0.113"))
    dpt = dpt or rng.choice([23, 3389, 5900, 8443, 6379, 2375, 9200, 5432])
    return ("[UFW BLOCK] IN=ens3 OUT= MAC=52:54:00:3c:8a:11:fe:54:00:3c:8a:11:08:00 SRC=%s DST=%s LEN=44 TOS=0x00 "
            "PREC=0x00 TTL=%d ID=%d PROTO=TCP SPT=%d DPT=%d WINDOW=1024 RES=0x00 SYN URGP=0"
            % (src, dst, rng.randint(230, 250), rng.randint(1000, 65000), rng.randint(30000, 65000), dpt))


def oom_kill():
    """Host OOM: a sales report grows php-fpm children until the kernel kills two of them."""
    rng = random.Random(101)
    sc = Scenario("oom-kill")
    tz = "UTC"
    boot = U("2026-11-02 06:13:52.401113")
    k = kern_bsd(sc, "kern.log", "web1", tz, boot)
    ng = Nginx(sc, "error.log", tz, rng, workers=(812, 813, 814, 815), conn=1893402)
    fpm = Fpm(sc, "php8.2-fpm.log", tz, rng)

    # kernel noise
    for s in ["09:41:07.118", "09:48:55.402", "09:57:31.990", "10:06:12.277", "10:11:40.651", "10:17:03.020"]:
        k(U("2026-11-24 " + s), ufw(rng))

    def tasks(children, extra=()):
        base = [(298, 0, 298, 12380, 1650, 106496, 0, -250, "systemd-journal"),
                (331, 0, 331, 6480, 1120, 69632, 0, -1000, "systemd-udevd"),
                (512, 997, 512, 22580, 890, 81920, 0, 0, "systemd-timesyn"),
                (588, 0, 588, 1650, 420, 53248, 0, 0, "cron"),
                (590, 101, 590, 2260, 610, 57344, 0, -900, "dbus-daemon"),
                (601, 0, 601, 55150, 1180, 81920, 0, 0, "rsyslogd"),
                (605, 0, 605, 4390, 920, 73728, 0, 0, "systemd-logind"),
                (702, 0, 702, 3860, 1210, 73728, 0, -1000, "sshd"),
                (745, 106, 745, 414920, 38211, 1093632, 0, 0, "mariadbd"),
                (790, 0, 790, 61280, 4980, 176128, 0, 0, "php-fpm8.2"),
                (811, 0, 811, 13210, 820, 86016, 0, 0, "nginx")]
        base += [(p, 33, p, 13680, 2410, 98304, 0, 0, "nginx") for p in (812, 813, 814, 815)]
        return base + [(p, 33, p, vm, rss, pgt, 0, 0, "php-fpm8.2") for p, vm, rss, pgt in children] + list(extra)

    kids = [(4242, 203085, 101040, 1232896), (4251, 183220, 84120, 1118208), (4255, 121880, 31230, 745472),
            (4261, 190300, 90870, 1177600), (4270, 98750, 22140, 602112), (4277, 170110, 61420, 1040384),
            (4281, 88330, 16510, 536576), (4290, 66210, 9920, 401408), (4296, 64880, 8450, 389120),
            (4297, 63020, 6110, 368640), (4298, 62950, 5980, 364544)]
    v1 = (4242, "php-fpm8.2", 33, 812340, 402112, 0, 2048, 1204)
    t = U("2026-11-24 10:02:11.083")
    up = (t - boot).total_seconds()
    for i, (prio, msg) in enumerate(oom_global("php-fpm8.2", 4251, 1, v1, tasks(kids), "/system.slice/php8.2-fpm.service")):
        k(t + dt.timedelta(microseconds=i * 211), msg)
    k(t + dt.timedelta(milliseconds=41), oom_reaped(v1)[1])

    kids2 = [c for c in kids if c[0] != 4242] + [(4302, 64110, 7120, 372736)]
    v2 = (4261, "php-fpm8.2", 33, 761200, 361432, 0, 2048, 1150)
    t = U("2026-11-24 10:03:02.517")
    for i, (prio, msg) in enumerate(oom_global("php-fpm8.2", 4277, 0, v2, tasks(kids2), "/system.slice/php8.2-fpm.service",
                                               rip="55d0c1d3b102")):
        k(t + dt.timedelta(microseconds=i * 187), msg)
    k(t + dt.timedelta(milliseconds=36), oom_reaped(v2)[1])

    # php-fpm master log
    fpm.recycle(U("2026-11-24 09:31:37.200"), 4180, 4242, 2214.107622)
    fpm.recycle(U("2026-11-24 09:39:39.540"), 4193, 4261, 2390.551804)
    fpm.started(U("2026-11-24 09:52:20.013"), 4290)
    fpm.started(U("2026-11-24 09:52:21.015"), 4296)
    fpm.pool_msg(U("2026-11-24 10:01:52.004"), "WARNING",
                 "seems busy (you may need to increase pm.start_servers, or pm.min/max_spare_servers), spawning 2 children, there are 0 idle, and 9 total children")
    fpm.started(U("2026-11-24 10:01:52.006"), 4297)
    fpm.started(U("2026-11-24 10:01:52.007"), 4298)
    fpm.exited(U("2026-11-24 10:02:11.140"), 4242, 1833.940158, signal="9 (SIGKILL)")
    fpm.started(U("2026-11-24 10:02:11.141"), 4302)
    fpm.exited(U("2026-11-24 10:03:02.571"), 4261, 1403.031440, signal="9 (SIGKILL)")
    fpm.started(U("2026-11-24 10:03:02.572"), 4311)
    fpm.recycle(U("2026-11-24 10:14:48.310"), 4255, 4340, 1951.200571)

    # nginx: everyday noise
    ng.noise_between(U("2026-11-24 09:30:10"), U("2026-11-24 10:01:40"), 16, kinds=("404", "404", "php", "tls"))
    ng.noise_between(U("2026-11-24 10:05:40"), U("2026-11-24 10:19:50"), 9, kinds=("404", "php", "tls"))
    # outage
    pages = ["GET / {proto}", "GET /category/garden {proto}", "GET /product/blue-widget-42 {proto}",
             "GET /cart {proto}", "POST /cart/add {proto}", "GET /search?q=hose {proto}", "GET /category/tools?page=2 {proto}"]
    eagain = "connect() to unix:/run/php/php8.2-fpm.sock failed (11: Resource temporarily unavailable) while connecting to upstream"
    for s in ["10:02:04", "10:02:06", "10:02:07", "10:02:09"]:
        ng.err(U("2026-11-24 " + s), "error", eagain, ng.ctx(ip(rng), rng.choice(pages), upstream=FPM_SOCK))
    ng.err(U("2026-11-24 10:02:11"), "error",
           "recv() failed (104: Connection reset by peer) while reading response header from upstream",
           ng.ctx("198.51.100.61", "GET /admin/reports/sales?year=2026&group=sku {proto}", upstream=FPM_SOCK,
                  referrer="https://example.com/admin/reports"))
    for t in spread(rng, U("2026-11-24 10:02:12"), U("2026-11-24 10:02:58"), 8):
        ng.err(t, "error", eagain, ng.ctx(ip(rng), rng.choice(pages), upstream=FPM_SOCK))
    ng.err(U("2026-11-24 10:03:02"), "error",
           "upstream prematurely closed FastCGI stdout while reading response header from upstream",
           ng.ctx("198.51.100.61", "GET /admin/reports/sales?year=2026&group=sku {proto}", upstream=FPM_SOCK,
                  referrer="https://example.com/admin/reports"))
    for t in spread(rng, U("2026-11-24 10:03:04"), U("2026-11-24 10:04:27"), 8) + [U("2026-11-24 10:04:28")]:
        ng.err(t, "error", eagain, ng.ctx(ip(rng), rng.choice(pages), upstream=FPM_SOCK))

    sc.write({"description": "Host OOM on a 2 GB VM: a sales report bloats php-fpm children, the kernel OOM-kills two "
                             "of them (10:02:11, 10:03:02); nginx answers 502 (EAGAIN on the full socket backlog, "
                             "reset, premature close) until memory recovers at 10:04:28. kern.log is year-less BSD syslog.",
              "args": ["--tz", "UTC"],
              "incidents": [{"from": "2026-11-24T10:02:04Z", "to": "2026-11-24T10:04:28Z",
                             "cause": ["oom_kill"], "status": [502]}]})


def docker_oom():
    """Memory cgroup OOM inside the php container (512M limit) during three product-import attempts."""
    rng = random.Random(202)
    sc = Scenario("docker-oom-memcg")
    web_id = "4c1e9a7b2d3f5e6a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a"
    php_id = "9e7f0b2c4d6a8e1f3b5c7d9e0a2c4e6f8b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a"
    web = "containers/%s/%s-json.log" % (web_id, web_id)
    php = "containers/%s/%s-json.log" % (php_id, php_id)
    boot = U("2026-11-20 07:12:30.118204")
    j = Journal(sc, "journal.json", boot, "docker1")
    scope = "docker-%s.scope" % php_id
    UP = "fastcgi://172.19.0.2:9000"
    WPID = (29, 30)
    conn = Conn(1104, rng)

    def ngx_err(t, level, msg, ctx):
        def r():
            p = rng.choice(WPID)
            return docker_line(ngx_cap("%s [%s] %d#%d: *%d %s%s" % (ts_nginx(t, "UTC"), level, p, p, conn.next((1, 6)), msg, ctx)), "stderr", t)
        sc.add(web, t, r)

    def ngx_acc(t, path, status, size, method="GET", client=None, ref="-"):
        client = client or ip(rng)
        ua = rng.choice(UAS)
        line = '172.19.0.1 - - [%s] "%s %s HTTP/1.1" %d %d "%s" "%s" "%s"' % (
            ts_access(t, "UTC"), method, path, status, size, ref, ua, client)
        sc.add(web, t, docker_line(line, "stdout", t))

    def fpm_line(t, text):
        sc.add(php, t, docker_line(text, "stderr", t))

    def fpm_acc(t, method, status):
        fpm_line(t, '172.19.0.3 -  %s "%s /index.php" %d' % (ts_access(t, "UTC"), method, status))

    def ctx(client, req, ref=None):
        return ngx_ctx(client="172.19.0.1", server="_", request=req, upstream=UP, host="shop.example.com", referrer=ref)

    # background traffic 14:05 - 14:35
    pages = ["/", "/category/garden", "/product/blue-widget-42", "/cart", "/search?q=hose", "/account/orders"]
    for t in spread(rng, U("2026-11-24 14:05:00"), U("2026-11-24 14:35:00"), 60):
        p = rng.choice(pages)
        fpm_acc(t - dt.timedelta(milliseconds=rng.randint(3, 40)), "GET", 200)
        ngx_acc(t, p, 200, rng.randint(8000, 60000))
    for t in spread(rng, U("2026-11-24 14:06:00"), U("2026-11-24 14:34:00"), 5):
        p = rng.choice(["/favicon.ico", "/apple-touch-icon.png", "/.env", "/wp-login.php"])
        if p in ("/favicon.ico", "/apple-touch-icon.png"):
            ngx_err(t, "error", 'open() "/usr/share/nginx/html%s" failed (2: No such file or directory)' % p,
                    ngx_ctx(client="172.19.0.1", server="_", request="GET %s HTTP/1.1" % p, host="shop.example.com"))
            ngx_acc(t, p, 404, 153)
        else:
            fpm_acc(t - dt.timedelta(milliseconds=9), "GET", 404)
            ngx_acc(t, p, 404, 5012)
    # three import attempts, each killed by the memcg OOM killer
    imp = "POST /admin/import/products HTTP/1.1"
    ref = "https://shop.example.com/admin/import"
    admin = "203.0.113.45"
    kills = [
        # t_kill, victim(host pid, container pid, uptime), trigger host pid, nginx message, new child (container pid)
        (U("2026-11-24 14:21:37.412"), (412233, 8, 2712.480139), 412240, "recv() failed (104: Connection reset by peer)", 38),
        (U("2026-11-24 14:22:19.906"), (412251, 11, 2754.972518), 412251, "upstream prematurely closed FastCGI stdout", 41),
        (U("2026-11-24 14:23:05.233"), (412268, 38, 87.820930), 412268, "recv() failed (104: Connection reset by peer)", 44),
    ]
    base_tasks = [(412190, 0, 412190, 63412, 6144, 167936, 0, 0, "php-fpm")]
    alive = {412233: (412233, 33, 412233, 201530, 99610, 1183744, 0, 0, "php-fpm"),
             412240: (412240, 33, 412240, 75120, 9820, 241664, 0, 0, "php-fpm"),
             412251: (412251, 33, 412251, 72890, 8760, 233472, 0, 0, "php-fpm"),
             412255: (412255, 33, 412255, 71330, 8120, 229376, 0, 0, "php-fpm")}
    newpid = {38: 412268, 41: 412274, 44: 412281}
    for n, (tk, (vh, vc, vup), trig, nmsg, newc) in enumerate(kills):
        # the heavy row is the victim
        rows = dict(alive)
        big = (vh, 33, vh, 198870 - n * 900, 98930 - n * 410, 1171456, 0, 0, "php-fpm")
        rows[vh] = big
        tasks = base_tasks + [rows[p] for p in sorted(rows)]
        anon_kb = big[4] * 4 - 2048 - 9984
        victim = (vh, "php-fpm", 33, big[3] * 4, anon_kb, 9984, 2048, 1144)
        stats = memcg_stats(531660800 - n * 1200000)
        msgs = oom_memcg("php-fpm", trig, n % 4, victim, tasks, scope, 524288, 3127 + n * 911, stats)
        for i, (prio, msg) in enumerate(msgs):
            j.kernel(tk + dt.timedelta(microseconds=i * 173), prio, msg)
        j.kernel(tk + dt.timedelta(milliseconds=28), 6, oom_reaped(victim)[1])
        # php-fpm master in the container (UTC)
        tf = tk + dt.timedelta(milliseconds=44)
        fpm_line(tf, "%s WARNING: [pool www] child %d exited on signal 9 (SIGKILL) after %.6f seconds from start"
                 % (ts_fpm(tf, "UTC"), vc, vup))
        fpm_line(tf + dt.timedelta(microseconds=800), "%s NOTICE: [pool www] child %d started" % (ts_fpm(tf, "UTC"), newc))
        alive.pop(vh, None)
        alive[newpid[newc]] = (newpid[newc], 33, newpid[newc], 63990, 5410, 180224, 0, 0, "php-fpm")
        # nginx: the import request and the requests queued on the same child
        tn = tk + dt.timedelta(milliseconds=52)
        ngx_err(tn, "error", nmsg + " while reading response header from upstream", ctx(admin, imp, ref))
        ngx_acc(tn, "/admin/import/products", 502, 157, method="POST", client=admin, ref=ref)
        for q in range(rng.randint(1, 2)):
            tq = tn + dt.timedelta(milliseconds=rng.randint(2, 30))
            p = rng.choice(pages)
            ngx_err(tq, "error", nmsg + " while reading response header from upstream", ctx(ip(rng), "GET %s HTTP/1.1" % p))
            ngx_acc(tq, p, 502, 157)
    # the last attempt: php-fpm child for the import request lived 87 s (a new child picked up the retry)

    # journal noise
    for t in spread(rng, U("2026-11-24 14:05:00"), U("2026-11-24 14:35:00"), 12):
        cid = rng.choice([web_id, php_id])
        j.systemd(t, "run-docker-runtime\\x2drunc-moby-%s-runc.%s.mount: Deactivated successfully." % (cid, "".join(rng.choice("abcdefABCDEF0123456789") for _ in range(6))),
                  "run-docker-runtime\\x2drunc-moby-%s-runc.mount" % cid)
    j.systemd(U("2026-11-24 14:09:01.402"), "Starting phpsessionclean.service - Clean php session files...",
              "phpsessionclean.service", code=("src/core/unit.c", "5722", "unit_status_log_starting_stopping_reloading"),
              msgid="7d4958e842da4a758f6c1cdc7b36dcc5")
    j.systemd(U("2026-11-24 14:09:01.655"), "phpsessionclean.service: Deactivated successfully.", "phpsessionclean.service",
              code=("src/core/unit.c", "5826", "unit_log_success"))
    j.kernel(U("2026-11-24 14:28:44.017"), 4, ufw(rng, dst="192.0.2.20").replace("IN=ens3", "IN=eth0"))

    sc.write({"description": "docker: php-fpm container (memory limit 512M) hits its memory cgroup limit three times "
                             "while an admin retries a CSV product import; the kernel (journal) kills a php-fpm child "
                             "each time, nginx container answers 502. Container clocks are UTC; --tz says the host is "
                             "in Chicago, which must not shift docker/journal timestamps.",
              "files": ["journal.json", web, php],
              "args": ["--tz", "America/Chicago"],
              "incidents": [{"from": "2026-11-24T14:21:37Z", "to": "2026-11-24T14:23:05Z",
                             "cause": ["oom_kill"], "status": [502]}]})


if __name__ == "__main__":
    oom_kill()
    docker_oom()
