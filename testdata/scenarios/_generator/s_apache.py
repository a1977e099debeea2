import random

from lib import *
from web import Access, STATIC_404


class Apache24:
    def __init__(self, sc, rel, tz, rng, pids=(18211, 18212, 18213)):
        self.sc, self.rel, self.tz, self.rng = sc, rel, tz, rng
        self.pids = pids
        self.tids = [140244051339008, 140244042946304, 140244034553600, 140244026160896, 140244017768192,
                     140243950626560, 140243942233856]

    def log(self, t, mod, msg, client=None, err=None, referer=None, pid=None, tid=True):
        p = pid or self.rng.choice(self.pids)
        if t.microsecond % 1000 == 0:
            t = t + dt.timedelta(microseconds=self.rng.randint(1, 999))
        tv = tid if isinstance(tid, int) and tid is not True else self.rng.choice(self.tids)
        pt = "[pid %d:tid %d]" % (p, tv) if tid else "[pid %d]" % p
        line = "%s [%s] %s " % (ts_apache24(t, self.tz), mod, pt)
        if err:
            line += err + ": "
        if client:
            line += "[client %s] " % client
        line += msg
        if referer:
            line += ", referer: " + referer
        self.sc.add(self.rel, t, line)

    def cport(self):
        return "%s:%d" % (ip(self.rng), self.rng.randint(30000, 65000))

    def noise(self, t):
        r = self.rng.random()
        if r < 0.3:
            self.log(t, "core:error", "AH10244: invalid URI path (/cgi-bin/.%2e/.%2e/.%2e/.%2e/.%2e/.%2e/.%2e/bin/sh)", client=self.cport())
        elif r < 0.5:
            self.log(t, "core:error", "AH00135: Invalid method in request \\x16\\x03\\x01\\x02", client=self.cport())
        elif r < 0.8:
            self.log(t, "authz_core:error", "AH01630: client denied by server configuration: /var/www/html/%s"
                     % self.rng.choice([".git/config", ".env", "server-status", ".svn/entries"]), client=self.cport())
        else:
            self.log(t, "ssl:error", "AH02032: Hostname 192.0.2.30 provided via SNI and hostname example.com provided via HTTP have no compatible SSL setup",
                     client=self.cport())


def apache_access(sc, rel, tz, rng, t, path, status, size, method="GET", client=None, ref="-", proto="HTTP/1.1"):
    client = client or ip(rng)
    sc.add(rel, t, '%s - - [%s] "%s %s %s" %d %d "%s" "%s"' % (client, ts_access(t, tz), method, path, proto, status,
                                                                 size, ref, rng.choice(UAS)))


def proxy_refused():
    """Apache reverse proxy in front of a Java app on 127.0.0.1:8080 that crashed and takes 3 minutes to come back."""
    rng = random.Random(1111)
    sc = Scenario("apache-proxy-refused")
    tz = "America/Los_Angeles"
    ap = Apache24(sc, "error.log", tz, rng)
    pages = ["/", "/cart", "/catalog/garden", "/catalog/product/4711", "/api/v1/stock?sku=4711", "/account/login"]
    for t in spread(rng, U("2026-11-24 13:30:00"), U("2026-11-24 14:12:00"), 14):
        ap.noise(t)
    for t in spread(rng, U("2026-11-24 14:19:00"), U("2026-11-24 14:50:00"), 10):
        ap.noise(t)
    ev = []

    def refused(t):
        c = ap.cport()
        p = rng.choice((18211, 18212, 18213))
        tid = rng.choice(ap.tids)
        t = t + dt.timedelta(microseconds=rng.randint(1, 900))
        ap.log(t, "proxy:error", "AH00957: HTTP: attempt to connect to 127.0.0.1:8080 (127.0.0.1:8080) failed",
               err="(111)Connection refused", pid=p, tid=tid)
        ap.log(t + dt.timedelta(microseconds=61), "proxy:error",
               "AH00959: ap_proxy_connect_backend disabling worker for (127.0.0.1:8080) for 60s", pid=p, tid=tid)
        ap.log(t + dt.timedelta(microseconds=97), "proxy_http:error", "AH01114: HTTP: failed to make connection to backend: 127.0.0.1",
               client=c, referer=rng.choice([None, "https://example.com/"]), pid=p, tid=tid)
        apache_access(sc, "access.log", tz, rng, t, rng.choice(pages), 503, 592, client=c.split(":")[0])
        ev.append(t)

    def disabled(t):
        c = ap.cport()
        ap.log(t, "proxy:error", "AH00940: HTTP: disabled connection for (127.0.0.1:8080)")
        apache_access(sc, "access.log", tz, rng, t, rng.choice(pages), 503, 592, client=c.split(":")[0],
                      ref=rng.choice(["-", "https://example.com/"]))
        ev.append(t)

    for a, b in [("14:14:02.118", "14:15:02"), ("14:15:03.402", "14:16:03"), ("14:16:04.077", "14:17:03")]:
        ta = U("2026-11-24 " + a)
        refused(ta)
        for t in spread(rng, ta + dt.timedelta(seconds=1), U("2026-11-24 " + b), 9):
            disabled(t)
    # normal traffic in the access log
    for t in spread(rng, U("2026-11-24 13:30:00"), U("2026-11-24 14:13:58"), 45) + spread(rng, U("2026-11-24 14:17:06"), U("2026-11-24 14:50:00"), 35):
        apache_access(sc, "access.log", tz, rng, t, rng.choice(pages), 200, rng.randint(2500, 60000),
                      ref=rng.choice(["-", "https://example.com/"]))
    f, to = span(ev)
    sc.write({"description": "Apache 2.4 (event MPM) reverse proxy to a Java app on 127.0.0.1:8080. The app crashes; "
                             "mod_proxy logs (111) AH00957 + AH01114, disables the worker for 60 s (AH00959) and "
                             "answers the meantime with AH00940. Clients get 503 (access log) for 3 minutes. Times are "
                             "naive America/Los_Angeles (PST).",
              "files": ["error.log", "access.log"],
              "args": ["--tz", tz],
              "incidents": [{"from": f, "to": to, "cause": ["upstream_refused"], "status": [503]}]})


