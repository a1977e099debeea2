import random

from lib import *
from web import Nginx, Access, Fpm

FPM_SOCK = "fastcgi://unix:/run/php/php8.2-fpm.sock:"


def php_fatal():
    """A deploy ships a presenter that passes null prices to Money::format(); product pages die with a TypeError."""
    rng = random.Random(303)
    sc = Scenario("php-fatal")
    tz = "Australia/Sydney"
    app = "/var/www/shop.example.com"
    ng = Nginx(sc, "error.log", tz, rng, workers=(2211, 2212), conn=7730011, server="shop.example.com",
               host="shop.example.com", app=app, level="warn", fcgi="fastcgi://unix:/run/php/php8.3-fpm.sock:")
    ng.noise_between(U("2026-11-24 13:40:00"), U("2026-11-24 14:19:00"), 16, kinds=("404", "404", "php", "tls", "buffered"))
    ng.noise_between(U("2026-11-24 14:28:30"), U("2026-11-24 14:55:00"), 12, kinds=("404", "404", "php", "tls", "buffered"))

    products = ["blue-widget-42", "garden-hose-25m", "hedge-trimmer-x2", "watering-can-10l", "rake-pro", "compost-bin-300"]
    short = ('PHP message: PHP Warning:  Undefined array key "price_gross" in {app}/src/Catalog/ProductPresenter.php on line 61\n'
             "PHP message: PHP Fatal error:  Uncaught TypeError: App\\Catalog\\Money::format(): Argument #1 ($amount) must be of type int|float, null given, called in {app}/src/Catalog/ProductPresenter.php on line 62 and defined in {app}/src/Catalog/Money.php:18\n"
             "Stack trace:\n"
             "#0 {app}/src/Catalog/ProductPresenter.php(62): App\\Catalog\\Money::format(NULL, 'AUD')\n"
             "#1 {app}/src/Controller/ProductController.php(47): App\\Catalog\\ProductPresenter->present(Object(App\\Catalog\\Product))\n"
             "#2 {app}/src/Http/Kernel.php(112): App\\Controller\\ProductController->show(Object(App\\Http\\Request), '{slug}')\n"
             "#3 {app}/public/index.php(21): App\\Http\\Kernel->handle(Object(App\\Http\\Request))\n"
             "#4 {{main}}\n"
             "  thrown in {app}/src/Catalog/Money.php on line 18")
    # the category grid renders the same presenter through the template engine: a long trace that nginx cuts at 2048 bytes
    long = ("PHP message: PHP Fatal error:  Uncaught TypeError: App\\Catalog\\Money::format(): Argument #1 ($amount) must be of type int|float, null given, called in {app}/src/Catalog/ProductPresenter.php on line 62 and defined in {app}/src/Catalog/Money.php:18\n"
            "Stack trace:\n"
            "#0 {app}/src/Catalog/ProductPresenter.php(62): App\\Catalog\\Money::format(NULL, 'AUD')\n"
            "#1 {app}/src/View/Extension/CatalogExtension.php(38): App\\Catalog\\ProductPresenter->present(Object(App\\Catalog\\Product))\n"
            "#2 {app}/var/cache/prod/templates/8f/8f3ac1d0b7e24e5c9a1f6d2b3c4e5f60.php(94): App\\View\\Extension\\CatalogExtension->productCard(Object(App\\Catalog\\Product), Array)\n"
            "#3 {app}/vendor/twig/twig/src/Template.php(394): __TwigTemplate_8f3ac1d0b7e24e5c9a1f6d2b3c4e5f60->doDisplay(Array, Array)\n"
            "#4 {app}/vendor/twig/twig/src/Template.php(367): Twig\\Template->displayWithErrorHandling(Array, Array)\n"
            "#5 {app}/var/cache/prod/templates/2c/2c71e0a9f4b3d8e6c5a1b2f3e4d5c6b7.php(61): Twig\\Template->display(Array, Array)\n"
            "#6 {app}/vendor/twig/twig/src/Template.php(394): __TwigTemplate_2c71e0a9f4b3d8e6c5a1b2f3e4d5c6b7->doDisplay(Array, Array)\n"
            "#7 {app}/vendor/twig/twig/src/Template.php(367): Twig\\Template->displayWithErrorHandling(Array, Array)\n"
            "#8 {app}/vendor/twig/twig/src/Template.php(382): Twig\\Template->display(Array)\n"
            "#9 {app}/vendor/twig/twig/src/TemplateWrapper.php(47): Twig\\Template->render(Array, Array)\n"
            "#10 {app}/vendor/twig/twig/src/Environment.php(359): Twig\\TemplateWrapper->render(Array)\n"
            "#11 {app}/src/Controller/CategoryController.php(58): Twig\\Environment->render('catalog/categor...', Array)\n"
            "#12 {app}/src/Http/Kernel.php(112): App\\Controller\\CategoryController->show(Object(App\\Http\\Request), '{slug}')\n"
            "#13 {app}/public/index.php(21): App\\Http\\Kernel->handle(Object(App\\Http\\Request))\n"
            "#14 {{main}}\n"
            "  thrown in {app}/src/Catalog/Money.php on line 18")
    ev = []
    times = [U("2026-11-24 14:20:03")] + spread(rng, U("2026-11-24 14:20:10"), U("2026-11-24 14:26:20"), 10) + [U("2026-11-24 14:26:41")]
    for i, t in enumerate(times):
        if i in (3, 8):
            slug = rng.choice(["garden", "tools", "watering"])
            body = long.format(app=app, slug=slug)
            rq = "GET /category/%s HTTP/2.0" % slug
        else:
            slug = rng.choice(products)
            body = short.format(app=app, slug=slug)
            rq = "GET /product/%s HTTP/2.0" % slug
        ng.err(t, "error", 'FastCGI sent in stderr: "%s" while reading response header from upstream' % body,
               ng.ctx(ip(rng), rq, upstream=ng.fcgi, referrer=rng.choice([None, "https://shop.example.com/", "https://www.google.com/"])))
        ev.append(t)
    f, to = span(ev)
    sc.write({"description": "Deploy at 01:19 local (Sydney, UTC+11) ships a presenter that passes null prices to "
                             "Money::format(); product and category pages fail with an uncaught TypeError relayed as "
                             "multi-line FastCGI stderr (two entries cut by nginx's 2048-byte limit, without closing "
                             "quote or client) until the 01:26 hotfix. Local date is 25 Nov, UTC date 24 Nov.",
              "args": ["--tz", tz],
              "incidents": [{"from": f, "to": to, "cause": ["php_fatal"], "status": [500]}]})


