// Package wizschema maps findings to Wiz's SAST ingestion document (V2,
// repositoryBranch assets), streams that document to a file, and validates
// it against the embedded schema.
//
// Identities (the README must state them; never change them once released,
// because Wiz resolves whatever it stops seeing under an id):
//
//	data source id  finding.DataSourceID(repo)           one per repository, all branches
//	asset id        <data source id> "@" <branch>         e.g. semgrep:github.com/acme/app@main
//	asset name      <repository name> ":" <branch>        display only
//	finding id      <finding.ID>                          on the default branch
//	                <finding.ID> "@" <branch>             on any other branch
//
// Every asset carries "sastFindings", as [] when the branch has none, so
// Wiz resolves the branch's earlier findings.
package wizschema
