#!/bin/sh
# Installs the prebuilt norc-server binary for this machine:
#
#   curl -fsSL https://github.com/navatron/norc-server/releases/latest/download/install.sh | sh
#   curl -fsSL .../install.sh | sh -s -- --uninstall
#
# Environment:
#   NORC_VERSION           release to install (v0.1.0 or 0.1.0); default: the latest release
#   NORC_INSTALL_DIR       where the binary goes; default: ~/.local/bin
#   NORC_INSTALL_BASE_URL  where the archives and SHA256SUMS are downloaded from (overrides NORC_VERSION)
#   NORC_INSTALL_TARGET    force a target (e.g. linux-x64-baseline) instead of detecting it
#
# The archive is verified against SHA256SUMS before anything is installed.
# Everything runs from main(), called on the last line, so a partial download does nothing.

NORC_REPO_URL="https://github.com/navatron/norc-server"
# The .tar.gz archives (Windows gets .zip archives through Scoop or by hand).
INSTALLABLE_TARGETS="linux-x64 linux-x64-baseline linux-x64-musl linux-arm64 linux-arm64-musl darwin-x64 darwin-arm64"

say() {
  printf 'norc-install: %s\n' "$*" >&2
}

die() {
  say "error: $*"
  exit 1
}

usage() {
  cat >&2 <<'EOF'
usage: install.sh [--uninstall] [--help]
  env: NORC_VERSION, NORC_INSTALL_DIR, NORC_INSTALL_BASE_URL, NORC_INSTALL_TARGET
EOF
}

# x64 CPUs without AVX2 need the baseline build.
has_avx2() {
  case "$1" in
    linux) grep -qw avx2 /proc/cpuinfo 2>/dev/null ;;
    darwin) sysctl -n machdep.cpu.leaf7_features 2>/dev/null | grep -qi avx2 ;;
    *) return 1 ;;
  esac
}

# The C library of the system, not whichever loaders happen to be installed (Debian can carry musl).
is_musl() {
  if command -v ldd >/dev/null 2>&1; then
    ldd --version 2>&1 | grep -qi musl
    return
  fi
  for loader in /lib64/ld-linux-x86-64.so.2 /lib/ld-linux-aarch64.so.1; do
    [ -e "$loader" ] && return 1
  done
  for loader in /lib/ld-musl-*.so.1; do
    [ -e "$loader" ] && return 0
  done
  return 1
}

detect_target() {
  case "$(uname -s)" in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    MINGW* | MSYS* | CYGWIN* | Windows_NT)
      die "on Windows install with Scoop (scoop install norc-server) or unzip norc-server-windows-x64.zip" ;;
    *) die "no prebuilt binary for $(uname -s); build from source (see $NORC_REPO_URL#installation)" ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    arm64 | aarch64) arch=arm64 ;;
    *) die "no prebuilt binary for $(uname -m); build from source (see $NORC_REPO_URL#installation)" ;;
  esac
  # A shell under Rosetta 2 reports x86_64 on an arm64 Mac: install the native build.
  if [ "$os" = darwin ] && [ "$arch" = x64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null)" = 1 ]; then
    arch=arm64
  fi
  target="$os-$arch"
  if [ "$os" = linux ] && is_musl; then
    target="$target-musl"
  fi
  if [ "$arch" = x64 ] && ! has_avx2 "$os"; then
    case "$target" in
      linux-x64) target=linux-x64-baseline ;;
      *) die "this CPU lacks AVX2 and there is no baseline build of $target; build from source or set NORC_INSTALL_TARGET" ;;
    esac
  fi
  printf '%s\n' "$target"
}

download() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 2 -o "$2" "$1" || die "cannot download $1 (curl failed)"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$2" "$1" || die "cannot download $1 (wget failed)"
  else
    die "neither curl nor wget is installed: install one of them and run this again"
  fi
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d ' ' -f 1
  else
    return 1
  fi
}

# Runs a command, through sudo when the user chose an install dir they cannot write.
as_owner() {
  if [ "$use_sudo" = 1 ]; then
    sudo "$@"
  else
    "$@"
  fi
}

choose_install_dir() {
  use_sudo=0
  if [ -n "${NORC_INSTALL_DIR:-}" ]; then
    install_dir=$NORC_INSTALL_DIR
    chosen=1
  else
    [ -n "${HOME:-}" ] || die "HOME is not set: set NORC_INSTALL_DIR to choose where norc-server goes"
    install_dir="$HOME/.local/bin"
    chosen=0
  fi
  if [ "$1" = create ] && [ ! -d "$install_dir" ]; then
    mkdir -p "$install_dir" 2>/dev/null || [ "$chosen" = 0 ] || need_sudo "$install_dir"
    [ -d "$install_dir" ] || as_owner mkdir -p "$install_dir" || die "cannot create $install_dir"
  fi
  if [ -d "$install_dir" ] && [ ! -w "$install_dir" ]; then
    [ "$chosen" = 1 ] || die "$install_dir is not writable: fix its permissions or set NORC_INSTALL_DIR"
    need_sudo "$install_dir"
  fi
}

