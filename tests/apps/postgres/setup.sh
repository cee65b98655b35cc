# The Debian cluster 15/main as packaged, listening on 127.0.0.1:18110 with
# trust for local connections (a test database, not a deployment).
conf=/etc/postgresql/15/main
sed -i "s/^port = .*/port = 18110/" $conf/postgresql.conf
echo "listen_addresses = '127.0.0.1'" >> $conf/postgresql.conf
cat > $conf/pg_hba.conf <<'HBA'
local   all   all                 trust
host    all   all   127.0.0.1/32  trust
HBA
