#!/usr/bin/env bash
# Install, start and stop the scaled-mode servers on loopback, for tests and trials.
#
#   scripts/services.sh up [SERVICE...]     install what is missing, start, wait until it answers
#   scripts/services.sh down [SERVICE...]   stop
#   scripts/services.sh status              which ones answer
#   scripts/services.sh env                 print the settings that point at them
#
# SERVICE is postgres, redis, minio, elasticsearch (the 9 line) or elasticsearch8 (the
# 8.19 line, still supported; default: all five). Idempotent:
# a running server is left alone. Ports are the project's own, so a system PostgreSQL or
# Redis is never touched. Downloads and builds are cached in ARCHIVE_CACHE_DIR (MinIO
# binary, Elasticsearch distribution); data, logs and pid files live in
# ARCHIVE_SERVICES_DIR (default .services/ in the checkout). Versions are pinned in
# servers/versions.env, which docker-compose.yml follows too.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=../servers/versions.env
source "$root/servers/versions.env"

svc_dir="${ARCHIVE_SERVICES_DIR:-$root/.services}"
if [[ $(id -u) -eq 0 ]]; then
  cache_dir="${ARCHIVE_CACHE_DIR:-/var/cache/school-archive}"
else
  cache_dir="${ARCHIVE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/school-archive}"
fi
# PostgreSQL and Elasticsearch refuse to run as root: as root, run every server as an
# unprivileged system user of our own.
run_user="$(id -un)"
if [[ $(id -u) -eq 0 ]]; then
  run_user="archive-svc"
fi

log() { echo "[services] $*" >&2; }
die() { echo "[services] ОШИБКА: $*" >&2; exit 1; }

as_user() {
  if [[ "$run_user" == "$(id -un)" ]]; then
    "$@"
  else
    runuser -u "$run_user" -- "$@"
  fi
}

prepare_dirs() {
  if [[ $(id -u) -eq 0 ]] && ! id "$run_user" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$run_user"
  fi
  mkdir -p "$svc_dir" "$cache_dir"
  # The service user must reach its data directories through every parent.
  if [[ $(id -u) -eq 0 ]]; then
    chmod 755 "$cache_dir"
    local d="$svc_dir"
    while [[ "$d" != "/" ]]; do
      chmod o+x "$d" 2>/dev/null || true
      d="$(dirname "$d")"
    done
  fi
}

own_dir() {
  mkdir -p "$@"
  if [[ $(id -u) -eq 0 ]]; then
    chown -R "$run_user" "$@"
  fi
}

wait_for() {
  local what="$1" seconds="$2"
  shift 2
  local i
  for ((i = 0; i < seconds * 2; i++)); do
    if "$@" >/dev/null 2>&1; then
      log "$what отвечает"
      return 0
    fi
    sleep 0.5
  done
  return 1
}

pid_alive() {
  [[ -f "$1" ]] && kill -0 "$(head -n1 "$1")" 2>/dev/null
}

stop_pidfile() {
  local what="$1" pidfile="$2"
  if pid_alive "$pidfile"; then
    local pid
    pid="$(head -n1 "$pidfile")"
    kill "$pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 60; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    kill -9 "$pid" 2>/dev/null || true
    log "$what остановлен"
  fi
  rm -f "$pidfile"
}

# --- PostgreSQL ------------------------------------------------------------------------

pg_bin() {
  local initdb
  initdb="$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n1)"
  [[ -n "$initdb" ]] || initdb="$(command -v initdb || true)"
  [[ -n "$initdb" ]] || die "не найден PostgreSQL (initdb); выполните scripts/system-deps.sh --test"
  dirname "$initdb"
}

postgres_ready() {
  "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$POSTGRES_PORT"
}

postgres_up() {
  local bin data="$svc_dir/postgres/data"
  bin="$(pg_bin)"
  if postgres_ready; then return 0; fi
  own_dir "$svc_dir/postgres" "$svc_dir/run"
  if [[ ! -f "$data/PG_VERSION" ]]; then
    log "PostgreSQL: создаю кластер в $data"
    as_user "$bin/initdb" -D "$data" -U archive --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  as_user "$bin/pg_ctl" -D "$data" -l "$svc_dir/postgres/server.log" -w -t 60 \
    -o "-p $POSTGRES_PORT -c listen_addresses=127.0.0.1 -k $svc_dir/run -c fsync=off" \
    start >/dev/null || die "PostgreSQL не запустился; см. $svc_dir/postgres/server.log"
  wait_for PostgreSQL 30 postgres_ready || die "PostgreSQL не отвечает на порту $POSTGRES_PORT"
  if ! "$bin/psql" -h 127.0.0.1 -p "$POSTGRES_PORT" -U archive -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname='archive'" | grep -q 1; then
    "$bin/createdb" -h 127.0.0.1 -p "$POSTGRES_PORT" -U archive archive
  fi
}

