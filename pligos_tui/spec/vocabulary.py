"""The words of pligos.yaml (format 1), each defined once.

Every other module reads the names of properties, references, keys and reserved names from
here instead of restating them: the reader, the rules, the compiler, the editor's operations,
the wizard and the TUI's forms.
"""

from __future__ import annotations

FORMAT = 1  # the `pligos:` version this Pligos reads
CONFIG_NAME = "pligos.yaml"  # a service's file, at the service's root
CHARTS_DIR = "charts"  # below a service, where its charts go by default
MARKER = ".pligos-chart.json"  # in every chart Pligos writes; a folder without it is not ours

# -- properties: the named entries a service defines ------------------------------------------

PROPERTY_LISTS = ("images", "commands", "probes", "routes", "mounts", "env", "resources",
                  "containers")
# what one entry of each list is called in messages
ENTRY_WORDS = {"images": "image", "commands": "command", "probes": "probe", "routes": "route",
               "mounts": "mount", "env": "env entry", "resources": "resources entry",
               "containers": "container"}

PROBE_STAGES = ("startup", "liveness", "readiness")
PROBE_HANDLERS = ("httpGet", "tcpSocket", "exec", "grpc")
PROBE_TIMINGS = ("initialDelaySeconds", "periodSeconds", "timeoutSeconds", "successThreshold",
                 "failureThreshold", "terminationGracePeriodSeconds")
HANDLER_KEYS = {
    "httpGet": ("path", "port", "host", "scheme", "httpHeaders"),
    "tcpSocket": ("port", "host"),
    "exec": ("command",),
    "grpc": ("port", "service"),
}
# probe handlers whose `port` may name a route (a grpc probe's is compiled to the number, the
# only form Kubernetes takes there)
NAMED_PORT_HANDLERS = ("httpGet", "tcpSocket", "grpc")
MOUNT_KINDS = ("files", "secret", "hostPath", "volume", "emptyDir")
VOLUME_KEYS = ("size", "storageClass", "accessMode")
EMPTY_DIR_KEYS = ("medium", "sizeLimit")
COMMAND_TYPES = ("executable", "script")

ENTRY_KEYS: dict[str, tuple[str, ...]] = {
    "images": ("name", "repository", "tag", "digest", "pullPolicy", "pullSecret", "runAsUser",
               "runAsGroup"),
    "commands": ("name", "type", "command", "args", "fileName", "interpreter"),
    "probes": ("name", *PROBE_STAGES),
    "routes": ("name", "port", "containerPort", "protocol", "appProtocol", "fqdn", "path", "tls",
               "ingressClass", "annotations"),
    "mounts": ("name", "path", "readOnly", *MOUNT_KINDS),
    "env": ("name", "variables"),
    "resources": ("name", "requests", "limits"),
    # a sidecar or init container: names of the entries it runs with, like a context's
    "containers": ("name", "image", "command", "probe", "env", "mounts", "resources"),
}
REQUIRED_KEYS = {"images": ("repository",), "routes": ("port",), "mounts": ("path",),
                 "env": ("variables",), "containers": ("image",)}
# the keys of a container entry that name one entry, and those that name a list of entries
CONTAINER_REFS = {"image": "images", "command": "commands", "probe": "probes",
                  "resources": "resources"}
CONTAINER_REF_LISTS = {"env": "env", "mounts": "mounts"}
# inline entries of these lists end up as Kubernetes names and so must be named
INLINE_NEEDS_NAME = ("routes", "mounts", "containers")

PULL_POLICIES = ("IfNotPresent", "Always", "Never")  # the default first
EXPOSE_VIA = ("ingress", "gateway", "none")  # how a host name is exposed (expose.via); likewise
PROTOCOLS = ("TCP", "UDP", "SCTP")  # likewise
ACCESS_MODES = ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod")  # likewise
DEFAULT_PULL_POLICY, DEFAULT_PROTOCOL, DEFAULT_ACCESS_MODE = (
    PULL_POLICIES[0], PROTOCOLS[0], ACCESS_MODES[0])
RESOURCE_NAMES = ("cpu", "memory", "ephemeral-storage")

# -- contexts: what a context assigns ---------------------------------------------------------

