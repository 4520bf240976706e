package web

import (
	"html/template"
	"net/http"
	"net/url"
	"regexp"

	"ee/kovmon/auth"
	"ee/kovmon/i18n"
	"ee/kovmon/metrics"
)

// The admin page: the catalogue in force with its history and a form to change it,
// and the audit log. Like the login form it is the server's own page, with no script;
// its texts come from the i18n catalogue in the language of ?lang=.
var adminPage = template.Must(template.New("admin").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.T "admin.title"}} · kovmon</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/assets/dashboards.css"></head>
<body>
<header class="top"><a class="brand" href="/?lang={{.Lang}}">{{.T "app.name"}}</a><nav></nav>
<a class="account" href="/login">{{.T "nav.account"}}</a>
<a class="lang" hreflang="{{.OtherLang}}" href="/admin?lang={{.OtherLang}}">{{.T "dashboards.switch_language"}}</a></header>
<main>
<h1>{{.T "admin.title"}}</h1>
<section id="catalogue">
<h2>{{.T "admin.catalogue"}}</h2>
{{if .Changed}}<p role="status" id="catalogue-changed">{{.T "admin.catalogue_changed" .Changed}}</p>{{end}}
{{if .Error}}<div role="alert" id="catalogue-error"><p>{{.T "admin.catalogue_rejected"}}</p><pre>{{.Error}}</pre></div>{{end}}
<p id="catalogue-in-force">{{.T "admin.catalogue_in_force" .Version .SHA256}}
{{if .History}}{{.T "admin.catalogue_since" (index .History 0).ChangedAt (index .History 0).Actor}}{{else}}{{.T "admin.catalogue_shipped"}}{{end}}</p>
<p><a href="/api/catalogue" download="catalogue.yaml">{{.T "admin.catalogue_download"}}</a></p>
{{if .Pinned}}<p id="catalogue-pinned">{{.T "admin.catalogue_pinned" .Pinned}}</p>{{else}}
<form method="post" action="/admin/catalogue?lang={{.Lang}}">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<p><label for="catalogue-text">{{.T "admin.catalogue_edit"}}</label><br>
<small>{{.T "admin.catalogue_help"}}</small></p>
<textarea id="catalogue-text" name="catalogue" rows="24" cols="100" spellcheck="false" required style="width: 100%">{{.Text}}</textarea>
<p><button type="submit" id="catalogue-submit">{{.T "admin.catalogue_submit"}}</button></p>
</form>{{end}}
{{if .History}}<h3>{{.T "admin.history"}}</h3>
<div class="table-wrap"><table id="catalogue-history" class="log"><thead><tr><th>{{.T "admin.col.at"}}</th><th>{{.T "admin.col.actor"}}</th><th>{{.T "admin.col.version"}}</th><th>sha256</th></tr></thead><tbody>
{{range .History}}<tr><td>{{.ChangedAt}}</td><td>{{.Actor}}</td><td>{{.Version}}</td><td><code>{{.SHA256}}</code></td></tr>
{{end}}</tbody></table></div>{{end}}
</section>
<section id="audit">
<h2>{{.T "admin.audit"}}</h2>
<p><a href="/api/audit?limit={{.Limit}}">JSON</a></p>
<div class="table-wrap"><table id="audit-log" class="log"><thead><tr><th>{{.T "admin.col.at"}}</th><th>{{.T "admin.col.actor"}}</th><th>{{.T "admin.col.role"}}</th><th>{{.T "admin.col.client"}}</th>
<th>{{.T "admin.col.action"}}</th><th>{{.T "admin.col.object"}}</th><th>{{.T "admin.col.outcome"}}</th><th>{{.T "admin.col.detail"}}</th></tr></thead><tbody>
{{range .Audit}}<tr><td>{{.At}}</td><td>{{.Actor}}</td><td>{{$.Code "audit.role" .Role}}</td><td>{{.Client}}</td><td>{{$.Code "audit.action" .Action}}</td><td class="wrap">{{.Object}}</td><td>{{$.Code "audit.outcome" .Outcome}}</td>{{$d := $.Detail .}}<td class="detail"{{if $d.Lang}} lang="{{$d.Lang}}"{{end}}>{{$d.Text}}</td></tr>
{{end}}</tbody></table></div>
</section>
</main></body></html>
`))

// adminView is what the admin page shows.
type adminView struct {
	Lang                    string
	Version, SHA256, Pinned string
	Text                    string // the catalogue in the form: the one in force, or the one just refused
	CSRF                    string
	Changed, Error          string
	Limit                   int
	History                 []metrics.CatalogueVersion
	Audit                   []auth.Entry
}

func (v adminView) T(key string, args ...any) string { return i18n.T(v.Lang, key, args...) }

func (v adminView) OtherLang() string { return i18n.Other(v.Lang) }

// Code is a code of the audit log (an action, an outcome, a role) in words, or the
// code itself where the texts have none.
func (v adminView) Code(prefix, code string) string {
	if key := prefix + "." + code; code != "" && i18n.Has(key) {
		return v.T(key)
	}
	return code
}

// adminPage shows the page; ?changed= names a catalogue version just put in force.
func (s *Server) adminPage(w http.ResponseWriter, r *http.Request) {
	s.renderAdmin(w, r, http.StatusOK, "", "")
}

// postCatalogue is the admin page's form: on success back to the page (303, so a
// reload does not post again), on failure the page again with the reasons and the
// text as submitted, to be mended.
func (s *Server) postCatalogue(w http.ResponseWriter, r *http.Request) {
	text := r.PostFormValue("catalogue")
	change, err := s.changeCatalogue(r, []byte(text))
	if err != nil {
		status, msg := s.statusOf(r, err)
		s.renderAdmin(w, r, status, msg, text)
		return
	}
	q := url.Values{"lang": {langOf(r)}, "changed": {change.Version}}
	http.Redirect(w, r, "/admin?"+q.Encode(), http.StatusSeeOther)
}

func langOf(r *http.Request) string { return i18n.Normalize(r.URL.Query().Get("lang")) }

func (s *Server) renderAdmin(w http.ResponseWriter, r *http.Request, status int, problem, text string) {
	limit, err := intParam(r, "limit", 200, 10000)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cat := s.app.Catalogue()
	v := adminView{Lang: langOf(r), Version: cat.Version, SHA256: cat.Hash(), Pinned: s.app.CataloguePinned(),
		Text: string(cat.Source()), Error: problem, Limit: limit}
	if problem != "" {
		v.Text = text
	} else if c := r.URL.Query().Get("changed"); c == cat.Version {
		v.Changed = c // only ever the version in force: nothing of the query is echoed otherwise
	}
	if p := principalOf(r); p.session != nil {
		v.CSRF = p.session.CSRF
	}
	if v.History, err = metrics.CatalogueHistory(r.Context(), s.store, 20); err != nil {
		s.fail(w, r, err)
		return
	}
	if v.Audit, err = s.audit.List(r.Context(), limit); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	adminPage.Execute(w, v)
}

// auditDetails are the fixed forms of the audit log's details (web.go, guard.go, the
// ledger half of audit.List.sql), each written again in the page's language from its
// numbers; a detail of no known form (an error message) stays as the server wrote it,
// in English, and is marked so.
var auditDetails = []struct {
	form *regexp.Regexp
	key  string
}{
	{regexp.MustCompile(`^run (\S+): (\d+) rows loaded, (\d+) duplicates, (\d+) quarantined$`), "audit.detail.load"},
	{regexp.MustCompile(`^run (\S+): (\d+) rows read, (\d+) loaded, (\d+) duplicates, (\d+) quarantined ?$`), "audit.detail.upload"},
	{regexp.MustCompile(`^(\d+) files, (\d+) loaded$`), "audit.detail.inbox_run"},
	{regexp.MustCompile(`^needs (\w+)$`), "audit.detail.needs"},
	{regexp.MustCompile(`^was (\S+) sha256:([0-9a-f]+)$`), "audit.detail.was"},
}

type detailText struct{ Text, Lang string }

// Detail is an audit entry's detail for the page.
func (v adminView) Detail(e auth.Entry) detailText {
	for _, d := range auditDetails {
		if m := d.form.FindStringSubmatch(e.Detail); m != nil {
			args := make([]any, len(m)-1)
			for i, a := range m[1:] {
				args[i] = v.Code("audit.role", a)
			}
			return detailText{Text: v.T(d.key, args...)}
		}
	}
	if v.Lang != i18n.EN && e.Detail != "" {
		return detailText{Text: e.Detail, Lang: i18n.EN}
	}
	return detailText{Text: e.Detail}
}
