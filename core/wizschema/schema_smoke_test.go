package wizschema

import (
	"strings"
	"testing"
)

func TestValidateRejectsUnknownKey(t *testing.T) {
	good := `{"integrationId":"x","dataSources":[{"id":"d","assets":[{"details":{"repositoryBranch":{"assetId":"a","assetName":"n","branchName":"main","repository":{"name":"o/r","url":"https://github.com/o/r"},"vcs":"GitHub"}},"sastFindings":[{"id":"1","name":"n","severity":"High","weaknesses":["CWE-89"]}]}]}]}`
	if err := Validate(strings.NewReader(good)); err != nil {
		t.Fatalf("valid document rejected: %v", err)
	}
	bad := strings.Replace(good, `"severity":"High"`, `"severity":"High","ruleId":"x"`, 1)
	if err := Validate(strings.NewReader(bad)); err == nil {
		t.Fatal("document with an unknown key accepted")
	}
	badCWE := strings.Replace(good, `"CWE-89"`, `"CWE-89: SQL"`, 1)
	if err := Validate(strings.NewReader(badCWE)); err == nil {
		t.Fatal("document with a raw CWE string accepted")
	}
}
