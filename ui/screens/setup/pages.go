package setup

import (
	"errors"
	"fmt"
	"strings"

	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep"
)

// Field descriptions: where an administrator finds each value. Lines are
// broken by hand (each fits the 78 cells a field has at 80 columns) so
// that no URL is split.
const (
	descEndpoint = "Copy it from Wiz → User Settings → Tenant Info; it looks like\n" +
		"https://api.<dc>.app.wiz.io/graphql"
	descAuthURL = "Copy it from Tenant Info too. Commercial: https://auth.app.wiz.io/oauth/token\n" +
		"Wiz for Government: https://auth.app.wiz.us/oauth/token\n" +
		"AWS GovCloud: https://auth.gov.wiz.io/oauth/token\n" +
		"Legacy: https://auth.wiz.io/oauth/token"
	descClientID = "Wiz → Settings → Service Accounts → Client ID. The account needs the scopes\n" +
		"create:external_data_ingestion, read:system_activities and read:resources"
	descWizSecretNew  = "Shown once, when the service account (or a new secret) is created"
	descStored        = "Stored ✓ — leave empty to keep it, or enter a new one to replace it"
	descRejectedWiz   = "Stored, but Wiz rejected it — enter a new one (leave empty to keep it)"
	descRejectedSg    = "Stored, but Semgrep rejected it — enter a new one (leave empty to keep it)"
	descAPIURL        = "Leave the default (" + config.DefaultSemgrepAPIURL + ") unless your organisation\nhas its own Semgrep host"
	descTokenNew      = "Semgrep → Settings → Tokens: an API token with the Web API scope"
	descDeployment    = "The deployments this token can see"
	descDeploymentBad = "Your organisation's slug, shown in Semgrep → Settings (e.g. acme-corp)"
	descSeverities    = "Findings of other severities are not sent (space or x toggles)"
	descInclude       = "owner/repo patterns separated by commas: * within a part, ** across parts,\n" +
		"e.g. acme/* or acme/**; empty means every repository"
	descExclude = "Patterns of repositories to leave out, e.g. acme/legacy-*, acme/sandbox"
)

// knownAuthURLs are offered as completions (ctrl+e) for the auth URL.
var knownAuthURLs = []string{
	"https://auth.app.wiz.io/oauth/token",
	"https://auth.gov.wiz.io/oauth/token",
	"https://auth.app.wiz.us/oauth/token",
	"https://auth.wiz.io/oauth/token",
}

// env is what the page builders share: the values the fields edit, the
// configuration being edited (for validation in context) and whether the
// form runs as plain prompts.
type env struct {
	v          *values
	base       config.Config
	stored     stored
	accessible bool
	// sevText is the accessible stand-in for the severity multi-select.
	sevText string
}

// check validates one field the way config.Validate does, with the field
// set to s and the other fields as they are now: local rules only, never
// the network.
func (e *env) check(field string, withHint bool, set func(*values)) error {
	w := *e.v
	set(&w)
	c := w.apply(e.base)
	c.Wiz.ClientSecret = strings.TrimSpace(w.WizSecret)
	c.Semgrep.Token = strings.TrimSpace(w.Token)
	err := c.Validate(config.Needs{})
	var ve *config.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	for _, p := range ve.Problems {
		if p.Field == field {
			return errors.New(describe(p, withHint))
		}
	}
	return nil
}

// text validates a required setting. In accessible mode an empty answer
// keeps the current value (huh's prompt default), so it is accepted.
func (e *env) text(field string, cur *string, set func(*values, string)) func(string) error {
	return func(s string) error {
		s = strings.TrimSpace(s)
		if s == "" {
			if e.accessible && *cur != "" {
				return nil
			}
			return fmt.Errorf("%s is required", label(field))
		}
		return e.check(field, true, func(w *values) { set(w, s) })
	}
}

// secret validates a secret: empty keeps a stored one.
func (e *env) secret(field string, have bool, set func(*values, string)) func(string) error {
	return func(s string) error {
		s = strings.TrimSpace(s)
		if s == "" {
			if have {
				return nil
			}
			return fmt.Errorf("%s is required: nothing is stored yet", label(field))
		}
		return e.check(field, false, func(w *values) { set(w, s) })
	}
}

