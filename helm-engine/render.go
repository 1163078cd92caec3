// Package main is Helm's template engine as a WebAssembly module: it renders
// a chart given as files in memory, as `helm template` does offline, and
// returns each template's output separately.
package main

import (
	"encoding/base64"
	"fmt"
	"path"
	"sort"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
)

// File is one file of a chart, its name relative to the chart's directory
// (a subchart's files under charts/<name>/, or a packaged subchart as
// charts/<name>.tgz in base64).
type File struct {
	Name   string `json:"name"`
	Data   string `json:"data"`
	Base64 bool   `json:"base64,omitempty"`
}

// Request names the chart, the values files to apply on top of its
// defaults (in order, as `-f`), and the release.
type Request struct {
	Files       []File   `json:"files"`
	Values      []string `json:"values,omitempty"`
	ReleaseName string   `json:"releaseName"`
	Namespace   string   `json:"namespace"`
}

// Response holds each template's output by its name
// (`chart/templates/x.yaml`, `chart/charts/sub/templates/y.yaml`), the
// templates that failed with why, and notes about the chart (a dependency
// that is not there).
type Response struct {
	Manifests map[string]string `json:"manifests"`
	Failed    map[string]string `json:"failed,omitempty"`
	Notes     []string          `json:"notes,omitempty"`
	Error     string            `json:"error,omitempty"`
}

// Render renders the chart like `helm template --skip-schema-validation`
// without a cluster: default capabilities, `lookup` returning nothing, hooks
// and tests included, CRDs of crds/ left out. A template that fails (`required`, `fail`, a parse
// error) fails alone: the others are rendered without it.
func Render(req Request) Response {
	var files []*loader.BufferedFile
	for _, f := range req.Files {
		data := []byte(f.Data)
		if f.Base64 {
			decoded, err := base64.StdEncoding.DecodeString(f.Data)
			if err != nil {
				return Response{Error: fmt.Sprintf("%s: %v", f.Name, err)}
			}
			data = decoded
		}
		files = append(files, &loader.BufferedFile{Name: f.Name, Data: data})
	}
	ch, err := loader.LoadFiles(files)
	if err != nil {
		return Response{Error: err.Error()}
	}
	var notes []string
	dropMissingDependencies(ch, &notes)

	values := map[string]interface{}{}
	for i, text := range req.Values {
		v, err := chartutil.ReadValues([]byte(text))
		if err != nil {
			return Response{Error: fmt.Sprintf("values file %d: %v", i+1, err)}
		}
		values = mergeMaps(values, v)
	}
	if err := chartutil.ProcessDependenciesWithMerge(ch, values); err != nil {
		return Response{Error: err.Error()}
	}
	options := chartutil.ReleaseOptions{Name: req.ReleaseName, Namespace: req.Namespace, Revision: 1, IsInstall: true}
	// values.schema.json is not checked (as `helm template --skip-schema-validation`): its $refs
	// may name files or URLs, and rendering never reads outside the chart or reaches the network.
	renderValues, err := chartutil.ToRenderValuesWithSchemaValidation(ch, values, options, chartutil.DefaultCapabilities.Copy(), true)
	if err != nil {
		return Response{Error: err.Error()}
	}

	out, err := engine.Render(ch, renderValues)
	if err == nil {
		return Response{Manifests: outputs(out), Notes: notes}
	}
	// Render each template on its own, with the partials, to find those that fail.
	manifests := map[string]string{}
	failed := map[string]string{}
	for _, name := range templateNames(ch, "") {
		one, err := engine.Render(only(ch, name, ""), renderValues)
		if err != nil {
			failed[name] = err.Error()
			continue
		}
		for k, v := range outputs(one) {
			manifests[k] = v
		}
	}
	return Response{Manifests: manifests, Failed: failed, Notes: notes}
}

// outputs drops NOTES.txt, which `helm template` does not print.
func outputs(rendered map[string]string) map[string]string {
	out := make(map[string]string, len(rendered))
	for name, text := range rendered {
		if strings.HasSuffix(name, "NOTES.txt") {
			continue
		}
		out[name] = text
	}
	return out
}

// dropMissingDependencies removes the dependencies Chart.yaml declares but
// charts/ does not hold (a remote chart never downloaded), with one note
// each, so the rest of the chart renders; `helm template` refuses the chart.
func dropMissingDependencies(ch *chart.Chart, notes *[]string) {
	if ch.Metadata == nil {
		return
	}
	present := map[string]bool{}
	for _, sub := range ch.Dependencies() {
		present[sub.Name()] = true
	}
	kept := ch.Metadata.Dependencies[:0]
	for _, dep := range ch.Metadata.Dependencies {
		if dep == nil {
			continue
		}
		if present[dep.Name] {
			kept = append(kept, dep)
			continue
		}
		where := dep.Repository
		if where == "" {
			where = "no repository"
		}
		*notes = append(*notes, fmt.Sprintf("%s: dependency %s %s (%s) is not in charts/, so its templates are not rendered", ch.Name(), dep.Name, dep.Version, where))
	}
	ch.Metadata.Dependencies = kept
	for _, sub := range ch.Dependencies() {
		dropMissingDependencies(sub, notes)
	}
}

// templateNames lists the chart's renderable templates (not partials) by
// their engine names, subcharts included.
func templateNames(ch *chart.Chart, parent string) []string {
	prefix := path.Join(parent, ch.Name())
	var names []string
	for _, t := range ch.Templates {
		if strings.HasPrefix(path.Base(t.Name), "_") || strings.HasSuffix(t.Name, "NOTES.txt") {
			continue
		}
		names = append(names, path.Join(prefix, t.Name))
	}
	for _, sub := range ch.Dependencies() {
		names = append(names, templateNames(sub, path.Join(prefix, "charts"))...)
	}
	sort.Strings(names)
	return names
}

// only copies the chart tree keeping the partials and the one template `name`.
func only(ch *chart.Chart, name, parent string) *chart.Chart {
	prefix := path.Join(parent, ch.Name())
	copied := *ch
	copied.Templates = nil
	for _, t := range ch.Templates {
		if strings.HasPrefix(path.Base(t.Name), "_") || path.Join(prefix, t.Name) == name {
			copied.Templates = append(copied.Templates, t)
		}
	}
	var deps []*chart.Chart
	for _, sub := range ch.Dependencies() {
		deps = append(deps, only(sub, name, path.Join(prefix, "charts")))
	}
	copied.SetDependencies(deps...)
	return &copied
}

// mergeMaps merges b into a as `helm template -f a -f b` does (b wins, maps merge).
func mergeMaps(a, b map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if v, ok := v.(map[string]interface{}); ok {
			if bv, ok := out[k]; ok {
				if bv, ok := bv.(map[string]interface{}); ok {
					out[k] = mergeMaps(bv, v)
					continue
				}
			}
		}
		out[k] = v
	}
	return out
}
