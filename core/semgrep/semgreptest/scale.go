package semgreptest

// OpenAndSevere turns every finding into an open high or critical one, so
// that a sync with the default policy reads every finding of a generated
// dataset: a scale run measures the whole dataset, not the share a
// realistic mix of statuses and severities would leave.
func (d *Dataset) OpenAndSevere() {
	for i := range d.Projects {
		for j := range d.Projects[i].Findings {
			f := &d.Projects[i].Findings[j]
			f.Status, f.State, f.TriageState = "open", "unresolved", "untriaged"
			f.TriagedAt, f.TriageReason, f.TriageComment = nil, nil, nil
			if f.Severity != "critical" {
				f.Severity = "high"
			}
		}
	}
}
