// Command runtime-peer is the controller-runtime side of the runtime benchmark: it runs the Widget
// reconciler that the TypeScript runtime runs, so both can be measured against the same apiserver.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"go.uber.org/zap/zapcore"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

var groupVersion = schema.GroupVersion{Group: "bench.industriverse.ai", Version: "v1"}

type WidgetSpec struct {
	Value int64 `json:"value"`
}

type WidgetStatus struct {
	ObservedValue      int64 `json:"observedValue"`
	ReconciledAtMs     int64 `json:"reconciledAtMs"`
	ObservedGeneration int64 `json:"observedGeneration"`
}

// Widget is hand-written instead of generated: its fields are plain values, so a deep copy only has
// to copy the object metadata.
type Widget struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              WidgetSpec   `json:"spec,omitempty"`
	Status            WidgetStatus `json:"status,omitempty"`
}

type WidgetList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Widget `json:"items"`
}

func (w *Widget) DeepCopyInto(out *Widget) {
	*out = *w
	w.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
}

func (w *Widget) DeepCopyObject() runtime.Object {
	out := &Widget{}
	w.DeepCopyInto(out)
	return out
}

func (l *WidgetList) DeepCopyObject() runtime.Object {
	out := &WidgetList{TypeMeta: l.TypeMeta}
	l.ListMeta.DeepCopyInto(&out.ListMeta)
	if l.Items != nil {
		out.Items = make([]Widget, len(l.Items))
		for i := range l.Items {
			l.Items[i].DeepCopyInto(&out.Items[i])
		}
	}
	return out
}

type options struct {
	kubeconfig  string
	namespace   string
	concurrency int
	qps         float64
	burst       int
	metricsAddr string
	readyFile   string
}

// parseFlags uses its own flag set: controller-runtime registers its own --kubeconfig on the global one.
func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("runtime-peer", flag.ExitOnError)
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "path to the kubeconfig (required)")
	fs.StringVar(&o.namespace, "namespace", "", "watch only this namespace (default: all namespaces)")
	fs.IntVar(&o.concurrency, "concurrency", 4, "MaxConcurrentReconciles")
	// A negative QPS disables client-side rate limiting, which is what controller-runtime's own
	// config loader does by default, leaving throttling to API priority and fairness.
	fs.Float64Var(&o.qps, "qps", -1, "client QPS; negative disables client-side rate limiting")
	fs.IntVar(&o.burst, "burst", 0, "client burst (0: client-go default)")
	fs.StringVar(&o.metricsAddr, "metrics-addr", "0", `metrics bind address ("0": off)`)
	fs.StringVar(&o.readyFile, "ready-file", "", "file written once the cache has synced and the controller runs")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.kubeconfig == "" {
		return o, errors.New("--kubeconfig is required")
	}
	if o.concurrency < 1 {
		return o, errors.New("--concurrency must be at least 1")
	}
	return o, nil
}

type reconciler struct {
	client client.Client
}

func (r *reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	now := time.Now().UnixMilli()
	var w Widget
	if err := r.client.Get(ctx, req.NamespacedName, &w); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if w.Status.ObservedGeneration == w.Generation && w.Status.ObservedValue == w.Spec.Value {
		return ctrl.Result{}, nil
	}
	// The whole status goes out as a raw merge patch, as the TypeScript controller sends it, rather
	// than a diff computed against the cached copy.
	patch, err := json.Marshal(map[string]WidgetStatus{"status": {
		ObservedValue:      w.Spec.Value,
		ReconciledAtMs:     now,
		ObservedGeneration: w.Generation,
	}})
	if err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{}, r.client.Status().Patch(ctx, &w, client.RawPatch(types.MergePatchType, patch))
}

// readySignal writes the ready file once the Widget informer has synced. It runs in the same group
// as the controller, after the manager's caches have started; the controller's event handler is
// attached to that same informer, so every event from then on reaches its queue.
type readySignal struct {
	cache cache.Cache
	path  string
}

func (s readySignal) Start(ctx context.Context) error {
	if _, err := s.cache.GetInformer(ctx, &Widget{}); err != nil {
		return err
	}
	// Written then renamed, so that a watcher never reads a half-written file.
	tmp := s.path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, s.path)
}

func run(o options) error {
	// Errors only: per-reconcile logging would be part of what is measured.
	logger := zap.New(zap.Level(zapcore.ErrorLevel), zap.StacktraceLevel(zapcore.PanicLevel))
	ctrl.SetLogger(logger)
	klog.SetLogger(logger)

	cfg, err := clientcmd.BuildConfigFromFlags("", o.kubeconfig)
	if err != nil {
		return err
	}
	cfg.QPS = float32(o.qps)
	cfg.Burst = o.burst

	scheme := runtime.NewScheme()
	scheme.AddKnownTypes(groupVersion, &Widget{}, &WidgetList{})
	metav1.AddToGroupVersion(scheme, groupVersion)

	cacheOpts := cache.Options{}
	if o.namespace != "" {
		cacheOpts.DefaultNamespaces = map[string]cache.Config{o.namespace: {}}
	}
	mgr, err := ctrl.NewManager(cfg, manager.Options{
		Scheme:         scheme,
		Cache:          cacheOpts,
		Metrics:        metricsserver.Options{BindAddress: o.metricsAddr},
		LeaderElection: false,
	})
	if err != nil {
		return err
	}

	err = ctrl.NewControllerManagedBy(mgr).
		Named("widget").
		For(&Widget{}).
		WithOptions(controller.Options{MaxConcurrentReconciles: o.concurrency}).
		Complete(&reconciler{client: mgr.GetClient()})
	if err != nil {
		return err
	}
	if o.readyFile != "" {
		if err := os.MkdirAll(filepath.Dir(o.readyFile), 0o755); err != nil {
			return err
		}
		if err := mgr.Add(readySignal{cache: mgr.GetCache(), path: o.readyFile}); err != nil {
			return err
		}
	}
	return mgr.Start(ctrl.SetupSignalHandler())
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
