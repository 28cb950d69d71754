#!/bin/sh
# Before removal (deb prerm "remove", rpm %preun with 0 left, apk
# pre-deinstall): stop and disable the service. Upgrades leave it running;
# postinstall restarts it. The state in /var/lib/semgrep-wiz, the config in
# /etc/semgrep-wiz and the user are kept.
set -e

case "${1:-remove}" in
remove | 0) ;;
*) exit 0 ;;
esac

if [ -d /run/systemd/system ]; then
	systemctl disable --now semgrep-wiz.service || true
fi
