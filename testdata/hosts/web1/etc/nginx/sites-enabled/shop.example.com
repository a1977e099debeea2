server {
    listen 443 ssl http2;
    server_name shop.example.com;
    root /var/www/shop/public;
    error_log /var/log/nginx/error.log;
    access_log /var/log/nginx/access.log;

    location /api/ {
        proxy_pass http://127.0.0.1:3000;
    }
    location ~ \.php$ {
        include snippets/fastcgi-php.conf;
        fastcgi_pass unix:/run/php/php8.2-fpm.sock;
    }
}
