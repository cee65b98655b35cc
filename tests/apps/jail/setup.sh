# busybox's httpd serving a small site from a chroot jail, /srv/jail, as
# daemons that chroot themselves do: once in it, every name it uses is the
# jail's (/www/index.html is /srv/jail/www/index.html), and the image's own
# /bin/busybox is not the one it runs.
jail=/srv/jail
mkdir -p $jail/bin $jail/www/pages $jail/etc
cp /bin/busybox $jail/bin/busybox
page() { printf '<!doctype html><html><head><title>%s</title></head><body><h1>%s</h1>%s</body></html>\n' "$1" "$1" "$2"; }
page "Home" '<p>See <a href="/pages/p1.html">the first page</a>.</p>' > $jail/www/index.html
i=1
while [ $i -le 20 ]; do
    page "Page $i" "<p>Body of page $i: $(seq -s ' ' 1 $((i + 3)))</p>" > $jail/www/pages/p$i.html
    i=$((i + 1))
done
printf 'body { font: 16px serif; }\n' > $jail/www/site.css
find $jail -exec touch -h -d '2024-01-02 03:04:05' {} +