def fcgi_timeout():
    """A migration holds a table lock; PHP requests behind mod_proxy_fcgi exceed ProxyTimeout 60."""
    rng = random.Random(1212)
    sc = Scenario("apache-fcgi-timeout")
    tz = "Europe/Berlin"
    ap = Apache24(sc, "error.log", tz, rng, pids=(24410, 24411, 24412))
    app = "/var/www/example.com"
    acc = "access.log"
    for t in spread(rng, U("2026-11-24 15:00:00"), U("2026-11-24 15:40:00"), 10):
        ap.noise(t)
    for t in spread(rng, U("2026-11-24 15:50:00"), U("2026-11-24 16:20:00"), 6):
        ap.noise(t)
    warn = ['PHP message: PHP Warning:  Undefined array key "utm_source" in {app}/public/index.php on line 41',
            "PHP message: PHP Deprecated:  strlen(): Passing null to parameter #1 ($string) of type string is deprecated in {app}/src/Search/Query.php on line 29",
            "PHP message: PHP Deprecated:  Creation of dynamic property App\\Model\\Order::$legacyId is deprecated in {app}/src/Model/Order.php on line 52\\nPHP message: PHP Warning:  Undefined array key \"coupon\" in {app}/src/Cart/Session.php on line 91"]
    for t in spread(rng, U("2026-11-24 15:00:00"), U("2026-11-24 16:20:00"), 14):
        c = ap.cport()
        if rng.random() < 0.2:
            ap.log(t, "proxy_fcgi:error", "AH01071: Got error 'Primary script unknown'", client=c)
            apache_access(sc, acc, tz, rng, t, "/%s.php" % rng.choice(["wp-login", "xmlrpc", "phpinfo", "admin/config"]), 404, 196,
                          client=c.split(":")[0])
        else:
            ap.log(t, "proxy_fcgi:error", "AH01071: Got error '%s'" % rng.choice(warn).format(app=app), client=c,
                   referer=rng.choice([None, "https://example.com/", "https://www.google.com/"]))
    ev = []
    slow = ["/search?q=garden+hose", "/account/orders", "/checkout/review", "/search?q=rake", "/account/orders?page=2",
            "/admin/orders?status=open"]
    times = [U("2026-11-24 15:42:05.118")] + spread(rng, U("2026-11-24 15:42:10"), U("2026-11-24 15:46:50"), 16) + [U("2026-11-24 15:47:02.640")]
    for t in times:
        c = ap.cport()
        path = rng.choice(slow)
        ref = rng.choice([None, "https://example.com/account", "https://example.com/"])
        ap.log(t, "proxy_fcgi:error", "AH01075: Error dispatching request to : (polling)", client=c,
               err="(70007)The timeout specified has expired", referer=ref)
        # Apache stamps the access log with the time the request was received
        ts = t - dt.timedelta(seconds=60, microseconds=rng.randint(1000, 90000))
        apache_access(sc, acc, tz, rng, ts, path, 504, 499, client=c.split(":")[0], ref=ref or "-", proto="HTTP/2")
        ev += [t, ts]
    for t in spread(rng, U("2026-11-24 15:00:00"), U("2026-11-24 16:20:00"), 70):
        apache_access(sc, acc, tz, rng, t, rng.choice(["/", "/category/garden", "/product/blue-widget-42", "/cart",
                                                       "/static/app.css", "/static/app.js"]), 200, rng.randint(3000, 70000),
                      ref=rng.choice(["-", "https://example.com/"]), proto="HTTP/2")
    f, to = span(ev)
    sc.write({"description": "Apache 2.4 + php-fpm via mod_proxy_fcgi (ProxyTimeout 60). A schema migration locks the "
                             "orders table; search/account/checkout requests hang and mod_proxy_fcgi gives up with "
                             "(70007) AH01075 '(polling)' -> 504 Gateway Timeout. The access log stamps the request "
                             "START, so each 504 appears 60 s before its AH01075. Naive Europe/Berlin time in both "
                             "files (access log carries +0100).",
              "files": ["error.log", "access.log"],
              "args": ["--tz", tz],
              "incidents": [{"from": f, "to": to, "cause": ["upstream_timeout"], "status": [504]}]})


