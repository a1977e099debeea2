"""nginx / access-log / php-fpm renderers plus an everyday-noise catalogue."""
import datetime as dt

from lib import *

LEVELS = ["debug", "info", "notice", "warn", "error", "crit", "alert", "emerg"]

STATIC_404 = [
    "/favicon.ico", "/apple-touch-icon.png", "/apple-touch-icon-precomposed.png",
    "/assets/css/app.4b1e2c.css.map", "/assets/js/vendor.91ad3f.js.map", "/img/banner-black-friday.webp",
    "/.git/config", "/.env.bak", "/wp-content/plugins/revslider/js/jquery.themepunch.tools.min.js",
    "/sitemap_index.xml", "/ads.txt", "/.well-known/traffic-advice", "/media/cache/thumbs/42/a9c3f.jpg",
    "/static/fonts/inter-var.woff2", "/robots.txt.bak", "/admin/assets/img/logo.svg",
]

PHP_NOISE = [
    ('PHP Warning:  Undefined array key "utm_source" in {app}/public/index.php on line 41', "GET /?utm_campaign=newsletter-47 {proto}"),
    ('PHP Warning:  Undefined variable $related in {app}/templates/product/show.php on line 118', "GET /product/blue-widget-42 {proto}"),
    ('PHP Deprecated:  strlen(): Passing null to parameter #1 ($string) of type string is deprecated in {app}/vendor/acme/legacy-cart/src/Cart.php on line 77', "POST /cart/add {proto}"),
    ('PHP Deprecated:  Creation of dynamic property App\\Model\\Order::$legacyId is deprecated in {app}/src/Model/Order.php on line 52', "GET /account/orders {proto}"),
    ('PHP Notice:  Only variables should be passed by reference in {app}/src/Helper/Arr.php on line 19', "GET /category/garden?page=3 {proto}"),
    ('PHP Warning:  Trying to access array offset on value of type null in {app}/src/Service/Shipping.php on line 64', "GET /checkout/shipping {proto}"),
    ('PHP Warning:  Attempt to read property "name" on null in {app}/templates/partials/header.php on line 23', "GET /brand/unknown-brand {proto}"),
    ('PHP Warning:  getimagesize({app}/public/media/products/9931-side.jpg): Failed to open stream: No such file or directory in {app}/src/Image/Thumbnailer.php on line 31', "GET /product/garden-hose-25m {proto}"),
]

PHP_NOISE_PAIR = ("PHP Deprecated:  Automatic conversion of false to array is deprecated in {app}/src/Cart/Session.php on line 88",
                  'PHP Warning:  Undefined array key "coupon" in {app}/src/Cart/Session.php on line 91',
                  "GET /cart {proto}")

BUFFERED = ["GET /export/products.csv {proto}", "GET /sitemap.xml {proto}", "GET /feed/google-shopping.xml {proto}",
            "GET /account/invoices/2026-0418.pdf {proto}"]

TLS_CLIENT = [
    ("crit", "SSL_do_handshake() failed (SSL: error:0A00006C:SSL routines::bad key share)"),
    ("info", "SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::wrong version number)"),
    ("info", "SSL_do_handshake() failed (SSL: error:0A000102:SSL routines::unsupported protocol)"),
    ("info", "SSL_do_handshake() failed (SSL: error:0A0000C1:SSL routines::no shared cipher)"),
    ("crit", "SSL_do_handshake() failed (SSL: error:0A00006C:SSL routines::bad key share)"),
]


