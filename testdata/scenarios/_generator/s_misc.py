import random

from lib import *
from web import Nginx, Access, STATIC_404

FPM_SOCK = "fastcgi://unix:/run/php/php8.2-fpm.sock:"
PAGES = ["GET / {proto}", "GET /category/garden {proto}", "GET /product/blue-widget-42 {proto}", "GET /cart {proto}",
         "GET /search?q=hose {proto}", "GET /category/tools?page=2 {proto}", "GET /account/orders {proto}"]


def same_conn(ng, t=None):
    memo = {}
    t_of = [t] if t is not None else []

    def f():
        if "c" not in memo:
            memo["c"] = ng.conn.at(t_of[0], ng.rate) if t_of else ng.conn.next()
        return memo["c"]
    return f


def disk_full():
    rng = random.Random(1414)
    sc = Scenario("disk-full")
    tz = "Europe/Madrid"
    ng = Nginx(sc, "error.log", tz, rng, workers=(3120, 3121, 3122, 3123), conn=2231904, level="warn",
               fcgi_temp="/tmp/nginx/fastcgi")
    acc = Access(sc, "access.log", tz, rng)
    ng.noise_between(U("2026-11-24 12:30:00"), U("2026-11-24 13:04:00"), 14, kinds=("404", "404", "php", "tls", "buffered"))
    ng.noise_between(U("2026-11-24 13:14:00"), U("2026-11-24 13:40:00"), 10, kinds=("404", "php", "tls", "buffered"))
    acc.background(U("2026-11-24 12:30:00"), U("2026-11-24 13:40:00"), 70)
    ev = []
    sess = ("PHP message: PHP Warning:  Unknown: Write failed: No space left on device (28) in Unknown on line 0\n"
            "PHP message: PHP Warning:  Unknown: Failed to write session data (files). Please verify that the current "
            "setting of session.save_path is correct (/tmp/php/sessions) in Unknown on line 0")
    # session writes fail after the page was sent: nginx logs them 'while reading upstream', clients got 200
    for t in [U("2026-11-24 13:05:14")] + spread(rng, U("2026-11-24 13:05:20"), U("2026-11-24 13:12:10"), 11):
        c = ip(rng)
        p = rng.choice(["/cart", "/account/orders", "/checkout/address", "/product/blue-widget-42", "/"])
        ng.err(t, "error", 'FastCGI sent in stderr: "%s" while reading upstream' % sess,
               ng.ctx(c, "GET %s {proto}" % p, upstream=FPM_SOCK))
        acc.hit(t, p, 200, client=c)
        ev.append(t)
    # request bodies larger than client_body_buffer_size go to /tmp/nginx/client_body -> 500
    posts = [("/account/reviews/photo", "https://example.com/product/blue-widget-42"),
             ("/admin/media/upload", "https://example.com/admin/media"),
             ("/contact", "https://example.com/contact"), ("/account/returns", "https://example.com/account/returns")]
    n = 12044
    for t in [U("2026-11-24 13:05:41")] + spread(rng, U("2026-11-24 13:05:50"), U("2026-11-24 13:12:10"), 10) + [U("2026-11-24 13:12:21")]:
        c = ip(rng)
        path, ref = rng.choice(posts)
        n += rng.randint(1, 40)
        cf = same_conn(ng, t)
        ctx = ng.ctx(c, "POST %s {proto}" % path, referrer=ref)
        w = rng.choice(ng.workers)
        ng.err(t, "warn", "a client request body is buffered to a temporary file /tmp/nginx/client_body/%010d" % n, ctx, conn=cf, pid=w)
        ng.err(t, "crit", 'pwrite() "/tmp/nginx/client_body/%010d" failed (28: No space left on device)' % n, ctx, conn=cf, pid=w)
        acc.hit(t, path, 500, size=177, method="POST", client=c, ref=ref)
        ev.append(t)
    # a large export buffered to disk is cut short: status line already sent, so the client got a truncated 200
    t = U("2026-11-24 13:09:02")
    cf = same_conn(ng, t)
    ctx = ng.ctx("198.51.100.61", "GET /admin/export/orders.csv {proto}", upstream=FPM_SOCK, referrer="https://example.com/admin/export")
    ng.err(t, "warn", "an upstream response is buffered to a temporary file /tmp/nginx/fastcgi/7/31/0000003317 while reading upstream", ctx, conn=cf, pid=3121)
    ng.err(t + dt.timedelta(seconds=1), "crit", 'pwrite() "/tmp/nginx/fastcgi/7/31/0000003317" failed (28: No space left on device) while reading upstream', ctx, conn=cf, pid=3121)
    acc.hit(t + dt.timedelta(seconds=1), "/admin/export/orders.csv", 200, size=65536, client="198.51.100.61",
            ref="https://example.com/admin/export")
    f, to = span(ev)
    sc.write({"description": "/tmp (1 GiB tmpfs holding nginx temp paths and PHP sessions) fills up with files leaked by an "
                             "image-resize job at 14:05 CET. Uploads and forms whose bodies nginx must spool to "
                             "/tmp/nginx/client_body fail with pwrite() (28: No space left on device) -> 500 "
                             "(access log). PHP session writes fail at request end (clients still got 200, logged "
                             "'while reading upstream'); one large export is truncated. Space is freed at 14:12. "
                             "Naive Europe/Madrid time; access log carries +0100.",
              "files": ["error.log", "access.log"],
              "args": ["--tz", tz],
              "incidents": [{"from": f, "to": to, "cause": ["disk_full"], "status": [500]}]})