def memory_limit():
    """A menu plugin update builds the whole category tree per request and exceeds memory_limit=128M."""
    rng = random.Random(404)
    sc = Scenario("memory-limit")
    app = "/var/www/example.com"
    PZ = "Europe/Berlin"

    def php(t, text):
        sc.add("php_errors.log", t, "%s %s" % (ts_php(t, PZ), text))

    ng = Nginx(sc, "error.log", "UTC", rng, workers=(1021, 1022, 1023, 1024), conn=311870, level="error")
    acc = Access(sc, "access.log", "UTC", rng)
    acc.background(U("2026-11-24 09:40:00"), U("2026-11-24 10:25:00"), 70)
    ng.noise_between(U("2026-11-24 09:20:00"), U("2026-11-24 10:40:00"), 26, kinds=("404", "404", "tls"))
    # PHP error_log noise (Berlin wall clock, zone name in every entry)
    php(U("2026-11-24 09:41:12"), "PHP Deprecated:  Creation of dynamic property Acme\\MenuBuilder\\Node::$cssClass is deprecated in %s/vendor/acme/menu-builder/src/Node.php on line 27" % app)
    php(U("2026-11-24 09:45:00"), "[cron] sitemap:rebuild finished, 4123 urls in 2.1s")
    php(U("2026-11-24 09:51:37"), 'PHP Warning:  Undefined array key "utm_source" in %s/public/index.php on line 41' % app)
    php(U("2026-11-24 09:58:12"), "[deploy] plugin acme/menu-builder updated 3.4.1 -> 3.5.0")
    php(U("2026-11-24 09:59:02"), "PHP Deprecated:  Creation of dynamic property Acme\\MenuBuilder\\Node::$cssClass is deprecated in %s/vendor/acme/menu-builder/src/Node.php on line 27" % app)
    php(U("2026-11-24 10:12:40"), 'PHP Warning:  Undefined array key "utm_source" in %s/public/index.php on line 41' % app)
    php(U("2026-11-24 10:15:00"), "[cron] sitemap:rebuild finished, 4123 urls in 2.0s")
    php(U("2026-11-24 10:21:19"), "PHP Notice:  Only variables should be passed by reference in %s/src/Helper/Arr.php on line 19" % app)

    where = [("vendor/acme/menu-builder/src/Tree.php", 143, 20480), ("vendor/acme/menu-builder/src/Tree.php", 143, 32768),
             ("vendor/acme/menu-builder/src/Node.php", 88, 65536), ("vendor/acme/menu-builder/src/Tree.php", 151, 20480)]
    pages = ["/", "/category/garden", "/category/tools?page=2", "/product/blue-widget-42", "/search?q=hose", "/cart"]
    ev = []
    times = [U("2026-11-24 10:00:01.412")] + spread(rng, U("2026-11-24 10:00:05"), U("2026-11-24 10:06:35"), 22) + [U("2026-11-24 10:06:40.081")]
    for t in times:
        fpath, line, alloc = rng.choice(where)
        php(t, "PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted (tried to allocate %d bytes) in %s/%s on line %d"
            % (alloc, app, fpath, line))
        acc.hit(t + dt.timedelta(milliseconds=rng.randint(2, 30)), rng.choice(pages), 500, size=0)
        ev.append(t)
    # static assets keep working during the outage
    for t in spread(rng, U("2026-11-24 10:00:03"), U("2026-11-24 10:06:30"), 8):
        acc.hit(t, rng.choice(["/assets/css/app.4b1e2c.css", "/assets/js/app.77d0e1.js", "/img/logo.svg"]), 200)
    php(U("2026-11-24 10:06:52"), "[deploy] plugin acme/menu-builder rolled back 3.5.0 -> 3.4.1")
    f, to = span(ev)
    sc.write({"description": "memory_limit=128M exhausted on every PHP page after a menu plugin update (10:00-10:06 UTC). "
                             "PHP error_log stamps Europe/Berlin wall time with the zone name (11:00); nginx logs are "
                             "UTC (--tz UTC). The access log's 500s line up with the PHP fatals only if the zone name "
                             "is honoured. nginx error.log has only noise: php error_log is a file, so nothing reaches "
                             "nginx over FastCGI stderr.",
              "files": ["php_errors.log", "error.log", "access.log"],
              "args": ["--tz", "UTC"],
              "incidents": [{"from": f, "to": to, "cause": ["php_memory_exhausted"], "status": [500]}]})