postgres_down() {
  local data="$svc_dir/postgres/data"
  if [[ -f "$data/postmaster.pid" ]]; then
    as_user "$(pg_bin)/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
    log "PostgreSQL остановлен"
  fi
}

# --- Redis -----------------------------------------------------------------------------

redis_ready() {
  [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == "PONG" ]]
}

redis_up() {
  command -v redis-server >/dev/null || die "не найден redis-server; выполните scripts/system-deps.sh --test"
  if redis_ready; then return 0; fi
  own_dir "$svc_dir/redis" "$svc_dir/run"
  as_user redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes \
    --dir "$svc_dir/redis" --pidfile "$svc_dir/run/redis.pid" \
    --logfile "$svc_dir/redis/redis.log" --save "" --appendonly yes
  wait_for Redis 30 redis_ready || die "Redis не отвечает на порту $REDIS_PORT"
}

redis_down() { stop_pidfile Redis "$svc_dir/run/redis.pid"; }

# --- MinIO -----------------------------------------------------------------------------

minio_bin() { echo "$cache_dir/minio-$MINIO_VERSION/minio"; }

minio_ready() {
  curl -fsS -o /dev/null "http://127.0.0.1:$MINIO_PORT/minio/health/live" 2>/dev/null
}

minio_install() {
  local bin
  bin="$(minio_bin)"
  [[ -x "$bin" ]] && return 0
  local go
  go="$(command -v go || true)"
  [[ -n "$go" ]] || go=/usr/local/go/bin/go
  [[ -x "$go" ]] || die "для сборки MinIO нужен Go 1.24+ (go не найден)"
  log "MinIO: собираю сервер $MINIO_VERSION из исходников (go install, несколько минут)"
  local tmp
  tmp="$(mktemp -d "$cache_dir/.minio-build.XXXXXX")"
  local attempt
  for attempt in 1 2 3; do
    if GOBIN="$tmp" GOFLAGS=-mod=mod "$go" install "github.com/minio/minio@$MINIO_VERSION"; then
      mkdir -p "$(dirname "$bin")"
      mv "$tmp/minio" "$bin"
      rm -rf "$tmp"
      return 0
    fi
    log "go install не удался (попытка $attempt), повторяю…"
    sleep $((attempt * 5))
  done
  rm -rf "$tmp"
  die "не удалось собрать MinIO"
}

minio_up() {
  if minio_ready; then return 0; fi
  minio_install
  own_dir "$svc_dir/minio/data" "$svc_dir/run"
  # The MinIO server is given its root credentials only through its environment.
  # The shell writes its own pid and then becomes MinIO, so the pid file names the
  # server itself, not a wrapper that a stop would leave the server behind.
  as_user env MINIO_ROOT_USER="$MINIO_ROOT_USER" MINIO_ROOT_PASSWORD="$MINIO_ROOT_PASSWORD" \
    MINIO_BROWSER=off MINIO_UPDATE=off \
    sh -c 'echo $$ >"$0"; exec "$@"' "$svc_dir/run/minio.pid" \
    "$(minio_bin)" server --quiet --address "127.0.0.1:$MINIO_PORT" \
    "$svc_dir/minio/data" >"$svc_dir/minio/server.log" 2>&1 &
  wait_for MinIO 60 minio_ready || die "MinIO не отвечает; см. $svc_dir/minio/server.log"
}

minio_down() { stop_pidfile MinIO "$svc_dir/run/minio.pid"; }

# --- Elasticsearch ---------------------------------------------------------------------
# Two servers: `elasticsearch`, the current 9 line every scaled test runs on, and
# `elasticsearch8`, the 8.19 line the archive still supports (search/es_client.py), on
# which the search contract runs too. The functions take which one (es or es8).

es_version() { if [[ "$1" == es8 ]]; then echo "$ELASTICSEARCH8_VERSION"; else echo "$ELASTICSEARCH_VERSION"; fi; }
es_port() { if [[ "$1" == es8 ]]; then echo "$ELASTICSEARCH8_PORT"; else echo "$ELASTICSEARCH_PORT"; fi; }
es_transport_port() {
  if [[ "$1" == es8 ]]; then echo "$ELASTICSEARCH8_TRANSPORT_PORT"; else echo "$ELASTICSEARCH_TRANSPORT_PORT"; fi
}
es_name() { if [[ "$1" == es8 ]]; then echo elasticsearch8; else echo elasticsearch; fi; }
es_home() { echo "$cache_dir/elasticsearch-$(es_version "$1")"; }