def rate_limit():
    rng = random.Random(1515)
    sc = Scenario("rate-limit")
    tz = "UTC"
    ng = Nginx(sc, "error.log", tz, rng, workers=(1880, 1881, 1882, 1883), conn=8811200, level="warn")
    ng.noise_between(U("2026-11-24 11:00:00"), U("2026-11-24 11:29:00"), 16, kinds=("404", "404", "php", "tls", "buffered"))
    ng.noise_between(U("2026-11-24 11:37:00"), U("2026-11-24 12:00:00"), 12, kinds=("404", "php", "tls", "buffered"))
    bots = ["198.51.100.23", "198.51.100.23", "198.51.100.23", "198.51.100.24", "203.0.113.201"]
    terms = ["hose", "rake", "garden+hose+25m", "trimmer", "compost", "watering+can", "shovel", "gloves", "seeds",
             "lawn+mower", "sprinkler", "pots"]
    ev = []
    # burst=20 without nodelay: first the excess is delayed (logged one level lower, [warn]) ...
    for i, t in enumerate(spread(rng, U("2026-11-24 11:30:02"), U("2026-11-24 11:30:11"), 7)):
        ng.err(t, "warn", "delaying request, excess: %d.%03d, by zone \"perip\"" % (3 + i * 2, rng.randint(0, 999)),
               ng.ctx("198.51.100.23", "GET /search?q=%s&page=%d {proto}" % (rng.choice(terms), rng.randint(1, 40))))
    # ... then everything beyond the burst is rejected with 503
    times = [U("2026-11-24 11:30:12")] + spread(rng, U("2026-11-24 11:30:12"), U("2026-11-24 11:33:45"), 96) + [U("2026-11-24 11:33:48")]
    for t in times:
        c = rng.choice(bots)
        rq = rng.choice(["GET /search?q=%s&page=%d {proto}" % (rng.choice(terms), rng.randint(1, 40)),
                         "GET /api/v1/products?page=%d&per_page=100 {proto}" % rng.randint(1, 90)])
        ng.err(t, "error", "limiting requests, excess: 20.%03d by zone \"perip\"" % rng.randint(0, 999), ng.ctx(c, rq))
        ev.append(t)
    f, to = span(ev)
    sc.write({"description": "A scraper (three addresses) hammers /search and /api/v1/products; limit_req zone=perip "
                             "burst=20 first delays ([warn] 'delaying request') and then rejects with 503 for 3.5 "
                             "minutes. Not a backend fault, but clients got 503.",
              "args": ["--tz", tz],
              "incidents": [{"from": f, "to": to, "cause": ["rate_limited"], "status": [503]}]})


