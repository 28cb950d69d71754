package wiz

import "context"

// VCSResource is one repository branch Wiz knows.
type VCSResource struct {
	ID            string
	CloudPlatform string // GitHub, GitLab, …
	ProviderID    string // e.g. github.com##acme/app##main
	Type          string // REPOSITORY_BRANCH
	Repository    VCSRepository
}

// VCSRepository is the repository a branch belongs to.
type VCSRepository struct{ ID, Name, URL string }

const vcsQuery = `query VersionControlResources($first: Int, $after: String, $filterBy: VersionControlResourceFilters) { versionControlResources(first: $first, after: $after, filterBy: $filterBy) { nodes { id cloudPlatform providerID type repository { id name url } } pageInfo { hasNextPage endCursor } } }`

var opVCS = operation{op: "list repositories", name: "VersionControlResources", scope: ScopeResources, query: vcsQuery}

// Paging limits: enough for a pre-flight "does Wiz know this repository"
// question, bounded so a broad search cannot page forever.
const (
	vcsPageSize = 50
	vcsMaxPages = 20
)

type vcsPage struct {
	VersionControlResources *struct {
		Nodes []struct {
			ID            flexString `json:"id"`
			CloudPlatform string     `json:"cloudPlatform"`
			ProviderID    string     `json:"providerID"`
			Type          string     `json:"type"`
			Repository    *struct {
				ID   flexString `json:"id"`
				Name string     `json:"name"`
				URL  string     `json:"url"`
			} `json:"repository"`
		} `json:"nodes"`
		PageInfo struct {
			HasNextPage bool   `json:"hasNextPage"`
			EndCursor   string `json:"endCursor"`
		} `json:"pageInfo"`
	} `json:"versionControlResources"`
}

// RepositoryBranches lists the REPOSITORY_BRANCH resources matching search
// (Wiz's free-text filter, e.g. "owner/repo"; "" for all), following pages
// up to 1,000 results.
func (c *Client) RepositoryBranches(ctx context.Context, search string) ([]VCSResource, error) {
	filter := map[string]any{"type": []string{"REPOSITORY_BRANCH"}}
	if search != "" {
		filter["search"] = search
	}
	var out []VCSResource
	after := ""
	for page := 0; page < vcsMaxPages; page++ {
		vars := map[string]any{"first": vcsPageSize, "filterBy": filter}
		if after != "" {
			vars["after"] = after
		}
		var p vcsPage
		if err := c.exec(ctx, opVCS, vars, &p); err != nil {
			return out, err
		}
		r := p.VersionControlResources
		if r == nil {
			return out, &Error{Op: opVCS.op, Kind: KindProtocol, Message: "the answer carried no versionControlResources"}
		}
		for _, n := range r.Nodes {
			v := VCSResource{ID: string(n.ID), CloudPlatform: n.CloudPlatform, ProviderID: n.ProviderID, Type: n.Type}
			if n.Repository != nil {
				v.Repository = VCSRepository{ID: string(n.Repository.ID), Name: n.Repository.Name, URL: n.Repository.URL}
			}
			out = append(out, v)
		}
		if !r.PageInfo.HasNextPage || r.PageInfo.EndCursor == "" || r.PageInfo.EndCursor == after {
			break
		}
		after = r.PageInfo.EndCursor
	}
	return out, nil
}
