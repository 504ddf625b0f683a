// Command etcd is the etcd server at the version that go.mod pins for the
// pinned Kubernetes release (etcd's own module cannot be `go install`ed).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
