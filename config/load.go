package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// Overrides are the values the command-line flags set; empty means the
// flag was not given. Secrets have no flag on purpose: command lines are
// visible to every user of the machine.
type Overrides struct {
	ConfigFile        string // --config
	StateDir          string // --state-dir
	WizAPIEndpoint    string // --wiz-api-endpoint
	WizAuthURL        string // --wiz-auth-url
	WizClientID       string // --wiz-client-id
	SemgrepAPIURL     string // --semgrep-api-url
	SemgrepDeployment string // --semgrep-deployment
}

// FileError is a problem with the config file itself (syntax, unknown key,
// wrong type). Line is 0 when the problem has no line.
type FileError struct {
	Path string
	Line int
	Msg  string
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s line %d: %s", e.Path, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

// rawConfig mirrors the file with pointer fields, so that "absent" (nil)
// differs from "false", 0 or an empty list.
type rawConfig struct {
	Wiz struct {
		APIEndpoint   *string           `yaml:"api_endpoint"`
		AuthURL       *string           `yaml:"auth_url"`
		ClientID      *string           `yaml:"client_id"`
		Audience      *string           `yaml:"audience"`
		IntegrationID *string           `yaml:"integration_id"`
		VCSHosts      map[string]string `yaml:"vcs_hosts"`
		MaxUploadMB   *int              `yaml:"max_upload_mb"`
	} `yaml:"wiz"`
	Semgrep struct {
		APIURL      *string `yaml:"api_url"`
		Deployment  *string `yaml:"deployment"`
		Concurrency *int    `yaml:"concurrency"`
	} `yaml:"semgrep"`
	Policy struct {
		Severities        []string `yaml:"severities"`
		FullScansOnly     *bool    `yaml:"full_scans_only"`
		DefaultBranchOnly *bool    `yaml:"default_branch_only"`
		Statuses          []string `yaml:"statuses"`
		IncludeRepos      []string `yaml:"include_repos"`
		ExcludeRepos      []string `yaml:"exclude_repos"`
		MaxScanAgeDays    *int     `yaml:"max_scan_age_days"`
	} `yaml:"policy"`
	Guards struct {
		MassResolvePercent *int `yaml:"mass_resolve_percent"`
		MassResolveMin     *int `yaml:"mass_resolve_min"`
		UploadsPerDay      *int `yaml:"uploads_per_day"`
	} `yaml:"guards"`
	Watch struct {
		Interval     *Duration `yaml:"interval"`
		RefreshAfter *Duration `yaml:"refresh_after"`
	} `yaml:"watch"`
}

// secretKind says whether a key is an attempt to put a secret in the file,
// and which variable holds that secret instead.
func secretKind(name string) (envVar string, ok bool) {
	last := strings.ToLower(name[strings.LastIndex(name, ".")+1:])
	last = strings.ReplaceAll(last, "-", "_")
	switch {
	case strings.Contains(last, "secret") || strings.Contains(last, "password"):
		return EnvWizClientSecret, true
	case last == "token" || last == "app_token" || last == "api_token" || last == "semgrep_app_token" || last == "web_token":
		return EnvSemgrepToken, true
	}
	return "", false
}

const maxConfigFileSize = 1 << 20

// Load builds the configuration: defaults, then the config file, then the
// environment, then the flags (each overriding the one before). Secrets
// come from the environment, else from secrets (which may be nil).
// A config file that does not exist is an empty config. The result is
// normalised but not validated: call Validate with what the command needs.
func Load(o Overrides, env func(string) string, secrets SecretStore) (*Config, error) {
	env = orEmpty(env)
	paths := ResolvePaths(o, env)
	c := &Config{Origins: map[string]string{}, Path: paths.ConfigFile, StateDir: paths.StateDir}
	c.setOrigin(FieldConfigFile, pathOrigin(o.ConfigFile, env(EnvConfigFile), FlagConfig, EnvConfigFile))
	c.setOrigin(FieldStateDir, pathOrigin(o.StateDir, env(EnvStateDir), FlagStateDir, EnvStateDir))

	raw, exists, err := readFile(paths.ConfigFile)
	if err != nil {
		return nil, err
	}
	c.FileExists = exists
	fromFile(c, raw)

	// Environment, then flags: a later layer overwrites an earlier one.
	type layer struct {
		field, env, flag string
		flagVal          string
		dst              *string
		present          **string
	}
	for _, l := range []layer{
		{FieldWizAPIEndpoint, EnvWizAPIEndpoint, FlagWizAPIEndpoint, o.WizAPIEndpoint, &c.Wiz.APIEndpoint, &raw.Wiz.APIEndpoint},
		{FieldWizAuthURL, EnvWizAuthURL, FlagWizAuthURL, o.WizAuthURL, &c.Wiz.AuthURL, &raw.Wiz.AuthURL},
		{FieldWizClientID, EnvWizClientID, FlagWizClientID, o.WizClientID, &c.Wiz.ClientID, &raw.Wiz.ClientID},
		{FieldSemgrepAPIURL, EnvSemgrepAPIURL, FlagSemgrepAPIURL, o.SemgrepAPIURL, &c.Semgrep.APIURL, &raw.Semgrep.APIURL},
		{FieldSemgrepDeployment, EnvSemgrepDeployment, FlagSemgrepDeployment, o.SemgrepDeployment, &c.Semgrep.Deployment, &raw.Semgrep.Deployment},
	} {
		if v := strings.TrimSpace(env(l.env)); v != "" {
			*l.dst = v
			*l.present = &v
			c.setOrigin(l.field, EnvOrigin(l.env))
		}
		if v := strings.TrimSpace(l.flagVal); v != "" {
			*l.dst = v
			*l.present = &v
			c.setOrigin(l.field, FlagOrigin(l.flag))
		}
	}

	for _, s := range []struct {
		field, env, name string
		dst              *string
	}{
		{FieldWizClientSecret, EnvWizClientSecret, SecretWizClientSecret, &c.Wiz.ClientSecret},
		{FieldSemgrepToken, EnvSemgrepToken, SecretSemgrepToken, &c.Semgrep.Token},
	} {
		if v := strings.TrimSpace(env(s.env)); v != "" {
			*s.dst = v
			c.setOrigin(s.field, EnvOrigin(s.env))
			continue // the store is not even asked: CI never touches a keyring
		}
		if secrets == nil {
			continue
		}
		v, origin, err := getSecret(secrets, s.name)
		switch {
		case errors.Is(err, ErrSecretNotFound):
		case err != nil:
			return nil, fmt.Errorf("reading %s: %w", s.field, err)
		case v != "":
			*s.dst = v
			c.setOrigin(s.field, origin)
		}
	}

	applyDefaults(c, raw)
	c.Normalize()
	return c, nil
}

func pathOrigin(flagVal, envVal, flag, envName string) string {
	switch {
	case strings.TrimSpace(flagVal) != "":
		return FlagOrigin(flag)
	case strings.TrimSpace(envVal) != "":
		return EnvOrigin(envName)
	}
	return OriginDefault
}

// fromFile copies what the file set into c, recording the origin.
func fromFile(c *Config, raw *rawConfig) {
	str := func(field string, src *string, dst *string) {
		if src != nil {
			*dst = *src
			c.setOrigin(field, OriginFile)
		}
	}
	str(FieldWizAPIEndpoint, raw.Wiz.APIEndpoint, &c.Wiz.APIEndpoint)
	str(FieldWizAuthURL, raw.Wiz.AuthURL, &c.Wiz.AuthURL)
	str(FieldWizClientID, raw.Wiz.ClientID, &c.Wiz.ClientID)
	str(FieldWizAudience, raw.Wiz.Audience, &c.Wiz.Audience)
	str(FieldWizIntegrationID, raw.Wiz.IntegrationID, &c.Wiz.IntegrationID)
	if raw.Wiz.VCSHosts != nil {
		c.Wiz.VCSHosts = raw.Wiz.VCSHosts
		c.setOrigin(FieldWizVCSHosts, OriginFile)
	}
	if raw.Wiz.MaxUploadMB != nil {
		c.Wiz.MaxUploadMB = *raw.Wiz.MaxUploadMB
		c.setOrigin(FieldWizMaxUploadMB, OriginFile)
	}
	str(FieldSemgrepAPIURL, raw.Semgrep.APIURL, &c.Semgrep.APIURL)
	str(FieldSemgrepDeployment, raw.Semgrep.Deployment, &c.Semgrep.Deployment)
	if raw.Semgrep.Concurrency != nil {
		c.Semgrep.Concurrency = *raw.Semgrep.Concurrency
		c.setOrigin(FieldSemgrepConcurrency, OriginFile)
	}
	p := &raw.Policy
	list := func(field string, src []string, dst *[]string) {
		if src != nil {
			*dst = src
			c.setOrigin(field, OriginFile)
		}
	}
	list(FieldPolicySeverities, p.Severities, &c.Policy.Severities)
	list(FieldPolicyStatuses, p.Statuses, &c.Policy.Statuses)
	list(FieldPolicyIncludeRepos, p.IncludeRepos, &c.Policy.IncludeRepos)
	list(FieldPolicyExcludeRepos, p.ExcludeRepos, &c.Policy.ExcludeRepos)
	if p.FullScansOnly != nil {
		c.Policy.FullScansOnly = *p.FullScansOnly
		c.setOrigin(FieldPolicyFullScansOnly, OriginFile)
	}
	if p.DefaultBranchOnly != nil {
		c.Policy.DefaultBranchOnly = *p.DefaultBranchOnly
		c.setOrigin(FieldPolicyDefaultBranch, OriginFile)
	}
	if p.MaxScanAgeDays != nil {
		c.Policy.MaxScanAgeDays = *p.MaxScanAgeDays
		c.setOrigin(FieldPolicyMaxScanAgeDays, OriginFile)
	}
	num := func(field string, src *int, dst *int) {
		if src != nil {
			*dst = *src
			c.setOrigin(field, OriginFile)
		}
	}
	num(FieldGuardsMassResolvePercent, raw.Guards.MassResolvePercent, &c.Guards.MassResolvePercent)
	num(FieldGuardsMassResolveMin, raw.Guards.MassResolveMin, &c.Guards.MassResolveMin)
	num(FieldGuardsUploadsPerDay, raw.Guards.UploadsPerDay, &c.Guards.UploadsPerDay)
	dur := func(field string, src *Duration, dst *Duration) {
		if src != nil {
			*dst = *src
			c.setOrigin(field, OriginFile)
		}
	}
	dur(FieldWatchInterval, raw.Watch.Interval, &c.Watch.Interval)
	dur(FieldWatchRefreshAfter, raw.Watch.RefreshAfter, &c.Watch.RefreshAfter)
}

// readFile parses the config file into raw. A missing file is not an error.
func readFile(path string) (*rawConfig, bool, error) {
	raw := &rawConfig{}
	fh, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return raw, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("opening config file: %w", err)
	}
	defer fh.Close()
	if st, err := fh.Stat(); err == nil && st.IsDir() {
		return nil, true, &FileError{Path: path, Msg: "is a directory, not a config file"}
	}
	data, err := io.ReadAll(io.LimitReader(fh, maxConfigFileSize+1))
	if err != nil {
		return nil, true, fmt.Errorf("reading config file %s: %w", path, err)
	}
	if len(data) > maxConfigFileSize {
		return nil, true, &FileError{Path: path, Msg: fmt.Sprintf("larger than %d KiB; is this the right file?", maxConfigFileSize>>10)}
	}
	if err := parseConfig(path, data, raw); err != nil {
		return nil, true, err
	}
	return raw, true, nil
}

var yamlErrRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseConfig decodes data key by key, so that each mistake is reported
// with its line and the dotted setting name, never with the value.
func parseConfig(path string, data []byte, raw *rawConfig) error {
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // empty file
		}
		return yamlSyntaxError(path, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return &FileError{Path: path, Line: extra.Line, Msg: "a second YAML document; the config file holds one"}
	} else if !errors.Is(err, io.EOF) {
		return yamlSyntaxError(path, err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return nil
		}
		root = root.Content[0]
	}
	if isNull(root) {
		return nil
	}
	if root.Kind != yaml.MappingNode {
		return &FileError{Path: path, Line: root.Line, Msg: "expected a mapping with wiz:, semgrep:, policy:, guards: and watch: sections"}
	}
	return decodeMapping(path, "", root, reflect.ValueOf(raw).Elem())
}

func yamlSyntaxError(path string, err error) error {
	msg := err.Error()
	if m := yamlErrRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &FileError{Path: path, Line: line, Msg: m[2]}
	}
	return &FileError{Path: path, Msg: strings.TrimPrefix(msg, "yaml: ")}
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// decodeMapping walks the keys of node into the struct v; prefix is the
// dotted path of v ("" for the root).
func decodeMapping(path, prefix string, node *yaml.Node, v reflect.Value) error {
	known := yamlFields(v.Type())
	seen := map[string]int{}
	for i := 0; i+1 < len(node.Content); i += 2 {
		k, val := node.Content[i], node.Content[i+1]
		if val.Kind == yaml.AliasNode && val.Alias != nil {
			val = val.Alias
		}
		name := prefix + k.Value
		if k.Kind != yaml.ScalarNode {
			return &FileError{Path: path, Line: k.Line, Msg: "a key must be a plain name"}
		}
		if first, dup := seen[k.Value]; dup {
			return &FileError{Path: path, Line: k.Line, Msg: fmt.Sprintf("%s is set twice (first at line %d)", name, first)}
		}
		seen[k.Value] = k.Line
		idx, ok := known[k.Value]
		if !ok {
			return &FileError{Path: path, Line: k.Line, Msg: unknownKeyMsg(name)}
		}
		f := v.Field(idx)
		if f.Kind() == reflect.Struct {
			if isNull(val) {
				continue
			}
			if val.Kind != yaml.MappingNode {
				return &FileError{Path: path, Line: val.Line, Msg: fmt.Sprintf("%s must be a section of settings (key: value lines indented below it)", name)}
			}
			if err := decodeMapping(path, name+".", val, f); err != nil {
				return err
			}
			continue
		}
		if isNull(val) {
			continue // "key:" with no value counts as absent
		}
		if err := val.Decode(f.Addr().Interface()); err != nil {
			return &FileError{Path: path, Line: val.Line, Msg: fmt.Sprintf("%s must be %s", name, describeType(f.Type()))}
		}
	}
	return nil
}