def db_down():
    """MariaDB is stopped by an unattended upgrade and does not come back for 7 minutes."""
    rng = random.Random(505)
    sc = Scenario("db-down")
    app = "/var/www/example.com"
    tz = "Europe/Berlin"
    ng = Nginx(sc, "error.log", tz, rng, workers=(940, 941, 942), conn=5520144, level="error")
    ng.noise_between(U("2026-11-24 07:50:00"), U("2026-11-24 08:13:30"), 12, kinds=("404", "404", "php", "tls"))
    ng.noise_between(U("2026-11-24 08:23:00"), U("2026-11-24 08:40:00"), 9, kinds=("404", "php", "tls"))

    def cli(t, text):
        sc.add("php-cli-error.log", t, "%s %s" % (ts_php(t, "UTC"), text))

    routes = [("GET /category/{c} HTTP/2.0", "App\\Controller\\CategoryController->show(Object(App\\Http\\Request), '{c}')",
               "src/Repository/ProductRepository.php(28): App\\Db\\Connection->pdo()",
               "src/Controller/CategoryController.php(40): App\\Repository\\ProductRepository->findByCategory('{c}', 1)"),
              ("GET /product/{p} HTTP/2.0", "App\\Controller\\ProductController->show(Object(App\\Http\\Request), '{p}')",
               "src/Repository/ProductRepository.php(51): App\\Db\\Connection->pdo()",
               "src/Controller/ProductController.php(33): App\\Repository\\ProductRepository->findBySlug('{p}')"),
              ("GET / HTTP/2.0", "App\\Controller\\HomeController->index(Object(App\\Http\\Request))",
               "src/Repository/TeaserRepository.php(22): App\\Db\\Connection->pdo()",
               "src/Controller/HomeController.php(19): App\\Repository\\TeaserRepository->latest(8)")]
    head = ("PHP Fatal error:  Uncaught PDOException: SQLSTATE[HY000] [2002] Connection refused in {app}/src/Db/Connection.php:31\n"
            "Stack trace:\n"
            "#0 {app}/src/Db/Connection.php(31): PDO->__construct('mysql:host=127....', 'shop', Object(SensitiveParameterValue), Array)\n"
            "#1 {app}/src/Db/Connection.php(19): App\\Db\\Connection->connect()\n")
    ev = []
    times = [U("2026-11-24 08:14:06")] + spread(rng, U("2026-11-24 08:14:10"), U("2026-11-24 08:21:30"), 14) + [U("2026-11-24 08:21:38")]
    for t in times:
        rq, handler, f2, f3 = rng.choice(routes)
        c = rng.choice(["garden", "tools", "watering"])
        p = rng.choice(["blue-widget-42", "garden-hose-25m", "rake-pro"])
        body = (head.format(app=app) +
                "#2 {app}/{f2}\n#3 {app}/{f3}\n#4 {app}/src/Http/Kernel.php(112): {h}\n"
                "#5 {app}/public/index.php(21): App\\Http\\Kernel->handle(Object(App\\Http\\Request))\n"
                "#6 {{main}}\n  thrown in {app}/src/Db/Connection.php on line 31").format(
                    app=app, f2=f2, f3=f3.format(c=c, p=p), h=handler.format(c=c, p=p))
        ng.err(t, "error", 'FastCGI sent in stderr: "PHP message: %s" while reading response header from upstream' % body,
               ng.ctx(ip(rng), rq.format(c=c, p=p), upstream=FPM_SOCK))
        ev.append(t)
    # queue worker cron (php-cli, date.timezone = UTC, error_log = /var/log/php/cli-error.log)
    cli(U("2026-11-24 07:52:01"), "PHP Deprecated:  Creation of dynamic property App\\Queue\\Job::$attempts is deprecated in %s/src/Queue/Job.php on line 40" % app)
    cli(U("2026-11-24 08:03:01"), 'PHP Warning:  Undefined array key "locale" in %s/src/Mail/Renderer.php on line 66' % app)
    for m in range(15, 22):
        t = U("2026-11-24 08:%02d:01" % m) + dt.timedelta(milliseconds=rng.randint(40, 400))
        cli(t, head.format(app=app) +
            ("#2 {app}/src/Queue/Worker.php(54): App\\Db\\Connection->pdo()\n"
             "#3 {app}/bin/queue-worker.php(17): App\\Queue\\Worker->runOnce(50)\n"
             "#4 {{main}}\n  thrown in {app}/src/Db/Connection.php on line 31").format(app=app))
        ev.append(t)
    cli(U("2026-11-24 08:31:01"), 'PHP Warning:  Undefined array key "locale" in %s/src/Mail/Renderer.php on line 66' % app)
    f, to = span(ev)
    sc.write({"description": "MariaDB on 127.0.0.1:3306 stopped by an unattended upgrade (08:14-08:21 UTC). Web requests die "
                             "with an uncaught PDOException [2002] relayed as multi-line FastCGI stderr (nginx, Berlin "
                             "wall clock, --tz Europe/Berlin); the every-minute queue worker cron logs the same exception "
                             "to the php-cli error_log stamped 'UTC'.",
              "files": ["error.log", "php-cli-error.log"],
              "args": ["--tz", tz],
              "incidents": [{"from": f, "to": to, "cause": ["database_unavailable"], "status": [500]}]})


if __name__ == "__main__":
    php_fatal()
    memory_limit()
    db_down()
