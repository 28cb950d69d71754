#!/bin/sh
# Writes the shell completions and the man page that the packages install,
# by running the program itself (goreleaser runs this as a before hook from
# the repository root). Output: cmd/semgrep-wiz/packaging/build/ (gitignored).
set -eu

out=cmd/semgrep-wiz/packaging/build
rm -rf "$out"
mkdir -p "$out"

bin="$out/semgrep-wiz"
go build -o "$bin" ./cmd/semgrep-wiz

for shell in bash zsh fish; do
	"$bin" completion "$shell" >"$out/semgrep-wiz.$shell"
done
"$bin" man >"$out/semgrep-wiz.1"
gzip -9 -n "$out/semgrep-wiz.1"
rm "$bin"

# A command that printed nothing would package an empty file silently.
for f in "$out/semgrep-wiz.bash" "$out/semgrep-wiz.zsh" "$out/semgrep-wiz.fish" "$out/semgrep-wiz.1.gz"; do
	if [ ! -s "$f" ]; then
		echo "generate.sh: $f is empty" >&2
		exit 1
	fi
done
