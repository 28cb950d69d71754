#!/bin/sh
# After removal: let systemd forget the unit file.
set -e

if [ -d /run/systemd/system ]; then
	systemctl daemon-reload || true
fi
