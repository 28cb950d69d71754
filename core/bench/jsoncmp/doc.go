// Package jsoncmp measures JSON libraries on semgrep-wiz's own load:
// decoding Semgrep findings pages and encoding Wiz SAST findings. It is a
// separate module so the candidates never enter the main module's
// dependencies; everything lives in the _test.go files. See README.md.
package jsoncmp