def two_incidents():
    rng = random.Random(1616)
    sc = Scenario("two-incidents-one-day")
    tz = "Europe/Berlin"
    ng = Nginx(sc, "error.log", tz, rng, workers=(640, 641), conn=1023, level="error", server="app.example.com",
               host="app.example.com", app="/srv/app", root="/srv/app/public", proto="HTTP/1.1")
    # a sparse day of noise (the log was rotated at local midnight)
    for t in spread(rng, U("2026-11-23 23:05:00"), U("2026-11-24 08:02:00"), 14) + \
             spread(rng, U("2026-11-24 08:20:00"), U("2026-11-24 14:30:00"), 16) + \
             spread(rng, U("2026-11-24 14:52:00"), U("2026-11-24 22:50:00"), 14):
        if rng.random() < 0.6:
            ng.n404(t)
        else:
            ng.tls(t)
    routes = ["GET / HTTP/1.1", "GET /dashboard HTTP/1.1", "GET /api/projects HTTP/1.1", "POST /api/events HTTP/1.1",
              "GET /api/projects/118/tasks HTTP/1.1", "GET /login HTTP/1.1"]
    ev1 = []
    # 09:10 local: the Node app on localhost:3000 is restarted by a deploy and takes 100 s to listen again.
    # proxy_pass http://localhost:3000 -> nginx tries [::1] and 127.0.0.1, one line each.
    for t in [U("2026-11-24 08:10:04")] + spread(rng, U("2026-11-24 08:10:06"), U("2026-11-24 08:11:42"), 22) + [U("2026-11-24 08:11:46")]:
        c = ip(rng)
        rq = rng.choice(routes)
        uri = rq.split()[1]
        cf = same_conn(ng, t)
        w = rng.choice(ng.workers)
        for peer in ("[::1]", "127.0.0.1"):
            ng.err(t, "error", "connect() failed (111: Connection refused) while connecting to upstream",
                   ng.ctx(c, rq, upstream="http://%s:3000%s" % (peer, uri)), conn=cf, pid=w)
        ev1.append(t)
    ev2 = []
    # 15:40 local: a report query blocks the event loop; proxy_read_timeout 60s -> 504
    for t in [U("2026-11-24 14:40:31")] + spread(rng, U("2026-11-24 14:40:35"), U("2026-11-24 14:44:40"), 20) + [U("2026-11-24 14:44:52")]:
        rq = rng.choice(routes)
        peer = rng.choice(["127.0.0.1", "[::1]"])
        ng.err(t, "error", "upstream timed out (110: Connection timed out) while reading response header from upstream",
               ng.ctx(ip(rng), rq, upstream="http://%s:3000%s" % (peer, rq.split()[1])))
        ev2.append(t)
    a, b = span(ev1)
    c, d = span(ev2)
    sc.write({"description": "One day of an nginx error.log written in Europe/Berlin time (UTC+1 in November). At 09:10 "
                             "local a deploy restarts the Node app behind proxy_pass http://localhost:3000 (connect() "
                             "refused on [::1] and 127.0.0.1 -> 502); at 15:40 local a blocking report makes the app "
                             "stop answering (upstream timed out -> 504). Sparse 404/TLS noise in between. Truth "
                             "times are UTC.",
              "args": ["--tz", tz],
              "incidents": [{"from": a, "to": b, "cause": ["upstream_refused"], "status": [502]},
                            {"from": c, "to": d, "cause": ["upstream_timeout"], "status": [504]}]})