// input builds a text field; in accessible mode the description becomes a
// note printed before the prompt, and the title says what Enter keeps.
func (e *env) input(title, desc string, val *string) (*huh.Input, []huh.Field) {
	in := huh.NewInput().Title(title).Value(val)
	if !e.accessible {
		return in, []huh.Field{in.Description(desc)}
	}
	if *val != "" {
		in.Title(title + " (Enter keeps " + *val + "):")
	} else {
		in.Title(title + ":")
	}
	return in, []huh.Field{huh.NewNote().Description(desc), in}
}

// secretInput is a masked field that is never pre-filled. Plain prompts
// mask only when reading from a terminal (passwordEcho).
//
// rejectedDesc, when not "", replaces "Stored ✓": the stored secret was
// refused when last tried, and calling it stored would mislead.
func (e *env) secretInput(title string, have bool, rejectedDesc, newDesc string, val *string, passwordEcho bool) []huh.Field {
	desc := newDesc
	switch {
	case have && rejectedDesc != "":
		desc = rejectedDesc
	case have:
		desc = descStored
	}
	in := huh.NewInput().Title(title).Value(val)
	if !e.accessible || passwordEcho {
		in.EchoMode(huh.EchoModePassword)
	}
	if !e.accessible {
		switch {
		case have && rejectedDesc != "":
			in.Placeholder("•••• (stored, rejected)")
		case have:
			in.Placeholder("•••• (stored)")
		}
		return []huh.Field{in.Description(desc)}
	}
	switch {
	case have && rejectedDesc != "":
		in.Title(title + " (stored, but rejected when last tried — enter a new one; empty keeps it):")
	case have:
		in.Title(title + " (stored ✓ — leave empty to keep it):")
	default:
		in.Title(title + ":")
	}
	return []huh.Field{huh.NewNote().Description(desc), in}
}

func (e *env) wizGroup(passwordEcho bool) *huh.Group {
	v := e.v
	var fields []huh.Field
	in, f := e.input("API endpoint URL", descEndpoint, &v.Endpoint)
	in.Validate(e.text(config.FieldWizAPIEndpoint, &v.Endpoint, func(w *values, s string) { w.Endpoint = s })).Key(config.FieldWizAPIEndpoint)
	fields = append(fields, f...)

	in, f = e.input("Authentication URL", descAuthURL, &v.AuthURL)
	in.Validate(e.text(config.FieldWizAuthURL, &v.AuthURL, func(w *values, s string) { w.AuthURL = s })).Key(config.FieldWizAuthURL)
	if !e.accessible {
		in.Suggestions(knownAuthURLs)
	}
	fields = append(fields, f...)

	in, f = e.input("Client ID", descClientID, &v.ClientID)
	in.Validate(e.text(config.FieldWizClientID, &v.ClientID, func(w *values, s string) { w.ClientID = s })).Key(config.FieldWizClientID)
	fields = append(fields, f...)

	f = e.secretInput("Client secret", e.stored.wiz, rejected(e.stored.wizRejected, descRejectedWiz), descWizSecretNew, &v.WizSecret, passwordEcho)
	f[len(f)-1].(*huh.Input).Validate(e.secret(config.FieldWizClientSecret, e.stored.wiz, func(w *values, s string) { w.WizSecret = s })).
		Key(config.FieldWizClientSecret)
	fields = append(fields, f...)
	return huh.NewGroup(fields...)
}

func (e *env) semgrepGroup(passwordEcho bool) *huh.Group {
	v := e.v
	var fields []huh.Field
	in, f := e.input("Semgrep API URL", descAPIURL, &v.APIURL)
	in.Validate(e.text(config.FieldSemgrepAPIURL, &v.APIURL, func(w *values, s string) { w.APIURL = s })).Key(config.FieldSemgrepAPIURL)
	fields = append(fields, f...)

	f = e.secretInput("API token", e.stored.semgrep, rejected(e.stored.semgrepRejected, descRejectedSg), descTokenNew, &v.Token, passwordEcho)
	f[len(f)-1].(*huh.Input).Validate(e.secret(config.FieldSemgrepToken, e.stored.semgrep, func(w *values, s string) { w.Token = s })).
		Key(config.FieldSemgrepToken)
	fields = append(fields, f...)
	return huh.NewGroup(fields...)
}

