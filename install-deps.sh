#!/bin/sh
# Install what building and testing rcmdd needs, from Debian's packages
# (dpkg-dev, debhelper, lintian and fakeroot: for the test that builds
# the Debian packages; debootstrap and systemd-container: for make
# check-system, which boots them under systemd in a container).
# It also makes the system user rcmdd, as the Debian package does: the
# network part of an rcmdd started as root runs as that user (NetworkUser
# in rcmdd.conf(5)). Runs apt-get and useradd through sudo when not root;
# does nothing when all is there.
set -eu

if [ "$(id -u)" -eq 0 ]; then
	sudo=
elif command -v sudo >/dev/null 2>&1; then
	sudo=sudo
else
	sudo=none
fi

pkgs="build-essential autoconf automake pkg-config libevent-dev \
libsqlite3-dev libbsd-dev libedit-dev libssl-dev libcap-ng-dev libseccomp-dev libcunit1-dev \
libpq-dev postgresql \
sqlite3 mandoc python3 valgrind procps openssl iproute2 tmux vim-tiny \
asciinema \
dpkg-dev debhelper lintian fakeroot debootstrap systemd-container"

missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$sudo" = none ]; then
		echo "install-deps.sh: run as root or install sudo to get:" \
		    "$missing" >&2
		exit 1
	fi
	echo "install-deps.sh: installing$missing"
	$sudo apt-get update -qq
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $missing
fi

if ! getent passwd rcmdd >/dev/null; then
	if [ "$sudo" = none ]; then
		echo "install-deps.sh: run as root or install sudo to make the" \
		    "system user rcmdd" >&2
		exit 1
	fi
	echo "install-deps.sh: making the system user rcmdd (NetworkUser)"
	$sudo useradd --system --user-group --no-create-home \
	    --home-dir /nonexistent --shell /usr/sbin/nologin \
	    --comment "rcmdd network part" rcmdd
fi