def noise_only():
    rng = random.Random(1717)
    sc = Scenario("noise-only")
    tz = "UTC"
    ng = Nginx(sc, "error.log", tz, rng, workers=(4410, 4411, 4412, 4413), conn=90331022, level="info")
    acc = Access(sc, "access.log", tz, rng)
    start, end = U("2026-11-24 16:00:00"), U("2026-11-24 17:00:00")
    extra = {
        "timedout": lambda t: ng.err(t, "info", "client timed out (110: Connection timed out) while waiting for request",
                                     ngx_ctx(client=ip(rng), server="0.0.0.0:443")),
        "reset": lambda t: ng.err(t, "info", "recv() failed (104: Connection reset by peer) while waiting for request",
                                  ngx_ctx(client=ip(rng), server="0.0.0.0:443")),
        "eof": lambda t: ng.err(t, "info", "SSL_read() failed (SSL: error:0A000126:SSL routines::unexpected eof while reading) while keepalive",
                                ngx_ctx(client=ip(rng), server="0.0.0.0:443")),
        "plain": lambda t: ng.err(t, "info", "client sent plain HTTP request to HTTPS port while reading client request headers",
                                  ng.ctx(ip(rng), "GET / HTTP/1.1")),
        "forbidden": lambda t: ng.err(t, "error", "access forbidden by rule",
                                      ng.ctx(ip(rng), "GET /%s HTTP/1.1" % rng.choice([".git/config", ".env", ".git/HEAD", ".DS_Store"]))),
        "primary": lambda t: ng.err(t, "error", 'FastCGI sent in stderr: "Primary script unknown" while reading response header from upstream',
                                    ng.ctx(ip(rng), "GET /%s.php HTTP/1.1" % rng.choice(["wp-login", "xmlrpc", "phpinfo", "admin/config", "shell"]),
                                           upstream=FPM_SOCK)),
        "bodytmp": lambda t: ng.err(t, "warn", "a client request body is buffered to a temporary file /var/lib/nginx/body/%010d" % rng.randint(100, 99999),
                                    ng.ctx(ip(rng), "POST /account/reviews/photo {proto}", referrer="https://example.com/product/blue-widget-42")),
        "toolarge": lambda t: ng.err(t, "error", "client intended to send too large body: %d bytes" % rng.randint(20971521, 80000000),
                                     ng.ctx(ip(rng), "POST /admin/media/upload {proto}", referrer="https://example.com/admin/media")),
        "clientgone": lambda t: ng.err(t, "info", "epoll_wait() reported that client prematurely closed connection, so upstream connection is closed too while reading response header from upstream",
                                       ng.ctx(ip(rng), rng.choice(["GET /search?q=hose {proto}", "GET /export/products.csv {proto}"]), upstream=FPM_SOCK)),
        "phpupstream": lambda t: ng.err(t, "error", 'FastCGI sent in stderr: "PHP message: PHP Warning:  Undefined variable $related in /var/www/example.com/templates/product/show.php on line 118" while reading upstream',
                                        ng.ctx(ip(rng), "GET /product/garden-hose-25m {proto}", upstream=FPM_SOCK)),
    }
    kinds = ["404"] * 8 + ["closed"] * 6 + ["keepalive"] * 3 + ["tls"] * 5 + ["php"] * 6 + ["buffered"] * 2 + \
            ["timedout"] * 2 + ["reset", "eof", "plain", "forbidden", "primary", "bodytmp", "clientgone"]
    for t in spread(rng, start, end, 225):
        k = rng.choice(kinds)
        if k in extra:
            extra[k](t)
        else:
            ng.noise(t, kinds=(k,))
    for k, s in [("toolarge", "16:21:07"), ("phpupstream", "16:37:44"), ("clientgone", "16:48:12")]:
        extra[k](U("2026-11-24 " + s))
    ng.err(U("2026-11-24 16:44:09"), "error", 'limiting requests, dry run, excess: 10.840 by zone "perip"',
           ng.ctx("198.51.100.23", "GET /search?q=garden+hose&page=7 {proto}"))
    acc.background(start, end, 150, p404=0.1)
    for t in spread(rng, start, end, 4):
        acc.hit(t, "/search?q=hose", 499, size=0)
    acc.hit(U("2026-11-24 16:21:07"), "/admin/media/upload", 413, size=585, method="POST")
    sc.write({"description": "A busy, healthy hour: nginx at error_log level info with 404 opens, client closes and "
                             "keepalive closes, client-side TLS handshake failures, client timeouts/resets while "
                             "waiting for a request ((110)/(104) but client-side), PHP warnings/notices/deprecations "
                             "via FastCGI stderr, Primary script unknown, temp-file buffering, a 413, client aborts "
                             "(499) and one 'limiting requests, dry run'. No incident with status >= 500.",
              "files": ["error.log", "access.log"],
              "args": ["--tz", tz],
              "incidents": []})


