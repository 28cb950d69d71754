// Package app is the application layer between the user interfaces and
// the engine: it loads the configuration (flags > environment > file,
// secrets from the environment or the secret store), builds the Wiz and
// Semgrep clients on one guarded HTTP transport, turns remote answers
// that mean a setting is wrong into errors naming that setting, and
// implements the use cases the terminal app and the headless commands
// share (Service).
//
// It knows nothing of terminals: no ui package and no Bubble Tea. What it
// reads of the outside world comes in through Env and Options, so tests
// run it in-process. The commands in cmd/semgrep-wiz keep the flags, the
// output and the exit statuses.
package app