need_sudo() {
  command -v sudo >/dev/null 2>&1 || die "$1 is not writable and sudo is not installed: choose another NORC_INSTALL_DIR"
  say "$1 is not writable by $(id -un): using sudo"
  use_sudo=1
}

uninstall() {
  choose_install_dir keep
  binary="$install_dir/norc-server"
  if [ ! -e "$binary" ]; then
    say "norc-server is not installed in $install_dir: nothing to remove"
    return 0
  fi
  as_owner rm -f "$binary" || die "cannot remove $binary"
  say "removed $binary (configuration and data files were not touched)"
}

verify() {
  expected=$(awk -v name="$2" '$2 == name || $2 == "*" name { print $1; exit }' "$3")
  [ -n "$expected" ] || die "SHA256SUMS has no line for $2: nothing installed"
  actual=$(sha256_of "$1") ||
    die "no checksum tool (sha256sum or shasum) found: refusing to install an unverified binary"
  expected=$(printf '%s' "$expected" | tr 'A-F' 'a-f')
  if [ "$actual" != "$expected" ]; then
    die "checksum mismatch for $2 (expected $expected, got $actual): nothing installed"
  fi
}

path_hint() {
  case ":${PATH:-}:" in
    *":$1:"*) ;;
    *)
      say "$1 is not on your PATH; add it, e.g. in ~/.profile:"
      say "  export PATH=\"$1:\$PATH\""
      ;;
  esac
}

install_binary() {
  if [ -n "${NORC_INSTALL_TARGET:-}" ]; then
    target=$NORC_INSTALL_TARGET
    case " $INSTALLABLE_TARGETS " in
      *" $target "*) ;;
      *) die "NORC_INSTALL_TARGET=$target is not a target this script installs; use one of: $INSTALLABLE_TARGETS" ;;
    esac
  else
    target=$(detect_target) || exit 1
  fi
  if [ -n "${NORC_INSTALL_BASE_URL:-}" ]; then
    base_url=${NORC_INSTALL_BASE_URL%/}
  elif [ -n "${NORC_VERSION:-}" ]; then
    case "$NORC_VERSION" in
      v*) tag=$NORC_VERSION ;;
      *) tag="v$NORC_VERSION" ;;
    esac
    base_url="$NORC_REPO_URL/releases/download/$tag"
  else
    base_url="$NORC_REPO_URL/releases/latest/download"
  fi
  archive="norc-server-$target.tar.gz"
  command -v tar >/dev/null 2>&1 || die "tar is not installed: install it and run this again"
  sha256_of /dev/null >/dev/null ||
    die "no checksum tool (sha256sum or shasum) found: refusing to install an unverified binary"
  choose_install_dir create

  tmp=$(mktemp -d 2>/dev/null || mktemp -d -t norc-install) || die "cannot create a temporary directory"
  trap 'rm -rf "$tmp"' EXIT
  say "downloading $base_url/$archive ($target)"
  download "$base_url/$archive" "$tmp/$archive"
  download "$base_url/SHA256SUMS" "$tmp/SHA256SUMS"
  verify "$tmp/$archive" "$archive" "$tmp/SHA256SUMS"

  tar -xzf "$tmp/$archive" -C "$tmp" || die "cannot unpack $archive: nothing installed"
  new_binary="$tmp/norc-server-$target/norc-server"
  [ -f "$new_binary" ] || die "$archive does not contain norc-server-$target/norc-server: nothing installed"
  chmod 755 "$new_binary"
  version=$("$new_binary" --version) || die "the downloaded binary does not run on this machine: nothing installed"

  # Copy beside the target, then rename over it: a running norc-server keeps its old file.
  as_owner cp "$new_binary" "$install_dir/.norc-server.new" || die "cannot write to $install_dir"
  as_owner chmod 755 "$install_dir/.norc-server.new"
  as_owner mv -f "$install_dir/.norc-server.new" "$install_dir/norc-server" || die "cannot install into $install_dir"
  say "installed $version"
  say "  at $install_dir/norc-server"
  path_hint "$install_dir"
}

main() {
  set -eu
  action=install
  for arg in "$@"; do
    case "$arg" in
      --uninstall) action=uninstall ;;
      -h | --help) usage; return 0 ;;
      *) usage; die "unknown argument: $arg" ;;
    esac
  done
  if [ "$action" = uninstall ]; then
    uninstall
  else
    install_binary
  fi
}

main "$@"