es_ready_at() {
  curl -fsS -o /dev/null \
    "http://127.0.0.1:$1/_cluster/health?wait_for_status=yellow&timeout=1s" \
    2>/dev/null
}
es_ready() { es_ready_at "$ELASTICSEARCH_PORT"; }
elasticsearch8_ready() { es_ready_at "$ELASTICSEARCH8_PORT"; }

# The major version of the JDK in a home (java and javac both there), or nothing.
java_major() {
  [[ -x "$1/bin/java" && -x "$1/bin/javac" ]] || return 0
  "$1/bin/java" -version 2>&1 | head -n1 | sed -E 's/.*version "([0-9]+).*/\1/'
}

# A JDK home for an Elasticsearch version: 8.x runs on Java 17+, 9.x needs 21+. Tried in
# turn: ES_JAVA_HOME, the `java` on PATH, every JDK under /usr/lib/jvm (Debian's
# openjdk-17 is the default; a Temurin 21 or 25 lies beside it on most machines).
es_java_home() {
  local need=17 candidate major
  if [[ "${1%%.*}" -ge 9 ]]; then need=21; fi
  local candidates=()
  if [[ -n "${ES_JAVA_HOME:-}" ]]; then candidates+=("$ES_JAVA_HOME"); fi
  if command -v java >/dev/null; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for candidate in /usr/lib/jvm/*; do candidates+=("$candidate"); done
  for candidate in "${candidates[@]}"; do
    major="$(java_major "$candidate")"
    if [[ -n "$major" && "$major" -ge "$need" ]]; then
      echo "$candidate"
      return 0
    fi
  done
  die "для Elasticsearch $1 нужен JDK $need+ (java и javac): его нет ни в ES_JAVA_HOME, ни в PATH, ни в /usr/lib/jvm; установите его и укажите ES_JAVA_HOME"
}

es_install() {
  local version home
  version="$(es_version "$1")"
  home="$(es_home "$1")"
  if [[ ! -x "$home/bin/elasticsearch" ]]; then
    local zip="$cache_dir/elasticsearch-$version.zip"
    if [[ ! -s "$zip" ]]; then
      log "Elasticsearch: загружаю дистрибутив $version с Maven Central"
      local artifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$version:zip"
      local got=""
      local attempt
      for attempt in 1 2 3; do
        if command -v mvn >/dev/null && mvn -q -B dependency:copy -Dartifact="$artifact" \
            -DoutputDirectory="$cache_dir" -Dmdep.stripVersion=false >&2; then
          got=1; break
        fi
        log "загрузка не удалась (попытка $attempt), повторяю…"
        sleep $((attempt * 5))
      done
      [[ -n "$got" && -s "$zip" ]] || die "не удалось загрузить $artifact"
    fi
    local tmp
    tmp="$(mktemp -d "$cache_dir/.es-unpack.XXXXXX")"
    unzip -q "$zip" -d "$tmp"
    rm -rf "$home"
    mv "$tmp/elasticsearch-$version" "$home"
    rm -rf "$tmp"
  fi
  es_install_shim "$home" "$version"
}

# The integration-test distribution lacks the analysis-common module; build and install
# the small plugin that registers the analysis components our mapping uses (see its
# source for why this keeps tests honest).
es_install_shim() {
  local home="$1" version="$2"
  local src="$root/servers/elasticsearch/analysis-shim"
  local stamp="$home/plugins/archive-analysis-shim/.source-sha256"
  local want
  want="$(cat "$src"/src/org/schoolarchive/analysis/*.java "$src/plugin-descriptor.properties" | sha256sum | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then return 0; fi
  log "Elasticsearch $version: собираю модуль анализа для тестов"
  local jhome build
  jhome="$(es_java_home "$version")"
  build="$(mktemp -d)"
  mkdir -p "$build/classes" "$build/zip"
  "$jhome/bin/javac" --release 17 -nowarn -cp "$home/lib/*" -d "$build/classes" \
    "$src"/src/org/schoolarchive/analysis/*.java
  "$jhome/bin/jar" --create --file "$build/zip/archive-analysis-shim.jar" -C "$build/classes" .
  sed "s/@ELASTICSEARCH_VERSION@/$version/" "$src/plugin-descriptor.properties" \
    >"$build/zip/plugin-descriptor.properties"
  (cd "$build/zip" && "$jhome/bin/jar" --create --no-manifest --file "$build/shim.zip" .)
  rm -rf "$home/plugins/archive-analysis-shim"
  ES_JAVA_HOME="$jhome" "$home/bin/elasticsearch-plugin" install --batch --silent \
    "file://$build/shim.zip"
  echo "$want" >"$stamp"
  chmod -R a+rX "$home"
  rm -rf "$build"
}

es_start() {
  local which="$1" version port home name dir conf
  version="$(es_version "$which")"
  port="$(es_port "$which")"
  if es_ready_at "$port"; then return 0; fi
  es_install "$which"
  home="$(es_home "$which")"
  name="$(es_name "$which")"
  dir="$svc_dir/$name"
  conf="$dir/config"
  own_dir "$dir/data" "$dir/logs" "$dir/tmp" "$conf" "$svc_dir/run"
  cp -n "$home"/config/jvm.options "$home"/config/log4j2.properties "$conf"/ 2>/dev/null || true
  mkdir -p "$conf/jvm.options.d"
  {
    echo "cluster.name: school-archive-test-$name"
    echo "node.name: test-node"
    echo "discovery.type: single-node"
    echo "network.host: 127.0.0.1"
    echo "http.port: $port"
    echo "transport.port: $(es_transport_port "$which")"
    echo "path.data: $dir/data"
    echo "path.logs: $dir/logs"
    echo "xpack.security.enabled: false"
    echo "cluster.routing.allocation.disk.threshold_enabled: false"
    echo "action.destructive_requires_name: false"
  } >"$conf/elasticsearch.yml"
  own_dir "$conf"
  as_user env ES_PATH_CONF="$conf" ES_JAVA_HOME="$(es_java_home "$version")" \
    ES_TMPDIR="$dir/tmp" ES_JAVA_OPTS="-Xms${ELASTICSEARCH_HEAP} -Xmx${ELASTICSEARCH_HEAP}" \
    "$home/bin/elasticsearch" -d -p "$svc_dir/run/$name.pid" >/dev/null \
    || die "Elasticsearch $version не запустился; см. $dir/logs"
  wait_for "Elasticsearch $version" 120 es_ready_at "$port" \
    || die "Elasticsearch $version не отвечает; см. $dir/logs"
}

es_up() { es_start es; }
elasticsearch8_up() { es_start es8; }
es_down() { stop_pidfile Elasticsearch "$svc_dir/run/elasticsearch.pid"; }
elasticsearch8_down() { stop_pidfile "Elasticsearch 8" "$svc_dir/run/elasticsearch8.pid"; }

# --- commands --------------------------------------------------------------------------

print_env() {
  cat <<EOF
export ARCHIVE_SERVICES_DIR=$svc_dir
export ARCHIVE_TEST_POSTGRES_URL=postgresql+psycopg://archive@127.0.0.1:$POSTGRES_PORT/archive
export ARCHIVE_TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
export ARCHIVE_TEST_MINIO_URL=s3://127.0.0.1:$MINIO_PORT/?secure=false
export ARCHIVE_S3_ACCESS_KEY=$MINIO_ROOT_USER
export ARCHIVE_S3_SECRET_KEY=$MINIO_ROOT_PASSWORD
export ARCHIVE_TEST_ELASTICSEARCH_URL=http://127.0.0.1:$ELASTICSEARCH_PORT
export ARCHIVE_TEST_ELASTICSEARCH8_URL=http://127.0.0.1:$ELASTICSEARCH8_PORT
EOF
}

all=(postgres redis minio elasticsearch elasticsearch8)
cmd="${1:-}"
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${all[@]}")
for t in "${targets[@]}"; do
  case "$t" in
    postgres | redis | minio | elasticsearch | elasticsearch8) ;;
    *) die "неизвестная служба: $t (ожидается: ${all[*]})" ;;
  esac
done
fn() { case "$1" in elasticsearch) echo es ;; *) echo "$1" ;; esac; }

case "$cmd" in
  up)
    prepare_dirs
    for t in "${targets[@]}"; do "$(fn "$t")_up"; done
    print_env >"$svc_dir/env"
    log "готово; настройки: source $svc_dir/env"
    ;;
  down)
    for t in "${targets[@]}"; do "$(fn "$t")_down"; done
    ;;
  status)
    rc=0
    for t in "${targets[@]}"; do
      if "$(fn "$t")_ready" 2>/dev/null; then echo "$t: работает"; else echo "$t: остановлен"; rc=3; fi
    done
    exit "$rc"
    ;;
  env) print_env ;;
  *)
    echo "usage: scripts/services.sh up|down|status|env [postgres redis minio elasticsearch elasticsearch8]" >&2
    exit 2
    ;;
esac
