#!/bin/sh
# After install or upgrade (deb postinst, rpm %post, apk post-install and
# post-upgrade): create the system user, reload systemd, and restart the
# service only if it is already running, so an upgrade takes effect. A new
# install is not enabled or started: it needs its config and secrets first.
set -e

if ! id -u semgrep-wiz >/dev/null 2>&1; then
	if command -v systemd-sysusers >/dev/null 2>&1; then
		systemd-sysusers /usr/lib/sysusers.d/semgrep-wiz.conf
	elif command -v useradd >/dev/null 2>&1; then
		nologin=/usr/sbin/nologin
		[ -x "$nologin" ] || nologin=/sbin/nologin
		useradd --system --user-group --home-dir /var/lib/semgrep-wiz --no-create-home \
			--shell "$nologin" --comment "semgrep-wiz service" semgrep-wiz
	else # busybox (Alpine)
		addgroup -S semgrep-wiz 2>/dev/null || true
		adduser -S -D -H -h /var/lib/semgrep-wiz -s /sbin/nologin -G semgrep-wiz \
			-g "semgrep-wiz service" semgrep-wiz
	fi
fi

if [ -d /run/systemd/system ]; then
	systemctl daemon-reload || true
	systemctl try-restart semgrep-wiz.service || true
fi
