package wizschema

import (
	"encoding/json"
	"time"
)

// Document is a whole Wiz SAST ingestion upload (V2 schema). The encoder
// streams documents without building one; this type is for reading files
// back and for small documents built in memory.
type Document struct {
	IntegrationID string       `json:"integrationId"`
	DataSources   []DataSource `json:"dataSources"`
}

// DataSource is one repository's group of assets. Its ID must never change
// between uploads (finding.DataSourceID).
type DataSource struct {
	ID           string    `json:"id"`
	AnalysisDate time.Time `json:"analysisDate,omitzero"`
	Assets       []Asset   `json:"assets"`
}

// Asset is one repository branch with every finding still open on it.
type Asset struct {
	AnalysisDate time.Time    `json:"analysisDate,omitzero"`
	Details      AssetDetails `json:"details"`
	// SASTFindings is always sent, as [] when empty: that is how Wiz learns
	// that the branch's old findings are fixed.
	SASTFindings []SASTFinding `json:"sastFindings"`
}

// AssetDetails holds the only asset kind Wiz accepts for SAST.
type AssetDetails struct {
	RepositoryBranch RepositoryBranch `json:"repositoryBranch"`
}

// RepositoryBranch describes the branch asset.
type RepositoryBranch struct {
	AssetID    string     `json:"assetId"`
	AssetName  string     `json:"assetName"`
	BranchName string     `json:"branchName"`
	IsDefault  *bool      `json:"isDefault,omitempty"`
	FirstSeen  time.Time  `json:"firstSeen,omitzero"`
	LastSeen   time.Time  `json:"lastSeen,omitzero"`
	Repository Repository `json:"repository"`
	VCS        string     `json:"vcs"`
}

// Repository is the repository a branch asset belongs to.
type Repository struct {
	Name       string   `json:"name"`
	URL        string   `json:"url"`
	IsPublic   *bool    `json:"isPublic,omitempty"`
	IsArchived *bool    `json:"isArchived,omitempty"`
	IsDisabled *bool    `json:"isDisabled,omitempty"`
	Labels     []string `json:"labels,omitempty"`
}

// SASTFinding is one finding as Wiz receives it.
type SASTFinding struct {
	ID                   string   `json:"id"`
	Name                 string   `json:"name"`
	Severity             string   `json:"severity"`
	FilePath             string   `json:"filePath,omitempty"`
	Description          string   `json:"description,omitempty"`
	Remediation          string   `json:"remediation,omitempty"`
	Weaknesses           []string `json:"weaknesses,omitempty"`
	CommitHash           string   `json:"commitHash,omitempty"`
	CommitURL            string   `json:"commitURL,omitempty"`
	ExternalFindingLink  string   `json:"externalFindingLink,omitempty"`
	StartLine            int      `json:"startLine,omitempty"`
	EndLine              int      `json:"endLine,omitempty"`
	StartColumn          int      `json:"startColumn,omitempty"`
	EndColumn            int      `json:"endColumn,omitempty"`
	Snippet              string   `json:"snippet,omitempty"`
	CodeLibraryLanguages []string `json:"codeLibraryLanguages,omitempty"`
}

// The MarshalJSON methods below turn nil lists into [] so that a document
// built in memory never carries null where the schema wants an array.

func (d Document) MarshalJSON() ([]byte, error) {
	type plain Document
	if d.DataSources == nil {
		d.DataSources = []DataSource{}
	}
	return json.Marshal(plain(d))
}

func (d DataSource) MarshalJSON() ([]byte, error) {
	type plain DataSource
	if d.Assets == nil {
		d.Assets = []Asset{}
	}
	return json.Marshal(plain(d))
}

func (a Asset) MarshalJSON() ([]byte, error) {
	type plain Asset
	if a.SASTFindings == nil {
		a.SASTFindings = []SASTFinding{}
	}
	return json.Marshal(plain(a))
}

// Enum values of the schema, in the schema's order.
var (
	severityEnum = []string{"None", "Low", "Medium", "High", "Critical"}
	vcsEnum      = []string{"AzureDevOps", "BitbucketCloud", "BitbucketDataCenter", "GitHub", "GitLab", "Terraform"}
	languageEnum = []string{
		"Apex", "C", "Cairo", "Clojure", "Cpp", "Csharp", "Dart", "Dockerfile",
		"Elixir", "Generic", "Go", "Hcl", "Html", "Java", "Javascript", "Json",
		"Jsonnet", "Julia", "Kotlin", "Lisp", "Lua", "Ocaml", "Php", "Python",
		"R", "Regex", "Ruby", "Rust", "Scala", "Scheme", "Sh", "Solidity",
		"Swift", "Terraform", "Typescript", "Xml", "Yaml",
	}
)

func inEnum(enum []string, s string) bool {
	for _, v := range enum {
		if v == s {
			return true
		}
	}
	return false
}