class Nginx:
    def __init__(self, sc, rel, tz, rng, workers=(812, 813, 814, 815), conn=48211, server="example.com",
                 host="example.com", app="/var/www/example.com", root=None, level="error",
                 fcgi="fastcgi://unix:/run/php/php8.2-fpm.sock:", proto="HTTP/2.0", fcgi_temp="/var/lib/nginx/fastcgi",
                 rate=2.0):
        self.sc, self.rel, self.tz, self.rng = sc, rel, tz, rng
        self.workers = workers
        self.conn = Conn(conn, rng)
        self.server, self.host, self.app = server, host, app
        self.root = root or app + "/public"
        self.level = level
        self.fcgi = fcgi
        self.proto = proto
        self.fcgi_temp = fcgi_temp
        self.rate = rate

    def shows(self, level):
        return LEVELS.index(level) >= LEVELS.index(self.level)

    def raw(self, t, text):
        self.sc.add(self.rel, t, text)

    def err(self, t, level, msg, ctx="", conn=True, pid=None):
        if not self.shows(level):
            return
        rng = self.rng

        def render():
            p = pid or rng.choice(self.workers)
            if conn is True:
                c = " *%d" % self.conn.at(t, self.rate)
            elif callable(conn):
                c = " *%d" % conn()
            else:
                c = (" *%d" % conn) if conn else ""
            return ngx_cap("%s [%s] %d#%d:%s %s%s" % (ts_nginx(t, self.tz), level, p, p, c, msg, ctx))

        self.sc.add(self.rel, t, render)

    def req(self, r):
        return r.replace("{proto}", self.proto)

    def ctx(self, client, request, upstream=None, referrer=None, server=None, host=True):
        return ngx_ctx(client=client, server=self.server if server is None else server, request=self.req(request),
                       upstream=upstream, host=self.host if host else None, referrer=referrer)

    def up_uri(self, request, base=None):
        base = base or self.fcgi
        return base

    # ---- everyday noise ----
    def n404(self, t, path=None, client=None):
        path = path or self.rng.choice(STATIC_404)
        client = client or ip(self.rng)
        self.err(t, "error", 'open() "%s%s" failed (2: No such file or directory)' % (self.root, path),
                 self.ctx(client, "GET %s {proto}" % path))

    def closed(self, t):
        self.err(t, "info", "client closed connection while waiting for request",
                 ngx_ctx(client=ip(self.rng), server="0.0.0.0:443"))

    def keepalive(self, t):
        c = ip(self.rng)
        self.err(t, "info", "client %s closed keepalive connection" % c)

    def tls(self, t):
        lvl, m = self.rng.choice(TLS_CLIENT)
        self.err(t, lvl, m + " while SSL handshaking", ngx_ctx(client=ip(self.rng), server="0.0.0.0:443"))

    def buffered(self, t, temp=None):
        temp = temp or self.fcgi_temp
        rq = self.rng.choice(BUFFERED)
        n = self.rng.randint(10, 9999)
        path = "%s/%d/%02d/%010d" % (temp, n % 10, (n // 10) % 100, n)
        self.err(t, "warn", "an upstream response is buffered to a temporary file %s while reading upstream" % path,
                 self.ctx(ip(self.rng), rq, upstream=self.fcgi))

    def phpwarn(self, t, which=None, client=None):
        if which == "pair" or (which is None and self.rng.random() < 0.15):
            a, b, rq = PHP_NOISE_PAIR
            msg = "PHP message: " + a.format(app=self.app) + "\nPHP message: " + b.format(app=self.app)
        else:
            m, rq = PHP_NOISE[which] if isinstance(which, int) else self.rng.choice(PHP_NOISE)
            msg = "PHP message: " + m.format(app=self.app)
        self.err(t, "error", 'FastCGI sent in stderr: "%s" while reading response header from upstream' % msg,
                 self.ctx(client or ip(self.rng), rq, upstream=self.fcgi))

    def noise(self, t, kinds=("404", "404", "php", "tls", "buffered", "closed")):
        k = self.rng.choice(kinds)
        {"404": self.n404, "php": self.phpwarn, "tls": self.tls, "buffered": self.buffered,
         "closed": self.closed, "keepalive": self.keepalive}[k](t)

    def noise_between(self, start, end, n, kinds=("404", "404", "php", "tls", "buffered", "closed")):
        for t in spread(self.rng, start, end, n):
            self.noise(t, kinds)


class Access:
    """combined log format (nginx `combined`, Apache `combined`)"""

    def __init__(self, sc, rel, tz, rng, proto="HTTP/2.0", xff=False):
        self.sc, self.rel, self.tz, self.rng = sc, rel, tz, rng
        self.proto = proto
        self.xff = xff

    def hit(self, t, path, status, size=None, method="GET", client=None, ref=None, ua=None, proto=None):
        rng = self.rng
        size = size if size is not None else rng.randint(900, 48000)
        client = client or ip(rng)
        ua = ua or rng.choice(UAS)
        ref = ref or rng.choice(["-", "-", "https://example.com/", "https://www.google.com/"])
        line = '%s - - [%s] "%s %s %s" %d %d "%s" "%s"' % (client, ts_access(t, self.tz), method, path,
                                                          proto or self.proto, status, size, ref, ua)
        if self.xff:
            line += ' "-"'
        self.sc.add(self.rel, t, line)

    PAGES = ["/", "/", "/category/garden", "/product/blue-widget-42", "/product/garden-hose-25m", "/cart",
             "/assets/css/app.4b1e2c.css", "/assets/js/app.77d0e1.js", "/img/logo.svg", "/search?q=hose",
             "/robots.txt", "/sitemap.xml", "/account/login", "/category/tools?page=2"]

    def ok(self, t, client=None):
        p = self.rng.choice(self.PAGES)
        self.hit(t, p, 200, client=client)

    def background(self, start, end, n, p404=0.08):
        for t in spread(self.rng, start, end, n):
            if self.rng.random() < p404:
                self.hit(t, self.rng.choice(STATIC_404), 404, size=self.rng.choice([146, 162, 555]))
            elif self.rng.random() < 0.05:
                self.hit(t, self.rng.choice(["/account", "/checkout", "/old-shop/"]), 302, size=0)
            else:
                self.ok(t)


class Fpm:
    """php-fpm master error_log"""

    def __init__(self, sc, rel, tz, rng, pool="www", prefix=""):
        self.sc, self.rel, self.tz, self.rng = sc, rel, tz, rng
        self.pool = pool
        self.prefix = prefix  # e.g. for syslog/docker wrappers

    def log(self, t, level, msg, stamp=True):
        line = ("%s %s: %s" % (ts_fpm(t, self.tz), level, msg)) if stamp else "%s: %s" % (level, msg)
        self.sc.add(self.rel, t, line)

    def pool_msg(self, t, level, msg):
        self.log(t, level, "[pool %s] %s" % (self.pool, msg))

    def started(self, t, pid):
        self.pool_msg(t, "NOTICE", "child %d started" % pid)

    def exited(self, t, pid, secs, code=0, signal=None):
        if signal:
            self.pool_msg(t, "WARNING", "child %d exited on signal %s after %.6f seconds from start" % (pid, signal, secs))
        else:
            self.pool_msg(t, "NOTICE" if code == 0 else "WARNING",
                          "child %d exited with code %d after %.6f seconds from start" % (pid, code, secs))

    def recycle(self, t, old, new, secs):
        """pm.max_requests recycling: normal, exit code 0 then a new child"""
        self.exited(t, old, secs, 0)
        self.started(t + dt.timedelta(microseconds=900), new)