// yamlFields maps each yaml tag name of t to its field index.
func yamlFields(t reflect.Type) map[string]int {
	m := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if tag != "" && tag != "-" {
			m[tag] = i
		}
	}
	return m
}

func describeType(t reflect.Type) string {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeFor[Duration]() {
		return "a duration such as 10m, 1h30m or 24h (units s, m and h; a day is 24h)"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int:
		return "a whole number"
	case reflect.Slice:
		return "a list, e.g. [a, b]"
	case reflect.Map:
		return "a mapping of host: kind lines"
	}
	return "a " + t.Kind().String()
}

// allKeys lists every dotted setting name the file may hold.
func allKeys() []string {
	var out []string
	rt := reflect.TypeOf(rawConfig{})
	for i := 0; i < rt.NumField(); i++ {
		sec, _, _ := strings.Cut(rt.Field(i).Tag.Get("yaml"), ",")
		out = append(out, sec)
		st := rt.Field(i).Type
		for j := 0; j < st.NumField(); j++ {
			k, _, _ := strings.Cut(st.Field(j).Tag.Get("yaml"), ",")
			out = append(out, sec+"."+k)
		}
	}
	return out
}

func unknownKeyMsg(name string) string {
	shown := name
	if strings.IndexFunc(name, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0 {
		shown = strconv.Quote(name) // a quoted YAML key may hold line breaks
	}
	if env, ok := secretKind(name); ok {
		return fmt.Sprintf("%s: secrets are not read from the config file; set %s, or store it in the OS keyring or the 0600 credentials file", shown, env)
	}
	msg := "unknown setting " + shown
	if s := suggest(name, allKeys()); s != "" {
		msg += "; did you mean " + s + "?"
	}
	return msg
}

// suggest returns the candidate closest to name when it is close enough to
// be a typo: compared case-insensitively, with - and _ treated alike, both
// on the whole dotted name and on its last part (for a key in the wrong
// section).
func suggest(name string, candidates []string) string {
	norm := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "-", "_") }
	last := func(s string) string {
		if i := strings.LastIndex(s, "."); i >= 0 {
			return s[i+1:]
		}
		return s
	}
	n, nl := norm(name), norm(last(name))
	depth := strings.Count(name, ".")
	best, bestD := "", 1<<30
	for _, c := range candidates {
		if strings.Count(c, ".") != depth {
			continue
		}
		d := levenshtein(n, norm(c))
		cl := norm(last(c))
		if dl := levenshtein(nl, cl); depth > 0 && dl < d {
			d = dl
		}
		// A cut-short or singular key ("severity", "max_scan_age").
		if cp := commonPrefix(nl, cl); cp >= 6 && cp >= min(len(nl), len(cl))-1 && d > 1 {
			d = 1
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	limit := 2
	if len(nl) > 8 {
		limit = 3
	}
	if bestD <= limit {
		return best
	}
	return ""
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
