#!/bin/bash
# Starts PostgreSQL, MariaDB and RabbitMQ on loopback if they are installed
# but not running, for the multi-process tests. Tests that need one that is
# absent skip, saying which.
set -uo pipefail

listening() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

wait_for() {
    for _ in $(seq 1 60); do
        listening "$1" && return 0
        sleep 1
    done
    echo "warning: nothing listens on port $1 after 60 s" >&2
}

if command -v pg_ctlcluster >/dev/null && ! listening 5432; then
    for version in /etc/postgresql/*; do
        pg_ctlcluster --skip-systemctl-redirect "$(basename "$version")" \
            main start
    done
    wait_for 5432
fi
if [ -x /usr/sbin/mariadbd ] && ! listening 3306; then
    start-stop-daemon --start --oknodo --background \
        --exec /usr/sbin/mariadbd
    wait_for 3306
fi
if command -v rabbitmq-server >/dev/null && ! listening 5672; then
    rabbitmq-server -detached
    wait_for 5672
fi
exit 0
