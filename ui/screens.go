package ui

import (
	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
	"github.com/semgrep-wiz/semgrep-wiz/ui/screens/check"
	"github.com/semgrep-wiz/semgrep-wiz/ui/screens/findings"
	"github.com/semgrep-wiz/semgrep-wiz/ui/screens/history"
	"github.com/semgrep-wiz/semgrep-wiz/ui/screens/home"
	"github.com/semgrep-wiz/semgrep-wiz/ui/screens/setup"
	"github.com/semgrep-wiz/semgrep-wiz/ui/screens/syncview"
)

// Screens builds the real screens (the root's Factory).
func Screens(c *common.Common, id common.ScreenID, arg string) common.Screen {
	switch id {
	case common.Setup:
		m := setup.NewFromService(c)
		switch arg {
		case "":
		case "delete":
			m.StartDelete()
		default: // a setting to edit (config.Field* name)
			m.StartAt(arg)
		}
		return m
	case common.Check:
		return check.New(c)
	case common.Findings:
		return findings.New(c)
	case common.Sync:
		return syncview.New(c)
	case common.History:
		return history.New(c, arg)
	}
	return home.New(c)
}
