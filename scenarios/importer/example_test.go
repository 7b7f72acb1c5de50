package importer_test

import (
	"fmt"

	"github.com/deploysim/deploysim/scenarios/importer"
)

func ExampleImport() {
	src := []byte(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 8
  strategy:
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
`)
	r, err := importer.Import(importer.K8s, "web.yaml", src)
	if err != nil {
		fmt.Println(err)
		return
	}
	out, _ := r.YAML()
	fmt.Print(string(out))
	// Output:
	// name: rolling
	// max_surge: "1"
	// max_unavailable: "0"
	// variant: k8s
	// rollback:
	//   progress_deadline_abort: false
	// # world settings from the same source (merge into the scenario's world:):
	// #   world:
	// #     instances: 8
}