// deploymentGroup is a select of the slugs the token can see, or, when
// listing failed (or found none), a field to type the slug by hand.
func (e *env) deploymentGroup(list []semgrep.Deployment, listErr error) *huh.Group {
	v := e.v
	if listErr == nil && len(list) > 0 {
		opts := make([]huh.Option[string], len(list))
		for i, d := range list {
			k := d.Slug
			if d.Name != "" && d.Name != d.Slug {
				k += " (" + d.Name + ")"
			}
			opts[i] = huh.NewOption(k, d.Slug)
		}
		sel := huh.NewSelect[string]().Title("Deployment").Description(descDeployment).
			Options(opts...).Value(&v.Deployment).
			Validate(func(s string) error {
				if s == "" {
					return errors.New("choose a deployment")
				}
				return nil
			})
		if e.accessible {
			sel.Title("Deployment (Enter keeps the current choice):")
		} else {
			sel.Height(min(len(list), 8) + 2)
		}
		return huh.NewGroup(sel)
	}
	in, f := e.input("Deployment slug", descDeploymentBad, &v.Deployment)
	in.Validate(e.text(config.FieldSemgrepDeployment, &v.Deployment, func(w *values, s string) { w.Deployment = s }))
	return huh.NewGroup(f...)
}

func (e *env) policyGroup() *huh.Group {
	v := e.v
	var sev huh.Field
	if e.accessible {
		e.sevText = strings.Join(sortSeverities(v.Severities), ", ")
		in := huh.NewInput().Value(&e.sevText).
			Title("Severities to send, separated by commas: critical, high, medium, low (Enter keeps " + e.sevText + "):").
			Validate(func(s string) error {
				if strings.TrimSpace(s) == "" {
					if e.sevText != "" {
						return nil
					}
					return errors.New("Severities: choose at least one")
				}
				return e.check(config.FieldPolicySeverities, true, func(w *values) { w.Severities = splitWords(s) })
			})
		sev = in
	} else {
		opts := make([]huh.Option[string], len(severityOrder))
		for i, s := range severityOrder {
			opts[i] = huh.NewOption(strings.ToUpper(s), s)
		}
		sev = huh.NewMultiSelect[string]().Title("Severities to send").Description(descSeverities).
			Options(opts...).Value(&v.Severities).Filterable(false).
			Height(len(opts) + 2). // huh counts the title and description in the height
			Validate(func(s []string) error {
				if len(s) == 0 {
					return errors.New("Severities: choose at least one, or nothing would be sent and everything sent before would be marked fixed in Wiz")
				}
				return e.check(config.FieldPolicySeverities, true, func(w *values) { w.Severities = s })
			})
	}
	full := huh.NewConfirm().Title("Only findings from full scans?").
		Description("Diff-aware (pull request) scans see only part of a repository").
		Affirmative("Yes").Negative("No").Value(&v.FullScans).WithButtonAlignment(lipgloss.Left)
	branch := huh.NewConfirm().Title("Only the default branch?").
		Description("The primary branch Semgrep shows for each project").
		Affirmative("Yes").Negative("No").Value(&v.DefaultBranch).WithButtonAlignment(lipgloss.Left)
	repos := huh.NewSelect[string]().Title("Repositories").
		Options(huh.NewOption("All repositories", reposAll), huh.NewOption("Chosen by pattern (include / exclude)", reposChosen)).
		Value(&v.Repos)
	if e.accessible {
		repos.Title("Repositories (Enter keeps the current choice):")
	}
	return huh.NewGroup(sev, full, branch, repos)
}

// reposGroup asks for the patterns; the TUI hides it unless "chosen". It
// also returns the two text fields.
func (e *env) reposGroup() (*huh.Group, []huh.Field) {
	v := e.v
	inc, f1 := e.input("Include repositories", descInclude, &v.Include)
	inc.Validate(func(s string) error {
		return e.check(config.FieldPolicyIncludeRepos, true, func(w *values) { w.Repos, w.Include = reposChosen, s })
	})
	exc, f2 := e.input("Exclude repositories", descExclude, &v.Exclude)
	exc.Validate(func(s string) error {
		return e.check(config.FieldPolicyExcludeRepos, true, func(w *values) { w.Repos, w.Exclude = reposChosen, s })
	})
	return huh.NewGroup(append(f1, f2...)...).WithHideFunc(func() bool { return v.Repos != reposChosen }), []huh.Field{inc, exc}
}

// rejected is desc when the stored secret was refused, else "".
func rejected(was bool, desc string) string {
	if was {
		return desc
	}
	return ""
}
