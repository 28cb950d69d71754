package wiztest

import (
	"encoding/json"
	"strings"
)

// SampleDocument builds a small valid upload document: one data source
// holding one repository branch (main) with the given finding ids. Tests
// and demo mode use it to exercise the upload flow.
func SampleDocument(integrationID, dataSourceID, repoURL string, findingIDs ...string) []byte {
	name := strings.TrimPrefix(strings.TrimPrefix(repoURL, "https://"), "http://")
	if i := strings.Index(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	findings := []map[string]any{}
	for _, id := range findingIDs {
		findings = append(findings, map[string]any{
			"id": id, "name": "sample finding " + id, "severity": "High",
			"filePath": "src/app.py", "startLine": 1, "weaknesses": []string{"CWE-89"},
		})
	}
	doc := map[string]any{
		"integrationId": integrationID,
		"dataSources": []any{map[string]any{
			"id": dataSourceID,
			"assets": []any{map[string]any{
				"details": map[string]any{"repositoryBranch": map[string]any{
					"assetId": name + ":main", "assetName": name + ":main", "branchName": "main",
					"repository": map[string]any{"name": name, "url": repoURL},
					"vcs":        "GitHub",
				}},
				"sastFindings": findings,
			}},
		}},
	}
	b, _ := json.Marshal(doc)
	return b
}
