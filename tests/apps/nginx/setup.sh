# A static site of about 200 files under /var/www/site, served by the site
# above in place of Debian's default one.
rm -f /etc/nginx/sites-enabled/default
ln -s /etc/nginx/sites-available/site /etc/nginx/sites-enabled/site
site=/var/www/site
mkdir -p $site/pages $site/css $site/img $site/docs
page() { printf '<!doctype html><html><head><title>%s</title><link rel="stylesheet" href="/css/site.css"></head><body><h1>%s</h1>%s</body></html>\n' "$1" "$1" "$2"; }
page "Home" '<p>Welcome. See <a href="/pages/p001.html">the first page</a>.</p>' > $site/index.html
page "Not found" '<p>This page does not exist (custom 404).</p>' > $site/404.html
i=1
while [ $i -le 150 ]; do
    n=$(printf %03d $i)
    page "Page $n" "<p>Body of page $n: $(seq -s ' ' 1 $((i % 40 + 5)))</p>" > $site/pages/p$n.html
    i=$((i + 1))
done
i=1
while [ $i -le 30 ]; do
    printf '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d"><circle r="%d"/></svg>\n' $i $i $i > $site/img/icon$i.svg
    i=$((i + 1))
done
i=1
while [ $i -le 15 ]; do
    seq 1 $((i * 50)) > $site/docs/notes$i.txt
    i=$((i + 1))
done
printf 'body { font: 16px serif; }\nh1 { color: #333; }\n' > $site/css/site.css
printf 'h2 { color: #666; }\n' > $site/css/print.css
# fixed times: the autoindex listing shows them
find $site -exec touch -h -d '2024-01-02 03:04:05' {} +
