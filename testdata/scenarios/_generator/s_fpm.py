import random

from lib import *
from web import Nginx, Access, Fpm
from journal import Journal

FPM_SOCK = "fastcgi://unix:/run/php/php8.2-fpm.sock:"
PAGES = ["GET / {proto}", "GET /category/garden {proto}", "GET /product/blue-widget-42 {proto}", "GET /cart {proto}",
         "POST /cart/add {proto}", "GET /search?q=hose {proto}", "GET /category/tools?page=2 {proto}",
         "GET /account/orders {proto}", "POST /checkout/address {proto}"]


def fpm_down():
    """A deploy script stops php-fpm to flush opcache, runs migrations for 3.5 minutes, then starts it again."""
    rng = random.Random(606)
    sc = Scenario("fpm-down")
    tz = "America/Sao_Paulo"
    ng = Nginx(sc, "error.log", tz, rng, workers=(1310, 1311, 1312, 1313), conn=204455, level="error")
    fpm = Fpm(sc, "php8.2-fpm.log", tz, rng)
    # php-fpm log: logrotate at local midnight, recycles, the stop and the start
    fpm.log(U("2026-11-24 03:00:01"), "NOTICE", "error log file re-opened")
    fpm.recycle(U("2026-11-24 03:12:44.1"), 17310, 17802, 3600.551208)
    fpm.recycle(U("2026-11-24 03:58:02.7"), 17455, 18201, 3601.104472)
    fpm.recycle(U("2026-11-24 04:20:31.5"), 17610, 18530, 3600.020931)
    fpm.recycle(U("2026-11-24 04:47:19.3"), 17802, 18877, 5675.200117)
    fpm.recycle(U("2026-11-24 05:31:40.9"), 18344, 19420, 3600.117620)
    ev = []
    t0 = U("2026-11-24 05:59:58.120")
    fpm.log(t0, "NOTICE", "Terminating ...")
    fpm.log(t0 + dt.timedelta(milliseconds=70), "NOTICE", "exiting, bye-bye!")
    ev.append(t0)
    t1 = U("2026-11-24 06:03:31.640")
    fpm.log(t1, "NOTICE", "fpm is running, pid 20114")
    fpm.log(t1 + dt.timedelta(milliseconds=2), "NOTICE", "ready to handle connections")
    fpm.log(t1 + dt.timedelta(milliseconds=2), "NOTICE", "systemd monitor interval set to 10000ms")
    fpm.recycle(U("2026-11-24 06:36:02.4"), 20131, 20977, 1950.710334)

    ng.noise_between(U("2026-11-24 05:20:00"), U("2026-11-24 05:59:30"), 14, kinds=("404", "404", "php", "tls"))
    ng.noise_between(U("2026-11-24 06:04:30"), U("2026-11-24 06:40:00"), 12, kinds=("404", "404", "php", "tls"))
    enoent = "connect() to unix:/run/php/php8.2-fpm.sock failed (2: No such file or directory) while connecting to upstream"
    times = [U("2026-11-24 06:00:01")] + spread(rng, U("2026-11-24 06:00:04"), U("2026-11-24 06:03:26"), 30) + [U("2026-11-24 06:03:29")]
    for t in times:
        ng.err(t, "crit", enoent, ng.ctx(ip(rng), rng.choice(PAGES), upstream=FPM_SOCK))
        ev.append(t)
    f, to = span(ev)
    sc.write({"description": "Deploy script runs 'systemctl stop php8.2-fpm', spends 3.5 minutes on migrations and starts "
                             "it again (02:59:58-03:03:31 local, America/Sao_Paulo, UTC-3). php-fpm removes its socket, "
                             "so nginx logs connect() ... (2: No such file or directory) at [crit] and answers 502. "
                             "Root cause is the stop (restart); an expert also accepts upstream_refused.",
              "files": ["error.log", "php8.2-fpm.log"],
              "args": ["--tz", tz],
              "incidents": [{"from": f, "to": to, "cause": ["restart", "upstream_refused"], "status": [502]}]})