def apache22_modphp():
    """Legacy CentOS 6 box (Apache 2.2 + mod_php 5.3): after an httpd restart mbstring is gone, every page fatals."""
    rng = random.Random(1313)
    sc = Scenario("apache22-modphp-fatal")
    tz = "America/Chicago"
    REL = "error_log"

    def log(t, level, msg, client=None, referer=None):
        line = "%s [%s] " % (ts_apache22(t, tz), level)
        if client:
            line += "[client %s] " % client
        line += msg
        if referer:
            line += ", referer: " + referer
        sc.add(REL, t, line)

    def noise(t):
        r = rng.random()
        c = ip(rng)
        if r < 0.35:
            log(t, "error", "File does not exist: /var/www/html/%s" % rng.choice(["favicon.ico", "apple-touch-icon.png", "robots.txt", "images/spacer.gif"]), client=c)
        elif r < 0.5:
            log(t, "error", "script '/var/www/html/%s.php' not found or unable to stat" % rng.choice(["wp-login", "xmlrpc", "phpinfo"]), client=c)
        elif r < 0.65:
            log(t, "error", "PHP Notice:  Undefined index: page in /var/www/html/index.php on line 12", client=c,
                referer=rng.choice([None, "http://www.example.com/"]))
        elif r < 0.8:
            log(t, "error", "PHP Deprecated:  Function ereg() is deprecated in /var/www/html/includes/legacy.php on line 201", client=c)
        elif r < 0.9:
            log(t, "error", "request failed: error reading the headers", client=c)
        else:
            log(t, "error", "Invalid method in request \\x16\\x03\\x01", client=c)

    def restart(t):
        log(t, "notice", "caught SIGTERM, shutting down")
        t2 = t + dt.timedelta(seconds=1)
        log(t2, "notice", "suEXEC mechanism enabled (wrapper: /usr/sbin/suexec)")
        log(t2, "notice", "Digest: generating secret for digest authentication ...")
        log(t2, "notice", "Digest: done")
        log(t2, "notice", "Apache/2.2.15 (Unix) DAV/2 PHP/5.3.3 configured -- resuming normal operations")

    for t in spread(rng, U("2026-11-24 15:05:00"), U("2026-11-24 15:57:00"), 18):
        noise(t)
    for t in spread(rng, U("2026-11-24 16:11:00"), U("2026-11-24 16:45:00"), 12):
        noise(t)
    ev = []
    tr = U("2026-11-24 15:58:40")
    restart(tr)
    fat = [("/var/www/html/includes/functions.php", 88, "mb_strlen"), ("/var/www/html/includes/functions.php", 88, "mb_strlen"),
           ("/var/www/html/includes/text.php", 14, "mb_substr"), ("/var/www/html/search.php", 31, "mb_strtolower")]
    times = [U("2026-11-24 16:00:12")] + spread(rng, U("2026-11-24 16:00:20"), U("2026-11-24 16:09:10"), 28) + [U("2026-11-24 16:09:20")]
    for t in times:
        f_, ln, fn = rng.choice(fat)
        log(t, "error", "PHP Fatal error:  Call to undefined function %s() in %s on line %d" % (fn, f_, ln), client=ip(rng),
            referer=rng.choice([None, "http://www.example.com/", "http://www.example.com/catalog.php?cat=7"]))
        ev.append(t)
    restart(U("2026-11-24 16:09:31"))
    f, to = span(ev)
    sc.write({"description": "Apache 2.2.15 with mod_php 5.3 (no module names, no pids, no AH codes, [client IP] without "
                             "port). An httpd restart at 09:58 CST comes up without the mbstring extension; every page "
                             "fails with 'Call to undefined function mb_strlen()' until the 10:09 fix and restart. "
                             "Naive America/Chicago time.",
              "args": ["--tz", tz],
              "incidents": [{"from": f, "to": to, "cause": ["php_fatal"], "status": [500]}]})


if __name__ == "__main__":
    proxy_refused()
    fcgi_timeout()
    apache22_modphp()
