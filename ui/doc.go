// Package ui is the terminal app: a Bubble Tea v2 program whose screens
// (setup, check, findings preview, sync, history) draw the events of the
// core pipeline. It is the only part of semgrep-wiz that imports UI
// libraries; core never imports it.
package ui
