# Shared by scripts/build, scripts/test and scripts/demo: installs the Debian 12 packages
# AIIP needs, using sudo when not root. Only packages that are missing are installed.

AIIP_BUILD_PACKAGES=(
  g++ cmake ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsqlite3-dev libpq-dev libcli11-dev libtomlplusplus-dev libfmt-dev
  iso-codes tzdata
  libloc-dev libloc-database libpcap-dev zlib1g-dev libcurl4-openssl-dev
)
AIIP_TEST_PACKAGES=(libgtest-dev libgmock-dev libbenchmark-dev postgresql-15 python3 openssl procps location python3-aiosmtpd)
# The peers the benchmarks measure beside AIIP's engines (bench/).
AIIP_BENCH_PACKAGES=(libmaxminddb-dev libmaxmind-db-writer-perl python3-pyasn libapt-pkg-dev librpm-dev python3-packaging python3-zmq)

aiip_install_packages() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  echo "Installing: ${missing[*]}" >&2
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    sudo=(sudo)
  fi
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}