def max_children():
    """Checkout calls hang on a slow payment API; all 20 children are busy and nginx times out queued requests."""
    rng = random.Random(707)
    sc = Scenario("max-children")
    tz = "Asia/Kolkata"
    ng = Nginx(sc, "error.log", tz, rng, workers=(702, 703, 704, 705), conn=9011873, level="warn")
    fpm = Fpm(sc, "php8.2-fpm.log", tz, rng)
    fpm.recycle(U("2026-11-24 06:11:09.1"), 18604, 18790, 2400.100541)
    fpm.recycle(U("2026-11-24 06:24:51.7"), 18611, 18833, 2400.093187)
    fpm.started(U("2026-11-24 06:31:02.2"), 18840)
    ev = []
    fpm.pool_msg(U("2026-11-24 06:38:31.0"), "WARNING",
                 "seems busy (you may need to increase pm.start_servers, or pm.min/max_spare_servers), spawning 8 children, there are 0 idle, and 12 total children")
    for i, p in enumerate(range(18851, 18859)):
        fpm.started(U("2026-11-24 06:38:31.0") + dt.timedelta(microseconds=300 + i * 150), p)
    t = U("2026-11-24 06:39:03.0")
    fpm.pool_msg(t, "WARNING", "server reached pm.max_children setting (20), consider raising it")
    ev.append(t)
    # slowlog (request_slowlog_timeout = 10s) while children hang in curl_exec()
    slow = [(18833, "06:38:52.4", 10.402117), (18790, "06:38:58.9", 10.118734), (18851, "06:39:07.2", 10.077311),
            (18854, "06:39:20.6", 10.300642), (18840, "06:40:44.1", 10.021905)]
    for pid, s, secs in slow:
        t = U("2026-11-24 " + s)
        fpm.pool_msg(t, "WARNING", "child %d, script '/var/www/example.com/public/index.php' (request: \"POST /index.php\") executing too slow (%.6f sec), logging" % (pid, secs))
        fpm.log(t + dt.timedelta(milliseconds=1), "NOTICE", "child %d stopped for tracing" % pid)
        fpm.log(t + dt.timedelta(milliseconds=1), "NOTICE", "about to trace %d" % pid)
        fpm.log(t + dt.timedelta(milliseconds=3), "NOTICE", "finished trace of %d" % pid)
    t = U("2026-11-24 06:42:37.0")
    fpm.pool_msg(t, "WARNING", "server reached pm.max_children setting (20), consider raising it")
    fpm.recycle(U("2026-11-24 06:55:12.5"), 18790, 19102, 2643.402288)

    ng.noise_between(U("2026-11-24 06:05:00"), U("2026-11-24 06:38:00"), 14, kinds=("404", "404", "php", "tls", "buffered"))
    ng.noise_between(U("2026-11-24 06:46:00"), U("2026-11-24 07:05:00"), 10, kinds=("404", "php", "tls", "buffered"))
    tmo = "upstream timed out (110: Connection timed out) while reading response header from upstream"
    reqs = PAGES + ["POST /checkout/payment {proto}"] * 3
    times = [U("2026-11-24 06:39:52")] + spread(rng, U("2026-11-24 06:39:55"), U("2026-11-24 06:44:35"), 24) + [U("2026-11-24 06:44:40")]
    for t in times:
        rq = rng.choice(reqs)
        ref = "https://example.com/checkout/review" if "payment" in rq else None
        ng.err(t, "error", tmo, ng.ctx(ip(rng), rq, upstream=FPM_SOCK, referrer=ref))
        ev.append(t)
    f, to = span(ev)
    sc.write({"description": "A payment API hangs; checkout requests hold php-fpm children in curl. The pool reaches "
                             "pm.max_children (20) at 12:09 IST and queued requests hit nginx's 60 s "
                             "fastcgi_read_timeout: 504s for 5 minutes. Both logs are naive Asia/Kolkata (+05:30) time.",
              "files": ["error.log", "php8.2-fpm.log"],
              "args": ["--tz", tz],
              "incidents": [{"from": f, "to": to, "cause": ["worker_pool_exhausted"], "status": [504]}]})