# context key -> the property list its name refers to (one entry)
CONTEXT_REFS = {"image": "images", "command": "commands", "probe": "probes",
                "resources": "resources"}
# context key -> the property list its names refer to (a list of entries)
CONTEXT_REF_LISTS = {"routes": "routes", "mounts": "mounts", "env": "env",
                     "sidecars": "containers", "initContainers": "containers"}
# context key -> property list, for both kinds
REF_PROPERTY = {**CONTEXT_REFS, **CONTEXT_REF_LISTS}
# context settings: mappings of fixed keys (their keys, types and defaults are in
# spec/settings.py), merged key by key along `extends`; a flavor.yaml's `defaults:` changes
# their defaults for the contexts of that flavor
CONTEXT_SETTINGS = ("security", "serviceAccount", "networkPolicy", "autoscaling", "disruption",
                    "scheduling", "rollout", "expose", "service", "health", "job", "cronjob")
CONTEXT_PROPERTIES = ("image", "command", "probe", "routes", "mounts", "env", "resources",
                      "sidecars", "initContainers", "replicas", "schedule", *CONTEXT_SETTINGS,
                      "values", "friends")
# what a context says about where and how its chart is deployed: not properties a flavor
# accepts, but read by every flavor (namespace, release name, cluster, secret delivery)
CONTEXT_DEPLOY = ("namespace", "release", "cluster", "secrets")
CONTEXT_KEYS = ("name", "flavor", "extends", *CONTEXT_PROPERTIES, *CONTEXT_DEPLOY)

TOP_KEYS = ("pligos", "name", "description", "chartVersion", "appVersion", "flavorPaths",
            "flavorSources", "friendsLibrary", "secrets", "friends", *PROPERTY_LISTS,
            "contexts", "current-context")
SERVICE_NAME_MAX = 53  # helm's limit for a release name

# examples shown when a required key is missing
REQUIRED_EXAMPLES = {"pligos": str(FORMAT), "name": "my-service", "port": "8080",
                     "repository": "registry.example.com/team/app", "path": "/etc/app",
                     "variables": "{NAME: value}"}

# -- flavors ----------------------------------------------------------------------------------

FLAVOR_FILE = "flavor.yaml"
# flavorSources: each entry is one kind of source (its first key), with the keys of that kind
FLAVOR_SOURCE_KEYS = {"git": ("git", "ref", "path"), "oci": ("oci", "plainHttp")}
FLAVOR_KEYS = ("name", "version", "description", "changelog", "workload", "base", "accepts",
               "requires", "defaults", "templates")
# pligos.lock: the version each flavor pin of a tree resolved to (spec/lock.py)
LOCK_FILE = "pligos.lock"
LOCK_FORMAT = 1
LOCK_KEYS = ("version", "source", "digest")
BUILTIN_SOURCE = "builtin"  # how pligos.lock names the built-in flavors' source
# what a flavor's pods run under: the rules that depend on it (a ReadWriteOnce volume shared by
# the replicas of a Deployment) read it from flavor.yaml's `workload:`
WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")
# when a flavor's template is written into a chart (flavor.yaml `templates:` path -> one of
# these); a template not listed is always written. charts/objects.py tells which hold.
TEMPLATE_CONDITIONS = ("routes", "ingress", "http-routes", "grpc-routes", "files", "volumes",
                       "script", "secrets", "autoscaling", "disruption", "network-policy",
                       "service-account", "headless")

# -- friends ----------------------------------------------------------------------------------

FRIEND_KEYS = ("name", "type", "chart", "values", "config", "credentials")
FRIEND_USE_KEYS = ("name", "values")
FRIEND_CHART_KEYS = ("name", "version", "repository")
FRIEND_TYPES = ("requirement", "dependency")

# -- secrets ----------------------------------------------------------------------------------

