package semgrep

import (
	"path"
	"strings"
)

// langByExt maps file extensions to Semgrep language names. Rule metadata
// "technology" names frameworks (express, django), not languages, so the
// file name is the better source.
var langByExt = map[string]string{
	"py": "python", "pyi": "python", "pyw": "python",
	"js": "javascript", "jsx": "javascript", "mjs": "javascript", "cjs": "javascript",
	"ts": "typescript", "tsx": "typescript", "mts": "typescript", "cts": "typescript",
	"go":   "go",
	"java": "java",
	"rb":   "ruby", "erb": "ruby",
	"php": "php", "phtml": "php",
	"cs": "csharp",
	"c":  "c", "h": "c",
	"cpp": "cpp", "cc": "cpp", "cxx": "cpp", "c++": "cpp", "hpp": "cpp", "hh": "cpp", "hxx": "cpp",
	"kt": "kotlin", "kts": "kotlin",
	"scala": "scala", "sc": "scala",
	"swift": "swift",
	"rs":    "rust",
	"tf":    "terraform", "tfvars": "terraform",
	"hcl":  "hcl",
	"yaml": "yaml", "yml": "yaml",
	"json": "json",
	"html": "html", "htm": "html",
	"sh": "bash", "bash": "bash",
	"dockerfile": "dockerfile",
	"sol":        "solidity",
	"ex":         "elixir", "exs": "elixir",
	"lua":  "lua",
	"dart": "dart",
	"clj":  "clojure", "cljs": "clojure", "cljc": "clojure", "edn": "clojure",
	"ml": "ocaml", "mli": "ocaml",
	"jsonnet": "jsonnet", "libsonnet": "jsonnet",
	"xml": "xml",
	"r":   "r",
	"jl":  "julia",
	"cls": "apex", "trigger": "apex",
	"vue": "vue",
}

// LanguageForPath returns the Semgrep language name for a file path, or ""
// when the extension is not one Semgrep analyses.
func LanguageForPath(p string) string {
	base := path.Base(strings.ReplaceAll(p, `\`, "/"))
	lb := strings.ToLower(base)
	// Dockerfile, Dockerfile.prod, prod.Dockerfile
	if lb == "dockerfile" || strings.HasPrefix(lb, "dockerfile.") || strings.HasSuffix(lb, ".dockerfile") {
		return "dockerfile"
	}
	i := strings.LastIndex(lb, ".")
	if i < 0 || i == len(lb)-1 {
		return ""
	}
	return langByExt[lb[i+1:]]
}