def compose_fatal():
    """docker compose stack recreated with a bind mount that hides vendor/; every PHP request fatals until composer install."""
    rng = random.Random(808)
    sc = Scenario("docker-compose-fatal")
    REL = "compose.log"
    W = 8  # longest name 'nginx-1' + 1

    def out(t, svc, text):
        sc.add(REL, t, "%-*s | %s %s" % (W, svc, ts_docker(t, fixed=True), text))

    t0 = U("2026-11-24 09:58:14.201377")
    entry = ["/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
             "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
             "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
             "10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf",
             "10-listen-on-ipv6-by-default.sh: info: /etc/nginx/conf.d/default.conf differs from the packaged version",
             "/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh",
             "/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh",
             "/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh",
             "/docker-entrypoint.sh: Configuration complete; ready for start up"]
    for i, l in enumerate(entry):
        out(t0 + dt.timedelta(milliseconds=3 * i), "nginx-1", l)
    t1 = t0 + dt.timedelta(milliseconds=61)
    for i, l in enumerate(['[notice] 1#1: using the "epoll" event method', "[notice] 1#1: nginx/1.27.3",
                           "[notice] 1#1: built by gcc 12.2.0 (Debian 12.2.0-14) ", "[notice] 1#1: OS: Linux 6.1.0-27-amd64",
                           "[notice] 1#1: getrlimit(RLIMIT_NOFILE): 1048576:1048576", "[notice] 1#1: start worker processes",
                           "[notice] 1#1: start worker process 29", "[notice] 1#1: start worker process 30"]):
        out(t1 + dt.timedelta(microseconds=150 * i), "nginx-1", "%s %s" % (ts_nginx(t1, "UTC"), l))
    tp = U("2026-11-24 09:58:13.918204")
    out(tp, "php-1", "%s NOTICE: fpm is running, pid 1" % ts_fpm(tp, "UTC"))
    out(tp + dt.timedelta(microseconds=420), "php-1", "%s NOTICE: ready to handle connections" % ts_fpm(tp, "UTC"))

    def acc(t, path, status, size, method="GET"):
        out(t, "nginx-1", '172.18.0.1 - - [%s] "%s %s HTTP/1.1" %d %d "%s" "%s" "%s"' % (
            ts_access(t, "UTC"), method, path, status, size, rng.choice(["-", "https://example.com/"]),
            rng.choice(UAS), ip(rng)))

    def fpm_acc(t, method, status):
        out(t, "php-1", '172.18.0.3 -  %s "%s /index.php" %d' % (ts_access(t, "UTC"), method, status))

    static = ["/build/app.8c1d2e.css", "/build/app.5a0f9b.js", "/img/logo.svg", "/favicon.ico"]
    pages = ["/", "/category/garden", "/product/blue-widget-42", "/cart", "/search?q=hose", "/account/login"]
    ev = []
    times = [U("2026-11-24 10:00:02.311482")] + spread(rng, U("2026-11-24 10:00:10"), U("2026-11-24 10:05:55"), 16) + [U("2026-11-24 10:06:04.870139")]
    for t in times:
        m = "POST" if rng.random() < 0.15 else "GET"
        w = ("NOTICE: PHP message: PHP Warning:  require(/var/www/html/vendor/autoload_runtime.php): Failed to open stream: "
             "No such file or directory in /var/www/html/public/index.php on line 5")
        fl = ["NOTICE: PHP message: PHP Fatal error:  Uncaught Error: Failed opening required "
              "'/var/www/html/vendor/autoload_runtime.php' (include_path='.:/usr/local/lib/php') in /var/www/html/public/index.php:5",
              "Stack trace:", "#0 {main}", "  thrown in /var/www/html/public/index.php on line 5"]
        out(t, "php-1", w)
        for i, l in enumerate(fl):
            out(t + dt.timedelta(microseconds=40 + 12 * i), "php-1", l)
        fpm_acc(t + dt.timedelta(microseconds=600), m, 500)
        acc(t + dt.timedelta(milliseconds=1), rng.choice(pages) if m == "GET" else "/cart/add", 500, 0, m)
        ev.append(t)
    for t in spread(rng, U("2026-11-24 09:59:50"), U("2026-11-24 10:05:50"), 7):
        p = rng.choice(static)
        acc(t, p, 404 if p == "/favicon.ico" else 200, 153 if p == "/favicon.ico" else rng.randint(3000, 90000))
        if p == "/favicon.ico":
            out(t - dt.timedelta(microseconds=90), "nginx-1", '%s [error] 29#29: *%d open() "/var/www/html/public/favicon.ico" failed (2: No such file or directory), client: 172.18.0.1, server: localhost, request: "GET /favicon.ico HTTP/1.1", host: "example.com"'
                % (ts_nginx(t, "UTC"), rng.randint(40, 90)))
    # composer install via `docker compose exec` at 10:06:10 -> healthy again
    for t in spread(rng, U("2026-11-24 10:06:15"), U("2026-11-24 10:12:00"), 14):
        p = rng.choice(pages + static[:3])
        if p in static:
            acc(t, p, 200, rng.randint(3000, 90000))
        else:
            fpm_acc(t - dt.timedelta(milliseconds=rng.randint(8, 60)), "GET", 200)
            acc(t, p, 200, rng.randint(9000, 70000))
    f, to = span(ev)
    sc.write({"description": "`docker compose logs -t` (v2, padded service names, fixed 9-digit timestamps) of nginx + "
                             "official php:8.2-fpm image. The stack was recreated at 09:58 with a bind mount that hides "
                             "vendor/; every PHP request dies with 'Failed opening required vendor/autoload_runtime.php'. "
                             "fastcgi.logging is off in that image, so the fatal shows only as bare worker lines "
                             "(decorate_workers_output=no); nginx's access lines give the 500. --tz Europe/Berlin (the "
                             "laptop the capture was made on) must not shift the zoned docker timestamps.",
              "args": ["--tz", "Europe/Berlin"],
              "incidents": [{"from": f, "to": to, "cause": ["php_fatal"], "status": [500]}]})