SECRET_PROVIDERS = ("file", "vault")
# how secret data reaches the cluster (docs/friends-and-secrets.md), the default first:
# inline: fetched at generate time into the chart's git- and helm-ignored secrets/ folder;
# external-secrets: ExternalSecret objects, fetched by the cluster; existing: Secrets the
# cluster already has, referred to by name
INLINE, EXTERNAL_SECRETS, EXISTING = "inline", "external-secrets", "existing"
SECRET_DELIVERIES = (INLINE, EXTERNAL_SECRETS, EXISTING)
# the keys that choose the delivery, in the secrets block and in a context's `secrets:`
DELIVERY_KEYS = ("delivery", "store", "refreshInterval", "names")
SECRET_STORE_KINDS = ("SecretStore", "ClusterSecretStore")
DEFAULT_REFRESH_INTERVAL = "1h"
# the keys of the `secrets:` block, for each provider
SECRET_SETTINGS = {
    "file": ("provider", "path", *DELIVERY_KEYS),
    "vault": ("provider", "address", "mount", "path", "kv", "timeout", *DELIVERY_KEYS),
}
DEFAULT_SECRETS_PATH = "secrets"

# -- what Pligos itself puts into every pod -----------------------------------------------------

SCRIPTS_MOUNT = "/pligos/scripts"  # where a script command's file is mounted
SCRIPTS_VOLUME = "pligos-scripts"  # the pod volume the scripts ConfigMap is mounted from
# a read-only root file system gets a writable /tmp, unless the context mounts something there
TMP_VOLUME, TMP_PATH = "pligos-tmp", "/tmp"
# friends' credentials as files: /var/run/secrets/pligos/<friend>/<key> (from the volume
# pligos-friend-<friend>), and <VARIABLE>_FILE naming the file
CREDENTIALS_MOUNT = "/var/run/secrets/pligos"
FRIEND_VOLUME_PREFIX = "pligos-friend-"
CREDENTIAL_FILE_SUFFIX = "_FILE"
# the capability the restricted Pod Security Standard lets a container add
SAFE_CAPABILITIES = ("NET_BIND_SERVICE",)

# -- the values contract (docs/values-contract.md) ---------------------------------------------

CONTRACT_VERSION = 2
# the top-level keys of every chart's values, in the order they are written; a requirement's
# alias (its values' key) must not take one of them
CONTRACT_KEYS = ("pligos", "metadata", "image", "command", "probes", "routes", "expose",
                 "service", "mounts", "env", "resources", "replicas", "autoscaling",
                 "disruption", "scheduling", "rollout", "security", "serviceAccount",
                 "networkPolicy", "containers", "schedule", "job", "cronjob", "pod", "friends",
                 "secrets")
# the context property (or setting) a contract key comes from: a chart's values hold the key
# only when its flavor accepts that property; the keys not named here are in every chart
CONTRACT_SOURCES = {"command": "command", "probes": "probe", "routes": "routes",
                    "expose": "routes", "service": "routes", "env": "env",
                    "resources": "resources", "replicas": "replicas",
                    "autoscaling": "autoscaling", "disruption": "disruption",
                    "scheduling": "scheduling", "rollout": "rollout", "security": "security",
                    "serviceAccount": "serviceAccount", "networkPolicy": "networkPolicy",
                    "schedule": "schedule", "job": "job", "cronjob": "cronjob",
                    "friends": "friends"}
# keys of the contract that values.yaml never holds: given to helm with --values at deploy
# time. The data of inline secrets (secret -> key -> base64) and a token that changes when it
# does (the pods' checksum/secrets: nothing derived from the bytes), which `pligos generate`
# writes to the chart's SECRET_VALUES_FILE
SECRET_DATA, SECRETS_VERSION = "secretData", "secretsVersion"
GIVEN_KEYS = (SECRET_DATA, SECRETS_VERSION)
# the library chart of the flavors' shared helpers, a subchart of every chart (its values key
# too, so no requirement's alias may take it)
LIBRARY_CHART = "pligos-library"
# the values key Pligos's renderer sets to render charts of several releases in one helm
# process (the helpers' library reads the release through it); never written by generate,
# refused in a context's values:
RENDER_KEY = "pligosRender"
SECRETS_DIR = "secrets"  # the chart's folder of secret data: 0700, files 0600, git/helm-ignored
SECRET_VALUES_FILE = f"{SECRETS_DIR}/values.yaml"  # in a chart: the values file of SECRET_DATA

# What a preview shows: the rendered manifests (helm template), the chart's values.yaml, or its
# file list. `pligos preview`, the editor and the wizard all offer these, in this order.
MANIFESTS, VALUES, FILES = "manifests", "values", "files"
PREVIEW_MODES = (MANIFESTS, VALUES, FILES)