def access_502():
    rng = random.Random(1818)
    sc = Scenario("access-log-502")
    tz = "Asia/Singapore"
    ng = Nginx(sc, "error.log", tz, rng, workers=(5120, 5121), conn=771200, level="error", server="portal.example.com",
               host="portal.example.com", app="/srv/portal", root="/srv/portal/static", proto="HTTP/1.1")
    acc = Access(sc, "access.log", tz, rng, proto="HTTP/1.1")
    UP = "http://127.0.0.1:8000"
    ng.noise_between(U("2026-11-24 01:00:00"), U("2026-11-24 01:49:00"), 14, kinds=("404", "404", "tls"))
    ng.noise_between(U("2026-11-24 02:02:00"), U("2026-11-24 02:30:00"), 8, kinds=("404", "tls"))
    paths = ["/", "/dashboard", "/invoices", "/invoices/2026-1142", "/static/css/portal.css", "/static/js/portal.js",
             "/api/notifications", "/settings"]
    for t in spread(rng, U("2026-11-24 01:00:00"), U("2026-11-24 02:30:00"), 110):
        acc.hit(t, rng.choice(paths), 200, client=ip(rng))
    ev = []
    # gunicorn --timeout 30 kills the sync worker serving the export; the other request on that worker dies with it
    reqs = ["GET /reports/export?from=2026-01-01&to=2026-11-23&format=xlsx", "GET /reports/export?from=2026-07-01&to=2026-11-23&format=csv",
            "GET /reports/summary?year=2026", "GET /invoices?status=all&per_page=500"]
    for t in [U("2026-11-24 01:51:14")] + spread(rng, U("2026-11-24 01:51:20"), U("2026-11-24 01:57:50"), 16) + [U("2026-11-24 01:58:03")]:
        c = ip(rng)
        rq = rng.choice(reqs)
        m, p = rq.split(" ", 1)
        ng.err(t, "error", "upstream prematurely closed connection while reading response header from upstream",
               ng.ctx(c, rq + " HTTP/1.1", upstream=UP + p, referrer="https://portal.example.com/reports"))
        acc.hit(t, p, 502, size=166, client=c, ref="https://portal.example.com/reports")
        ev.append(t)
    f, to = span(ev)
    sc.write({"description": "nginx in front of a gunicorn app (127.0.0.1:8000, --timeout 30). Report exports run "
                             "longer than 30 s, gunicorn kills the worker, nginx logs 'upstream prematurely closed "
                             "connection while reading response header' and the access log confirms 502 (nginx stamps "
                             "the access line when the request ends). Asia/Singapore time: naive in error.log, +0800 in "
                             "access.log.",
              "files": ["error.log", "access.log"],
              "args": ["--tz", tz],
              "incidents": [{"from": f, "to": to, "cause": ["upstream_reset"], "status": [502]}]})


if __name__ == "__main__":
    disk_full()
    rate_limit()
    two_incidents()
    noise_only()
    access_502()