def code_bytes(rng):
    b = ["%02x" % rng.randint(0, 255) for _ in range(64)]
    b[42] = "<" + b[42] + ">"
    return "Code: " + " ".join(b)


def journal_segv():
    """An ImageMagick update makes php-fpm children segfault on thumbnail requests (journal + nginx in New York time)."""
    rng = random.Random(909)
    sc = Scenario("journal-fpm-segv")
    tz = "America/New_York"
    boot = U("2026-11-19 13:02:44.551")
    j = Journal(sc, "journal.json", boot, "web2", seqnum=0x2b31c0)
    ng = Nginx(sc, "error.log", tz, rng, workers=(991, 992), conn=622104, level="error")
    UNIT = "php8.2-fpm.service"
    EXE = "/usr/sbin/php-fpm8.2"

    def fpm(t, master, lvl, prio, msg):
        j.syslog(t, "php-fpm", master, "[%s] %s" % (lvl, msg), prio, UNIT, "php-fpm8.2", EXE,
                 "php-fpm: master process (/etc/php/8.2/fpm/php-fpm.conf)", tz=tz)

    def sysd(t, msg, unit=UNIT, code=("src/core/unit.c", "5826", "unit_log_success"), msgid="7ad2d189f7e94e70a38c781354912448"):
        j.systemd(t, msg, unit, code=code, msgid=msgid)

    def restart(t, old, new, why_unit="apt-daily-upgrade.service"):
        sysd(t, "Stopping php8.2-fpm.service - The PHP 8.2 FastCGI Process Manager...",
             code=("src/core/unit.c", "5722", "unit_status_log_starting_stopping_reloading"), msgid="de5b426a63be47a7b6ac3eaac82e2f6f")
        fpm(t + dt.timedelta(milliseconds=4), old, "NOTICE", 5, "Terminating ...")
        fpm(t + dt.timedelta(milliseconds=61), old, "NOTICE", 5, "exiting, bye-bye!")
        sysd(t + dt.timedelta(milliseconds=70), "php8.2-fpm.service: Deactivated successfully.")
        sysd(t + dt.timedelta(milliseconds=71), "Stopped php8.2-fpm.service - The PHP 8.2 FastCGI Process Manager.",
             code=("src/core/job.c", "768", "job_emit_done_message"), msgid="9d1aaa27d60140bd96365438aad20286")
        sysd(t + dt.timedelta(milliseconds=74), "Starting php8.2-fpm.service - The PHP 8.2 FastCGI Process Manager...",
             code=("src/core/unit.c", "5722", "unit_status_log_starting_stopping_reloading"), msgid="7d4958e842da4a758f6c1cdc7b36dcc5")
        fpm(t + dt.timedelta(milliseconds=244), new, "NOTICE", 5, "fpm is running, pid %d" % new)
        fpm(t + dt.timedelta(milliseconds=246), new, "NOTICE", 5, "ready to handle connections")
        fpm(t + dt.timedelta(milliseconds=246), new, "NOTICE", 5, "systemd monitor interval set to 10000ms")
        sysd(t + dt.timedelta(milliseconds=250), "Started php8.2-fpm.service - The PHP 8.2 FastCGI Process Manager.",
             code=("src/core/job.c", "768", "job_emit_done_message"), msgid="39f53479d3a045ac8e11786248231fbf")

    # background journal noise
    j.raw(U("2026-11-24 15:01:02.118"), {"PRIORITY": "6", "SYSLOG_FACILITY": "10", "SYSLOG_IDENTIFIER": "sshd", "_TRANSPORT": "syslog",
                                          "_PID": "40211", "_UID": "0", "_GID": "0", "_COMM": "sshd", "_EXE": "/usr/sbin/sshd",
                                          "_CMDLINE": "sshd: deploy [priv]", "_SYSTEMD_CGROUP": "/system.slice/ssh.service",
                                          "_SYSTEMD_UNIT": "ssh.service", "_SYSTEMD_SLICE": "system.slice",
                                          "SYSLOG_PID": "40211", "SYSLOG_TIMESTAMP": "Nov 24 10:01:02 ",
                                          "MESSAGE": "Accepted publickey for deploy from 198.51.100.14 port 50122 ssh2: ED25519 SHA256:q9yZk3v0mE8f3p2oW7bJcXl4n1aTt6uRrS5dHhGgKkQ"})
    sysd(U("2026-11-24 15:05:40.002"), "Starting apt-daily-upgrade.service - Daily apt upgrade and clean activities...", "apt-daily-upgrade.service",
         code=("src/core/unit.c", "5722", "unit_status_log_starting_stopping_reloading"), msgid="7d4958e842da4a758f6c1cdc7b36dcc5")
    ev = []
    # unattended-upgrades installs a new libmagickcore build and restarts php-fpm
    tr = U("2026-11-24 15:11:02.310")
    restart(tr, 1190, 40877)
    ev.append(tr)
    ng.err(tr + dt.timedelta(milliseconds=120), "crit",
           "connect() to unix:/run/php/php8.2-fpm.sock failed (2: No such file or directory) while connecting to upstream",
           ng.ctx(ip(rng), "GET /category/garden {proto}", upstream=FPM_SOCK))
    sysd(U("2026-11-24 15:11:05.771"), "apt-daily-upgrade.service: Deactivated successfully.", "apt-daily-upgrade.service")
    sysd(U("2026-11-24 15:11:05.772"), "Finished apt-daily-upgrade.service - Daily apt upgrade and clean activities.", "apt-daily-upgrade.service",
         code=("src/core/job.c", "768", "job_emit_done_message"), msgid="39f53479d3a045ac8e11786248231fbf")
    # children crash on every thumbnail render
    crashes = [U("2026-11-24 15:12:05.402")] + spread(rng, U("2026-11-24 15:12:20"), U("2026-11-24 15:19:20"), 13) + [U("2026-11-24 15:19:41.090")]
    child = 40881
    nxt = 40990
    started_at = {40881: tr + dt.timedelta(milliseconds=246)}
    for i, t in enumerate(crashes):
        victim = child
        up = (t - started_at.get(victim, t - dt.timedelta(seconds=rng.uniform(20, 90)))).total_seconds() + rng.randint(1, 999) / 1e6
        ipaddr = 0x7f1c2a5e3b17 + rng.randint(0, 3) * 0x40
        j.kernel(t, 6, "php-fpm8.2[%d]: segfault at 28 ip %016x sp 00007ffd93b0e2c0 error 4 in libMagickCore-6.Q16.so.7.0.0[7f1c2a4d6000+2f0000] likely on CPU %d (core %d, socket 0)"
                 % (victim, ipaddr, i % 4, i % 4))
        j.kernel(t + dt.timedelta(microseconds=9), 6, code_bytes(rng))
        tc = t + dt.timedelta(milliseconds=6)
        core_pid = 41000 + i * 7
        sysd(tc, "Started systemd-coredump@%d-%d-0.service - Process Core Dump (PID %d/UID 0)." % (i, core_pid, core_pid),
             unit="systemd-coredump@%d-%d-0.service" % (i, core_pid), code=("src/core/job.c", "768", "job_emit_done_message"),
             msgid="39f53479d3a045ac8e11786248231fbf")
        tf = t + dt.timedelta(milliseconds=rng.randint(150, 400))
        fpm(tf, 40877, "WARNING", 4, "[pool www] child %d exited on signal 11 (SIGSEGV - core dumped) after %.6f seconds from start" % (victim, up))
        fpm(tf + dt.timedelta(microseconds=700), 40877, "NOTICE", 5, "[pool www] child %d started" % nxt)
        started_at[nxt] = tf
        j.raw(tf + dt.timedelta(milliseconds=30), {
            "PRIORITY": "2", "SYSLOG_FACILITY": "3", "SYSLOG_IDENTIFIER": "systemd-coredump", "_TRANSPORT": "journal",
            "_PID": str(core_pid + 1), "_UID": "0", "_GID": "0", "_COMM": "systemd-coredum",
            "_EXE": "/usr/lib/systemd/systemd-coredump", "_CMDLINE": "/usr/lib/systemd/systemd-coredump",
            "_SYSTEMD_CGROUP": "/system.slice/system-systemd\\x2dcoredump.slice/systemd-coredump@%d-%d-0.service" % (i, core_pid),
            "_SYSTEMD_UNIT": "systemd-coredump@%d-%d-0.service" % (i, core_pid), "_SYSTEMD_SLICE": "system-systemd\\x2dcoredump.slice",
            "CODE_FILE": "src/coredump/coredump.c", "CODE_LINE": "820", "CODE_FUNC": "submit_coredump",
            "MESSAGE_ID": "fc2e22bc6ee647b6b90729ab34a250b1", "COREDUMP_PID": str(victim), "COREDUMP_UID": "33",
            "COREDUMP_GID": "33", "COREDUMP_SIGNAL": "11", "COREDUMP_SIGNAL_NAME": "SIGSEGV", "COREDUMP_COMM": "php-fpm8.2",
            "COREDUMP_EXE": EXE, "COREDUMP_UNIT": UNIT,
            "COREDUMP_TIMESTAMP": journal_us(t),
            "MESSAGE": "Process %d (php-fpm8.2) of user 33 dumped core.\n\nModule libMagickCore-6.Q16.so.7 from deb imagemagick-6.q16-7-8:6.9.11.60+dfsg-1.6+deb12u3.amd64\nStack trace of thread %d:\n#0  0x%016x n/a (libMagickCore-6.Q16.so.7 + 0x10db17)\n#1  0x00007f1c2a5e9a02 n/a (libMagickCore-6.Q16.so.7 + 0x113a02)\n#2  0x00007f1c2a6cc0e5 ResizeImage (libMagickCore-6.Q16.so.7 + 0x1f60e5)\n#3  0x00007f1c2b90c3a1 n/a (imagick.so + 0x413a1)\n#4  0x000055b5f0e6b5a8 execute_ex (php-fpm8.2 + 0x36b5a8)\nELF object binary architecture: AMD x86-64" % (victim, victim, ipaddr)})
        sysd(tf + dt.timedelta(milliseconds=33), "systemd-coredump@%d-%d-0.service: Deactivated successfully." % (i, core_pid),
             unit="systemd-coredump@%d-%d-0.service" % (i, core_pid))
        # nginx sees the worker die under the request
        msg = rng.choice(["recv() failed (104: Connection reset by peer)", "upstream prematurely closed FastCGI stdout"])
        ng.err(t + dt.timedelta(milliseconds=2), "error", msg + " while reading response header from upstream",
               ng.ctx(ip(rng), rng.choice(["GET /media/thumb/640x480/%d.jpg {proto}" % rng.randint(1000, 9999),
                                           "GET /product/garden-hose-25m {proto}", "GET /category/garden {proto}"]),
                      upstream=FPM_SOCK))
        ev.append(t)
        child = nxt
        nxt += rng.randint(3, 40)
    # admin disables imagick and restarts
    j.raw(U("2026-11-24 15:20:02.640"), {"PRIORITY": "5", "SYSLOG_FACILITY": "10", "SYSLOG_IDENTIFIER": "sudo", "_TRANSPORT": "syslog",
                                          "_PID": "41390", "_UID": "1000", "_GID": "1000", "_COMM": "sudo", "_EXE": "/usr/bin/sudo",
                                          "_CMDLINE": "sudo phpdismod -v 8.2 -s fpm imagick", "SYSLOG_TIMESTAMP": "Nov 24 10:20:02 ",
                                          "MESSAGE": "  deploy : TTY=pts/0 ; PWD=/home/deploy ; USER=root ; COMMAND=/usr/sbin/phpdismod -v 8.2 -s fpm imagick"})
    tr2 = U("2026-11-24 15:20:09.115")
    restart(tr2, 40877, 41402)
    ng.noise_between(U("2026-11-24 14:50:00"), U("2026-11-24 15:10:30"), 10, kinds=("404", "404", "php", "tls"))
    ng.noise_between(U("2026-11-24 15:21:00"), U("2026-11-24 15:40:00"), 8, kinds=("404", "php", "tls"))
    f, to = span(ev)
    sc.write({"description": "unattended-upgrades installs a new ImageMagick and restarts php-fpm at 10:11 EST; from "
                             "10:12 every thumbnail render segfaults a php-fpm child (journal: kernel segfault, php-fpm "
                             "via syslog, systemd-coredump) and nginx (naive America/New_York time) answers 502 until "
                             "imagick is disabled at 10:20. The journal carries UTC epoch microseconds.",
              "args": ["--tz", tz],
              "incidents": [{"from": f, "to": to, "cause": ["worker_crash"], "status": [502]}]})


