// Command versions prints the API versions Helm's default capabilities
// list (`.Capabilities.APIVersions` of `helm template` without a cluster),
// one per line. The engine module is built with that list in place of the
// Kubernetes type registry it comes from, which would add every API type
// to the module.
package main

import (
	"fmt"

	"helm.sh/helm/v3/pkg/chartutil"
)

func main() {
	for _, v := range chartutil.DefaultVersionSet {
		fmt.Println(v)
	}
}
