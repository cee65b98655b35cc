#!/bin/sh
# Workload B: what a PostgreSQL user does next. Runs on the host against
# container $CONTAINER (docker exec as the image's user); prints only
# deterministic output.
set -u
x() { docker exec -i "$CONTAINER" "$@"; }
q() { db=$1; shift; x psql -h 127.0.0.1 -p 18110 -U postgres -X -v ON_ERROR_STOP=1 -Atq -d "$db" "$@"; }
step() { echo "== $1"; }

step createdb;      x createdb -h 127.0.0.1 -p 18110 -U postgres shop && echo created
step schema;        q shop <<'SQL'
create table orders (id serial primary key, placed date not null, customer text not null,
                     amount numeric(10,2) not null);
insert into orders (placed, customer, amount)
  select date '2024-01-01' + (i % 300), 'customer ' || (i % 37), (i * 7 % 1000) / 10.0
  from generate_series(1, 5000) as i;
create index orders_customer on orders (customer);
select count(*), sum(amount) from orders;
SQL
step months;        q shop -c "select to_char(placed, 'TMMonth YYYY') as m, count(*) from orders group by 1 order by min(placed) limit 3"
step timezone;      q shop -c "set timezone to 'Europe/Paris'; select timestamptz '2024-07-01 12:00:00+00'"
step timezone2;     q shop -c "set timezone to 'America/New_York'; select timestamptz '2024-01-15 12:00:00+00'"
step pgcrypto;      q shop -c "create extension pgcrypto; select encode(digest('micropack', 'sha256'), 'hex')"
step fulltext;      q shop -c "select to_tsvector('english', 'The quick brown foxes jumped over lazy dogs')"
step plpgsql;       q shop <<'SQL'
create function spend(c text) returns numeric language plpgsql as $$
declare total numeric; begin select sum(amount) into total from orders where customer = c; return total; end $$;
select spend('customer 5');
SQL
step explain;       q shop -c "analyze orders" -c "explain (costs off) select * from orders where customer = 'customer 3'"
step pgbench;       x pgbench -h 127.0.0.1 -p 18110 -U postgres -i -s 1 -q shop >/dev/null 2>&1 && \
                    x pgbench -h 127.0.0.1 -p 18110 -U postgres -n -t 50 -c 2 shop >/dev/null 2>&1 && echo pgbench ok
                    q shop -c "select count(*) from pgbench_accounts"
step pg_dump;       x pg_dump -h 127.0.0.1 -p 18110 -U postgres shop | grep -c '^CREATE TABLE'
step restore;       x sh -c 'pg_dump -h 127.0.0.1 -p 18110 -U postgres -Fc shop > /tmp/shop.dump && createdb -h 127.0.0.1 -p 18110 -U postgres copy && pg_restore -h 127.0.0.1 -p 18110 -U postgres -d copy /tmp/shop.dump && echo restored'
                    q copy -c "select count(*), sum(amount) from orders"
step vacuum;        x vacuumdb -h 127.0.0.1 -p 18110 -U postgres -q shop && echo vacuumed
step catalog;       q shop -c "select relname from pg_stat_user_tables order by 1"