def dmesg_segv():
    """opcache JIT crash loop after a PHP point release (dmesg -T, php-fpm.log, nginx) on a single-digit day."""
    rng = random.Random(1010)
    sc = Scenario("dmesg-fpm-segv")
    tz = "Europe/Berlin"
    ng = Nginx(sc, "error.log", tz, rng, workers=(1501, 1502), conn=330912, level="error")
    fpm = Fpm(sc, "php8.3-fpm.log", tz, rng)
    boot = U("2026-10-28 05:40:12.000")

    def dm(t, msg):
        sc.add("dmesg.txt", t, "%s %s" % (ts_dmesg_T(t, tz), msg))

    # dmesg -T noise
    for s, m in [("2026-11-03 06:14:51", "audit: type=1400 audit(1793686491.201:212): apparmor=\"DENIED\" operation=\"open\" class=\"file\" profile=\"/usr/sbin/chronyd\" name=\"/etc/chrony/conf.d/\" pid=1041 comm=\"chronyd\" requested_mask=\"r\" denied_mask=\"r\" fsuid=0 ouid=0"),
                 ("2026-11-03 07:40:08", "TCP: request_sock_TCP: Possible SYN flooding on port 0.0.0.0:22. Sending cookies.  Check SNMP counters."),
                 ("2026-11-03 08:55:19", "systemd-journald[298]: Data hash table of /var/log/journal/3c0e5b1a9d7f4e2c8b6a4d2f0e1c3b5a/system.journal has a fill level at 75.0 (8533 of 11377 items, 6553600 file size, 768 bytes per hash table item), suggesting rotation.")]:
        dm(U(s), m)
    ev = []
    # php-fpm: upgrade restart at 09:02 local (08:02Z)
    tr = U("2026-11-03 08:11:42.400")
    fpm.log(tr, "NOTICE", "Terminating ...")
    fpm.log(tr + dt.timedelta(milliseconds=40), "NOTICE", "exiting, bye-bye!")
    fpm.log(tr + dt.timedelta(milliseconds=300), "NOTICE", "fpm is running, pid 7731")
    fpm.log(tr + dt.timedelta(milliseconds=301), "NOTICE", "ready to handle connections")
    fpm.log(tr + dt.timedelta(milliseconds=301), "NOTICE", "systemd monitor interval set to 10000ms")
    fpm.recycle(U("2026-11-03 07:31:40.1"), 6120, 6388, 3600.402118)
    crashes = [U("2026-11-03 08:14:07.118")] + spread(rng, U("2026-11-03 08:14:15"), U("2026-11-03 08:18:40"), 12) + [U("2026-11-03 08:18:52.900")]
    alive = {p: tr + dt.timedelta(milliseconds=302) for p in (7736, 7737, 7738, 7740)}
    nextpid = 7745
    # emergency_restart_threshold = 4, emergency_restart_interval = 60s (simulated like fpm_children.c)
    failures = []
    kidsets = [(7790, 7791, 7792, 7793), (7830, 7831, 7832, 7833), (7870, 7871, 7872, 7873)]
    pending_reload = None
    for i, t in enumerate(crashes):
        if pending_reload is not None and t > pending_reload:
            kids = kidsets.pop(0)
            alive = {p: pending_reload + dt.timedelta(milliseconds=215) for p in kids}
            nextpid = kids[-1] + 7
            pending_reload = None
        pid = rng.choice(sorted(alive))
        up = (t - alive.pop(pid)).total_seconds()
        ipaddr = 0x55d1e8c6b31f + rng.randint(0, 6) * 0x10
        dm(t, "php-fpm8.3[%d]: segfault at 7ffd3b1f8ff8 ip %012x sp 00007ffd3b1f9000 error 6 in php-fpm8.3[55d1e8a00000+3b4000] likely on CPU %d (core %d, socket 0)"
           % (pid, ipaddr, i % 2, i % 2))
        dm(t, code_bytes(rng))
        fpm.pool_msg(t + dt.timedelta(milliseconds=5), "WARNING",
                     "child %d exited on signal 11 (SIGSEGV) after %.6f seconds from start" % (pid, up + 0.005 + rng.randint(1, 999) / 1e6))
        npid = nextpid
        nextpid += rng.randint(2, 15)
        fpm.started(t + dt.timedelta(milliseconds=6), npid)
        alive[npid] = t + dt.timedelta(milliseconds=6)
        ng.err(t + dt.timedelta(milliseconds=3), "error",
               rng.choice(["recv() failed (104: Connection reset by peer)", "upstream prematurely closed FastCGI stdout"])
               + " while reading response header from upstream",
               ng.ctx(ip(rng), rng.choice(PAGES), upstream="fastcgi://unix:/run/php/php8.3-fpm.sock:"))
        ev.append(t)
        failures = [f for f in failures if (t - f).total_seconds() < 60] + [t]
        if len(failures) >= 4:
            failures = []
            tt = t + dt.timedelta(milliseconds=7)
            pending_reload = tt
            fpm.log(tt, "WARNING", "failed processes threshold (4 in 60 sec) is reached, initiating reload")
            fpm.log(tt, "NOTICE", "Reloading in progress ...")
            fpm.log(tt + dt.timedelta(milliseconds=30), "NOTICE", 'reloading: execvp("/usr/sbin/php-fpm8.3", {"/usr/sbin/php-fpm8.3", "--nodaemonize", "--fpm-config", "/etc/php/8.3/fpm/php-fpm.conf"})')
            fpm.log(tt + dt.timedelta(milliseconds=210), "NOTICE", 'using inherited socket fd=8, "/run/php/php8.3-fpm.sock"')
            fpm.log(tt + dt.timedelta(milliseconds=212), "NOTICE", "fpm is running, pid 7731")
            fpm.log(tt + dt.timedelta(milliseconds=213), "NOTICE", "ready to handle connections")
            fpm.log(tt + dt.timedelta(milliseconds=213), "NOTICE", "systemd monitor interval set to 10000ms")
    # admin sets opcache.jit=off and restarts
    tr2 = U("2026-11-03 08:19:30.000")
    fpm.log(tr2, "NOTICE", "Terminating ...")
    fpm.log(tr2 + dt.timedelta(milliseconds=38), "NOTICE", "exiting, bye-bye!")
    fpm.log(tr2 + dt.timedelta(milliseconds=280), "NOTICE", "fpm is running, pid 8122")
    fpm.log(tr2 + dt.timedelta(milliseconds=281), "NOTICE", "ready to handle connections")
    fpm.log(tr2 + dt.timedelta(milliseconds=281), "NOTICE", "systemd monitor interval set to 10000ms")
    ng.noise_between(U("2026-11-03 07:30:00"), U("2026-11-03 08:12:00"), 14, kinds=("404", "404", "php", "tls"))
    ng.noise_between(U("2026-11-03 08:21:00"), U("2026-11-03 08:50:00"), 10, kinds=("404", "php", "tls"))
    f, to = span(ev)
    sc.write({"description": "After a PHP 8.3 point release (php-fpm restarted 09:11 local), opcache JIT crashes php-fpm "
                             "children from 09:14 to 09:18 CET (emergency-restart-threshold reloads) on 3 Nov (single-digit day: dmesg -T pads it with a "
                             "space, php-fpm and nginx zero-pad). dmesg -T, php-fpm.log and nginx are all naive "
                             "Europe/Berlin time. Nginx answers 502.",
              "files": ["dmesg.txt", "php8.3-fpm.log", "error.log"],
              "args": ["--tz", tz],
              "incidents": [{"from": f, "to": to, "cause": ["worker_crash"], "status": [502]}]})


if __name__ == "__main__":
    fpm_down()
    max_children()
    compose_fatal()
    journal_segv()
    dmesg_segv()
